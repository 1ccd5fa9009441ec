#include <ember/dist/communicator.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

#include <ember/config.h>
#include <ember/dist/internal/backends.h>
#include <ember/tensor/error.h>

namespace ember::dist {

namespace internal {

bool launched_by_mpi() {
  // Open MPI's mpirun, MPICH's and Slurm's PMI, PMIx-based launchers.
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(name)) return true;
  return false;
}

size_t checked_bytes(const char* what, int64_t count, DType dtype) {
  EMBER_CHECK(dtype == kFloat32 || dtype == kFloat64 || dtype == kInt32 || dtype == kInt64, what,
              ": collectives take float32, float64, int32 and int64 buffers, not ",
              dtype_name(dtype));
  EMBER_CHECK(count >= 0, what, ": count must be >= 0, got ", count);
  return size_t(count) * element_size(dtype);
}

}  // namespace internal

namespace {

// This process alone: every collective leaves its data as it is (the sum and the average
// of one value are the value) or copies it.
class SingleProcess final : public Communicator {
 public:
  SingleProcess() : Communicator(0, 1, 0, 1) {}
  const char* backend() const override { return "single"; }

  void allreduce(void*, int64_t count, DType dtype, ReduceOp) override {
    internal::checked_bytes("allreduce", count, dtype);
  }
  std::unique_ptr<Pending> allreduce_async(void* data, int64_t count, DType dtype,
                                           ReduceOp op) override {
    allreduce(data, count, dtype, op);
    struct Done final : Pending {
      bool done() override { return true; }
      void wait() override {}
    };
    return std::make_unique<Done>();
  }
  void allgather(const void* send, void* recv, int64_t count, DType dtype) override {
    const size_t bytes = internal::checked_bytes("allgather", count, dtype);
    if (bytes && send != recv) std::memmove(recv, send, bytes);
  }
  void allgatherv(const void* send, void* recv, const std::vector<int64_t>& counts,
                  DType dtype) override {
    EMBER_CHECK(counts.size() == 1, "allgatherv: ", counts.size(), " counts for 1 rank");
    allgather(send, recv, counts[0], dtype);
  }
  void broadcast(void*, int64_t count, DType dtype, int root) override {
    internal::checked_bytes("broadcast", count, dtype);
    EMBER_CHECK(root == 0, "broadcast: root ", root, " is not a rank of a job of 1");
  }
  void barrier() override {}
  [[noreturn]] void abort(int code) override { std::exit(code); }
};

// A CPU copy of a CUDA tensor for a host backend, and the way back.
Tensor on_host(const Tensor& t) { return t.is_cuda() ? t.to(Device()) : t; }

void check_tensor(const Communicator& comm, const char* what, const Tensor& t) {
  EMBER_CHECK(t.is_contiguous(), what, ": the tensor must be contiguous");
  EMBER_CHECK(!comm.on_device() || t.is_cuda(), what, ": a ", comm.backend(),
              " communicator takes CUDA tensors, not one on ", t.device().str());
}

}  // namespace

void Communicator::check_host_values(const char* what) const {
  EMBER_CHECK(!on_device(), what, ": a ", backend(),
              " communicator gathers device buffers; this form takes host values");
}

std::unique_ptr<AllreducePlan> Communicator::plan_allreduce(const void* send, void* recv,
                                                            int64_t count, DType dtype,
                                                            ReduceOp op) {
  const size_t bytes = internal::checked_bytes("allreduce", count, dtype);
  struct EachStart final : AllreducePlan {
    EachStart(Communicator& comm, const void* send, void* recv, size_t bytes, int64_t count,
              DType dtype, ReduceOp op)
        : comm(comm), send(send), recv(recv), bytes(bytes), count(count), dtype(dtype), op(op) {}
    std::unique_ptr<Pending> start() override {
      if (send != recv && bytes) std::memcpy(recv, send, bytes);
      return comm.allreduce_async(recv, count, dtype, op);
    }
    Communicator& comm;
    const void* send;
    void* recv;
    size_t bytes;
    int64_t count;
    DType dtype;
    ReduceOp op;
  };
  return std::make_unique<EachStart>(*this, send, recv, bytes, count, dtype, op);
}

void Communicator::allreduce(const Tensor& t, ReduceOp op) {
  check_tensor(*this, "allreduce", t);
  if (on_device() || !t.is_cuda()) return allreduce(t.raw_data(), t.numel(), t.dtype(), op);
  Tensor host = on_host(t);
  allreduce(host.raw_data(), host.numel(), host.dtype(), op);
  Tensor(t).copy_(host);
}

void Communicator::broadcast(const Tensor& t, int root) {
  check_tensor(*this, "broadcast", t);
  if (on_device() || !t.is_cuda()) return broadcast(t.raw_data(), t.numel(), t.dtype(), root);
  Tensor host = on_host(t);
  broadcast(host.raw_data(), host.numel(), host.dtype(), root);
  Tensor(t).copy_(host);
}

Tensor Communicator::allgather(const Tensor& t) {
  check_tensor(*this, "allgather", t);
  EMBER_CHECK(t.dim() >= 1, "allgather: the tensor needs at least one dimension");
  Shape sizes = t.sizes();
  sizes[0] *= size();
  const Tensor send = on_device() ? t : on_host(t);
  Tensor recv = empty(sizes, TensorOptions(t.dtype()).device(send.device()));
  allgather(send.raw_data(), recv.raw_data(), send.numel(), send.dtype());
  return on_device() || !t.is_cuda() ? recv : recv.to(t.device());
}

std::unique_ptr<Communicator> single_process() { return std::make_unique<SingleProcess>(); }

bool has_mpi() { return EMBER_WITH_MPI; }
bool has_nccl() { return EMBER_WITH_NCCL; }

Communicator& world() {
  static std::unique_ptr<Communicator> comm;
  static std::once_flag once;
  std::call_once(once, [] {
#if EMBER_WITH_MPI
    if (internal::launched_by_mpi()) comm = internal::mpi_world();
#endif
    if (!comm) comm = single_process();
  });
  return *comm;
}

int first_rank_differing(Communicator& comm, const std::string& text) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (const char c : text) hash = (hash ^ uint8_t(c)) * 0x100000001b3ull;
  const std::vector<int64_t> all = comm.allgather(int64_t(hash));
  for (size_t r = 1; r < all.size(); ++r)
    if (all[r] != all[0]) return int(r);
  return -1;
}

std::string rank_label(const Communicator& comm) {
  return comm.size() > 1 ? detail::str("rank ", comm.rank(), " of ", comm.size()) : std::string();
}

#if !EMBER_WITH_NCCL
std::unique_ptr<Communicator> nccl_communicator(Communicator&, int) {
  EMBER_FAIL("dist: this ember was built without NCCL (a CUDA build finds it with the toolkit)");
}
#endif

}  // namespace ember::dist
