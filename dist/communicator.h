// The distributed layer's communicator: the ranks of one job and the collectives they run
// together. Backends are existing engines, never a protocol of ember's own:
//   single  this process alone (size 1): every collective is a copy or nothing
//   MPI     processes on one host or many (mpirun); host buffers, CUDA tensors staged through
//           the host
//   NCCL    one rank per GPU, device buffers; its ncclUniqueId travels over an MPI
//           communicator (nccl_communicator below, CUDA builds with NCCL)
//
//   dist::Communicator& comm = dist::world();   // MPI under mpirun, else this process alone
//   comm.allreduce(grad.data(), n, dist::ReduceOp::kAverage);
//
// Every rank calls the same collectives in the same order with the same counts (MPI's rule);
// a rank that cannot go on calls abort(), which ends every rank's process, so that no rank
// waits forever for it. The trainers call collectives from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ember/tensor/dtype.h>
#include <ember/tensor/tensor.h>

namespace ember::dist {

enum class ReduceOp { kSum, kAverage };  // kAverage: the sum divided by size()

// A collective started by an *_async call: done() tells (and moves it on, for MPI), wait()
// blocks until it has finished. The buffers it was given stay in use until then.
class Pending {
 public:
  virtual ~Pending() = default;
  virtual bool done() = 0;
  virtual void wait() = 0;
};

// An allreduce of one buffer set up once and started as often as wanted: where the MPI has
// persistent collectives (MPI 4, Open MPI's MPIX extension) its schedule and scratch buffers
// are made once instead of at every start. Every rank makes the same plans in the same order
// (making one is a collective), and starts them in the same order; one start of a plan is in
// flight at a time, and the plan outlives it.
class AllreducePlan {
 public:
  virtual ~AllreducePlan() = default;
  virtual std::unique_ptr<Pending> start() = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  int local_rank() const { return local_rank_; }  // among the ranks of this host
  int local_size() const { return local_size_; }
  virtual const char* backend() const = 0;  // "single", "mpi" or "nccl"
  // True when buffers are device memory (NCCL), false for host memory.
  virtual bool on_device() const { return false; }

  // The raw collectives, over `count` elements of `dtype` (float32, float64, int32, int64).
  // allreduce: in place. allgather: recv [size() * count], rank r's at r * count.
  // broadcast: root's data to every rank's.
  virtual void allreduce(void* data, int64_t count, DType dtype, ReduceOp op) = 0;
  virtual std::unique_ptr<Pending> allreduce_async(void* data, int64_t count, DType dtype,
                                                   ReduceOp op) = 0;
  // An allreduce of `send` into `recv` as a plan (above); in place where they are the same.
  // By default each start is a copy (where not in place) and an allreduce_async.
  virtual std::unique_ptr<AllreducePlan> plan_allreduce(const void* send, void* recv, int64_t count,
                                                        DType dtype, ReduceOp op);
  virtual void allgather(const void* send, void* recv, int64_t count, DType dtype) = 0;
  // recv [sum of counts]: rank r's `counts[r]` elements after those of ranks before it.
  virtual void allgatherv(const void* send, void* recv, const std::vector<int64_t>& counts,
                          DType dtype) = 0;
  virtual void broadcast(void* data, int64_t count, DType dtype, int root) = 0;
  virtual void barrier() = 0;
  // Ends every rank of the job with exit status `code` (MPI_Abort); this process's own
  // message should be printed first.
  [[noreturn]] virtual void abort(int code) = 0;

  // Typed forms of the above: buffers as for the raw ones; allgatherv and allgather of a
  // value take host values (backends with device buffers refuse them).
  template <typename T>
  void allreduce(T* data, int64_t count, ReduceOp op = ReduceOp::kSum) {
    allreduce(data, count, dtype_of<T>(), op);
  }
  template <typename T>
  void broadcast(T* data, int64_t count, int root = 0) {
    broadcast(data, count, dtype_of<T>(), root);
  }
  // Every rank's `send` in rank order, and how many each gave (`counts`, when asked).
  template <typename T>
  std::vector<T> allgatherv(const std::vector<T>& send, std::vector<int64_t>* counts = nullptr) {
    check_host_values("allgatherv");
    std::vector<int64_t> n = gather_counts(int64_t(send.size()));
    int64_t total = 0;
    for (int64_t c : n) total += c;
    std::vector<T> recv(static_cast<size_t>(total));
    allgatherv(send.data(), recv.data(), n, dtype_of<T>());
    if (counts) *counts = std::move(n);
    return recv;
  }
  // One value from every rank, in rank order.
  template <typename T>
  std::vector<T> allgather(T value) {
    check_host_values("allgather");
    std::vector<T> recv(static_cast<size_t>(size()));
    allgather(&value, recv.data(), 1, dtype_of<T>());
    return recv;
  }

  // The communicator of the same ranks for host values: this one, or for NCCL the MPI one it
  // was made over.
  virtual Communicator& host() { return *this; }
  // One count from every rank, in rank order, whatever the backend's buffers (the counts of
  // an allgatherv to come).
  std::vector<int64_t> gather_counts(int64_t count) { return host().allgather(count); }

  // Tensor forms: a contiguous tensor of a collective dtype on this backend's side (CPU for
  // single and MPI, which stages CUDA tensors through the host; CUDA for NCCL), in place.
  void allreduce(const Tensor& t, ReduceOp op = ReduceOp::kSum);
  void broadcast(const Tensor& t, int root = 0);
  // Every rank's t stacked along dim 0: [size() * t.size(0), ...].
  Tensor allgather(const Tensor& t);

  template <typename T>
  static DType dtype_of();

 protected:
  Communicator(int rank, int size, int local_rank, int local_size)
      : rank_(rank), size_(size), local_rank_(local_rank), local_size_(local_size) {}
  void check_host_values(const char* what) const;

 private:
  int rank_, size_, local_rank_, local_size_;
};

template <>
inline DType Communicator::dtype_of<float>() {
  return kFloat32;
}
template <>
inline DType Communicator::dtype_of<double>() {
  return kFloat64;
}
template <>
inline DType Communicator::dtype_of<int32_t>() {
  return kInt32;
}
template <>
inline DType Communicator::dtype_of<int64_t>() {
  return kInt64;
}

// This process alone: rank 0 of 1.
std::unique_ptr<Communicator> single_process();

// The job's communicator, made on first use: MPI's world when this ember was built with MPI
// and the process was started by an MPI launcher (mpirun, srun: their environment says so),
// else this process alone. MPI is finalised at exit.
Communicator& world();

// Whether this ember was built with the MPI backend, and with NCCL's.
bool has_mpi();
bool has_nccl();

// A NCCL communicator over the ranks of `bootstrap` (an MPI one): rank 0 makes the
// ncclUniqueId and broadcasts it over `bootstrap`; this rank's GPU is `device` (usually its
// local rank; ember::Error naming both counts where there are fewer GPUs). CUDA builds with
// NCCL only (has_nccl()); its collectives run on ember's stream of that device.
std::unique_ptr<Communicator> nccl_communicator(Communicator& bootstrap, int device);

// The first rank whose `text` differs from rank 0's (compared by a 64-bit FNV-1a hash), or
// -1 where all ranks agree: how a job finds the rank started with other options or data.
int first_rank_differing(Communicator& comm, const std::string& text);

// "rank 1 of 4" for messages, "" for a job of one process.
std::string rank_label(const Communicator& comm);

}  // namespace ember::dist
