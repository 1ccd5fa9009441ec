// The NCCL backend: one rank per GPU, device buffers, the collectives queued on ember's stream
// of the rank's GPU (so they follow the kernels queued before them). Blocking calls wait for
// the stream; allreduce_async records an event that done() queries.
#include <ember/config.h>

#if EMBER_WITH_NCCL

#include <nccl.h>
#include <cuda_runtime.h>

#include <ember/cuda/runtime.h>
#include <ember/dist/internal/backends.h>
#include <ember/tensor/error.h>

namespace ember::dist {

namespace {

void check_nccl(ncclResult_t status, const char* call) {
  EMBER_CHECK(status == ncclSuccess, "dist: ", call, " failed: ", ncclGetErrorString(status));
}

void check_cuda(cudaError_t status, const char* call) {
  EMBER_CHECK(status == cudaSuccess, "dist: ", call, " failed: ", cudaGetErrorString(status));
}

ncclDataType_t nccl_type(DType dtype) {
  switch (dtype) {
    case kFloat32:
      return ncclFloat32;
    case kFloat64:
      return ncclFloat64;
    case kInt32:
      return ncclInt32;
    default:
      return ncclInt64;
  }
}

class NcclPending final : public Pending {
 public:
  NcclPending(cudaEvent_t event, int device) : event_(event), device_(device) {}
  ~NcclPending() override {
    cuda::DeviceGuard guard(device_);
    cudaEventSynchronize(event_);
    cudaEventDestroy(event_);
  }
  bool done() override {
    cuda::DeviceGuard guard(device_);
    const cudaError_t status = cudaEventQuery(event_);
    if (status == cudaErrorNotReady) return false;
    check_cuda(status, "cudaEventQuery");
    return true;
  }
  void wait() override {
    cuda::DeviceGuard guard(device_);
    check_cuda(cudaEventSynchronize(event_), "cudaEventSynchronize");
  }

 private:
  cudaEvent_t event_;
  int device_;
};

class Nccl final : public Communicator {
 public:
  Nccl(Communicator& bootstrap, int device)
      : Communicator(bootstrap.rank(), bootstrap.size(), bootstrap.local_rank(),
                     bootstrap.local_size()),
        bootstrap_(bootstrap),
        device_(device) {
    const int gpus = cuda::device_count();
    EMBER_CHECK(device >= 0 && device < gpus, "dist: NCCL rank ", rank(), " wants GPU ", device,
                " but this host has ", gpus, " GPU", gpus == 1 ? "" : "s", " for its ",
                local_size(), " rank", local_size() == 1 ? "" : "s",
                " (NCCL takes one rank per GPU: start at most ", gpus, " ranks a host)");
    ncclUniqueId id;
    if (rank() == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
    static_assert(sizeof id % 4 == 0, "ncclUniqueId travels as int32 words");
    bootstrap.broadcast(&id, int64_t(sizeof id / 4), kInt32, 0);
    cuda::DeviceGuard guard(device_);
    check_nccl(ncclCommInitRank(&comm_, size(), id, rank()), "ncclCommInitRank");
  }
  ~Nccl() override {
    cuda::DeviceGuard guard(device_);
    ncclCommDestroy(comm_);
  }
  const char* backend() const override { return "nccl"; }
  bool on_device() const override { return true; }

  void allreduce(void* data, int64_t count, DType dtype, ReduceOp op) override {
    queue_allreduce(data, count, dtype, op);
    sync();
  }
  std::unique_ptr<Pending> allreduce_async(void* data, int64_t count, DType dtype,
                                           ReduceOp op) override {
    queue_allreduce(data, count, dtype, op);
    cuda::DeviceGuard guard(device_);
    cudaEvent_t event;
    check_cuda(cudaEventCreateWithFlags(&event, cudaEventDisableTiming), "cudaEventCreate");
    check_cuda(cudaEventRecord(event, stream()), "cudaEventRecord");
    return std::make_unique<NcclPending>(event, device_);
  }
  void allgather(const void* send, void* recv, int64_t count, DType dtype) override {
    internal::checked_bytes("allgather", count, dtype);
    cuda::DeviceGuard guard(device_);
    check_nccl(ncclAllGather(send, recv, size_t(count), nccl_type(dtype), comm_, stream()),
               "ncclAllGather");
    sync();
  }
  // NCCL has no allgatherv: each rank's part is broadcast from it, in one group.
  void allgatherv(const void* send, void* recv, const std::vector<int64_t>& counts,
                  DType dtype) override {
    EMBER_CHECK(int64_t(counts.size()) == size(), "allgatherv: ", counts.size(), " counts for ",
                size(), " ranks");
    const size_t element = element_size(dtype);
    cuda::DeviceGuard guard(device_);
    check_nccl(ncclGroupStart(), "ncclGroupStart");
    size_t at = 0;
    for (int r = 0; r < size(); ++r) {
      internal::checked_bytes("allgatherv", counts[size_t(r)], dtype);
      check_nccl(
          ncclBroadcast(r == rank() ? send : nullptr, static_cast<char*>(recv) + at * element,
                        size_t(counts[size_t(r)]), nccl_type(dtype), r, comm_, stream()),
          "ncclBroadcast");
      at += size_t(counts[size_t(r)]);
    }
    check_nccl(ncclGroupEnd(), "ncclGroupEnd");
    sync();
  }
  void broadcast(void* data, int64_t count, DType dtype, int root) override {
    internal::checked_bytes("broadcast", count, dtype);
    EMBER_CHECK(root >= 0 && root < size(), "broadcast: root ", root, " is not a rank of ", size());
    cuda::DeviceGuard guard(device_);
    check_nccl(ncclBroadcast(data, data, size_t(count), nccl_type(dtype), root, comm_, stream()),
               "ncclBroadcast");
    sync();
  }
  void barrier() override { bootstrap_.barrier(); }
  Communicator& host() override { return bootstrap_; }
  [[noreturn]] void abort(int code) override {
    ncclCommAbort(comm_);
    bootstrap_.abort(code);
    std::_Exit(code);  // bootstrap_.abort does not return; should it, this process ends still
  }

 private:
  cudaStream_t stream() const { return static_cast<cudaStream_t>(cuda::current_stream_handle()); }
  void sync() {
    cuda::DeviceGuard guard(device_);
    check_cuda(cudaStreamSynchronize(stream()), "cudaStreamSynchronize");
  }
  void queue_allreduce(void* data, int64_t count, DType dtype, ReduceOp op) {
    internal::checked_bytes("allreduce", count, dtype);
    cuda::DeviceGuard guard(device_);
    check_nccl(ncclAllReduce(data, data, size_t(count), nccl_type(dtype),
                             op == ReduceOp::kAverage ? ncclAvg : ncclSum, comm_, stream()),
               "ncclAllReduce");
  }

  Communicator& bootstrap_;
  int device_;
  ncclComm_t comm_ = nullptr;
};

}  // namespace

std::unique_ptr<Communicator> nccl_communicator(Communicator& bootstrap, int device) {
  return std::make_unique<Nccl>(bootstrap, device);
}

}  // namespace ember::dist

#endif  // EMBER_WITH_NCCL
