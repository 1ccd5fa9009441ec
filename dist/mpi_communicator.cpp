// The MPI backend (Open MPI, MPICH: any MPI 3): MPI_COMM_WORLD, host buffers. Counts past
// INT_MAX go in pieces, since MPI counts are int.
#include <ember/config.h>

#if EMBER_WITH_MPI

#include <mpi.h>

// Persistent allreduce: MPI 4's, or Open MPI's extension of MPI 3.
#if MPI_VERSION >= 4
#define EMBER_MPI_ALLREDUCE_INIT MPI_Allreduce_init
#elif defined(OPEN_MPI) && __has_include(<mpi-ext.h>)
#include <mpi-ext.h>
#if defined(OMPI_HAVE_MPI_EXT_PCOLLREQ) && OMPI_HAVE_MPI_EXT_PCOLLREQ
#define EMBER_MPI_ALLREDUCE_INIT MPIX_Allreduce_init
#endif
#endif

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <ember/dist/internal/backends.h>
#include <ember/tensor/error.h>

namespace ember::dist::internal {

namespace {

void check_mpi(int status, const char* call) {
  if (status == MPI_SUCCESS) return;
  char message[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(status, message, &length);
  EMBER_FAIL("dist: ", call, " failed: ", std::string(message, size_t(length)));
}

MPI_Datatype mpi_type(DType dtype) {
  switch (dtype) {
    case kFloat32:
      return MPI_FLOAT;
    case kFloat64:
      return MPI_DOUBLE;
    case kInt32:
      return MPI_INT32_T;
    default:
      return MPI_INT64_T;
  }
}

// The largest piece one call moves.
constexpr int64_t kPiece = int64_t(1) << 30;

// Divides the sum by `ranks` where an average was asked for (integers: rounded toward 0).
void divide(void* data, int64_t count, DType dtype, int ranks) {
  const auto each = [&](auto* p) {
    for (int64_t i = 0; i < count; ++i) p[i] /= ranks;
  };
  switch (dtype) {
    case kFloat32:
      return each(static_cast<float*>(data));
    case kFloat64:
      return each(static_cast<double*>(data));
    case kInt32:
      return each(static_cast<int32_t*>(data));
    default:
      return each(static_cast<int64_t*>(data));
  }
}

// Requests in flight: its own (nonblocking collectives), or a persistent plan's started ones
// (`requests` points into the plan, which outlives this).
class MpiPending final : public Pending {
 public:
  MpiPending(std::vector<MPI_Request> requests, void* data, int64_t count, DType dtype,
             int divide_by)
      : owned_(std::move(requests)),
        requests_(owned_.data()),
        n_(int(owned_.size())),
        data_(data),
        count_(count),
        dtype_(dtype),
        divide_by_(divide_by) {}
  MpiPending(MPI_Request* requests, int n, void* data, int64_t count, DType dtype, int divide_by)
      : requests_(requests),
        n_(n),
        data_(data),
        count_(count),
        dtype_(dtype),
        divide_by_(divide_by) {}
  ~MpiPending() override {
    if (!finished_) MPI_Waitall(n_, requests_, MPI_STATUSES_IGNORE);
  }
  bool done() override {
    if (finished_) return true;
    int flag = 0;
    check_mpi(MPI_Testall(n_, requests_, &flag, MPI_STATUSES_IGNORE), "MPI_Testall");
    if (flag) finish();
    return finished_;
  }
  void wait() override {
    if (finished_) return;
    check_mpi(MPI_Waitall(n_, requests_, MPI_STATUSES_IGNORE), "MPI_Waitall");
    finish();
  }

 private:
  void finish() {
    finished_ = true;
    if (divide_by_ > 1) divide(data_, count_, dtype_, divide_by_);
  }
  std::vector<MPI_Request> owned_;
  MPI_Request* requests_;
  int n_;
  void* data_;
  int64_t count_;
  DType dtype_;
  int divide_by_;
  bool finished_ = false;
};

#ifdef EMBER_MPI_ALLREDUCE_INIT
// A persistent allreduce (in place where send is data), a request a piece; freed with the plan.
class MpiPlan final : public AllreducePlan {
 public:
  MpiPlan(const void* send, void* data, int64_t count, DType dtype, int divide_by)
      : data_(data), count_(count), dtype_(dtype), divide_by_(divide_by) {
    const size_t element = element_size(dtype);
    for (int64_t done = 0; done < count; done += kPiece) {
      const size_t at = size_t(done) * element;
      requests_.push_back(MPI_REQUEST_NULL);
      check_mpi(EMBER_MPI_ALLREDUCE_INIT(
                    send == data ? MPI_IN_PLACE : static_cast<const char*>(send) + at,
                    static_cast<char*>(data) + at, int(std::min(kPiece, count - done)),
                    mpi_type(dtype), MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL, &requests_.back()),
                "MPI_Allreduce_init");
    }
  }
  ~MpiPlan() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized) return;
    for (MPI_Request& r : requests_) MPI_Request_free(&r);
  }
  std::unique_ptr<Pending> start() override {
    if (!requests_.empty())  // none for a count of 0 (Open MPI refuses a null array)
      check_mpi(MPI_Startall(int(requests_.size()), requests_.data()), "MPI_Startall");
    return std::make_unique<MpiPending>(requests_.data(), int(requests_.size()), data_, count_,
                                        dtype_, divide_by_);
  }

 private:
  std::vector<MPI_Request> requests_;
  void* data_;
  int64_t count_;
  DType dtype_;
  int divide_by_;
};
#endif

class Mpi final : public Communicator {
 public:
  Mpi(int rank, int size, int local_rank, int local_size)
      : Communicator(rank, size, local_rank, local_size) {}
  const char* backend() const override { return "mpi"; }

  void allreduce(void* data, int64_t count, DType dtype, ReduceOp op) override {
    allreduce_async(data, count, dtype, op)->wait();
  }
  std::unique_ptr<Pending> allreduce_async(void* data, int64_t count, DType dtype,
                                           ReduceOp op) override {
    const size_t element = element_size(dtype);
    checked_bytes("allreduce", count, dtype);
    std::vector<MPI_Request> requests;
    for (int64_t done = 0; done < count; done += kPiece) {
      const int n = int(std::min(kPiece, count - done));
      requests.emplace_back();
      check_mpi(MPI_Iallreduce(MPI_IN_PLACE, static_cast<char*>(data) + size_t(done) * element, n,
                               mpi_type(dtype), MPI_SUM, MPI_COMM_WORLD, &requests.back()),
                "MPI_Iallreduce");
    }
    return std::make_unique<MpiPending>(std::move(requests), data, count, dtype,
                                        op == ReduceOp::kAverage ? size() : 1);
  }
#ifdef EMBER_MPI_ALLREDUCE_INIT
  std::unique_ptr<AllreducePlan> plan_allreduce(const void* send, void* recv, int64_t count,
                                                DType dtype, ReduceOp op) override {
    checked_bytes("allreduce", count, dtype);
    return std::make_unique<MpiPlan>(send, recv, count, dtype,
                                     op == ReduceOp::kAverage ? size() : 1);
  }
#endif
  void allgather(const void* send, void* recv, int64_t count, DType dtype) override {
    checked_bytes("allgather", count, dtype);
    EMBER_CHECK(count * size() <= INT_MAX, "dist: allgather of ", count, " x ", size(),
                " elements is past MPI's int counts");
    check_mpi(MPI_Allgather(send, int(count), mpi_type(dtype), recv, int(count), mpi_type(dtype),
                            MPI_COMM_WORLD),
              "MPI_Allgather");
  }
  void allgatherv(const void* send, void* recv, const std::vector<int64_t>& counts,
                  DType dtype) override {
    EMBER_CHECK(int64_t(counts.size()) == size(), "allgatherv: ", counts.size(), " counts for ",
                size(), " ranks");
    std::vector<int> n(counts.size()), at(counts.size());
    int64_t total = 0;
    for (size_t r = 0; r < counts.size(); ++r) {
      checked_bytes("allgatherv", counts[r], dtype);
      EMBER_CHECK(total + counts[r] <= INT_MAX, "dist: allgatherv of ", total + counts[r],
                  " elements or more is past MPI's int counts");
      n[r] = int(counts[r]);
      at[r] = int(total);
      total += counts[r];
    }
    check_mpi(MPI_Allgatherv(send, n[size_t(rank())], mpi_type(dtype), recv, n.data(), at.data(),
                             mpi_type(dtype), MPI_COMM_WORLD),
              "MPI_Allgatherv");
  }
  void broadcast(void* data, int64_t count, DType dtype, int root) override {
    const size_t element = element_size(dtype);
    checked_bytes("broadcast", count, dtype);
    EMBER_CHECK(root >= 0 && root < size(), "broadcast: root ", root, " is not a rank of ", size());
    for (int64_t done = 0; done < count; done += kPiece)
      check_mpi(
          MPI_Bcast(static_cast<char*>(data) + size_t(done) * element,
                    int(std::min(kPiece, count - done)), mpi_type(dtype), root, MPI_COMM_WORLD),
          "MPI_Bcast");
  }
  void barrier() override { check_mpi(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }
  [[noreturn]] void abort(int code) override {
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return; should it, this process ends still
  }
};

void finalize() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

}  // namespace

std::unique_ptr<Communicator> mpi_world() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    // Collectives come from one thread at a time, not always the main one.
    int provided = 0;
    check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided),
              "MPI_Init_thread");
    EMBER_CHECK(provided >= MPI_THREAD_SERIALIZED,
                "dist: this MPI does not allow collectives from threads other than the main one "
                "(MPI_THREAD_SERIALIZED)");
    std::atexit(finalize);
  }
  // Errors come back as codes (check_mpi throws them), not as MPI's own abort.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0, size = 1, local_rank = 0, local_size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm host;
  check_mpi(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &host),
            "MPI_Comm_split_type");
  MPI_Comm_rank(host, &local_rank);
  MPI_Comm_size(host, &local_size);
  MPI_Comm_free(&host);
  return std::make_unique<Mpi>(rank, size, local_rank, local_size);
}

}  // namespace ember::dist::internal

#endif  // EMBER_WITH_MPI
