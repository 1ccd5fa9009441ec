// The CUDA runtime twins (copies, dtype conversion, fill, add_, mul_, the allocator) against
// the CPU path. Every test reports SKIPPED where no GPU is present.
#include "testing.h"

#if EMBER_WITH_CUDA
#include <ember/cuda/allocator.h>
#endif

namespace ember {
namespace {

using ::ember::testing::all_close;

TEST(Cuda, BuildReportsAvailability) {
#if !EMBER_WITH_CUDA
  EXPECT_FALSE(cuda_is_available());
  EXPECT_EMBER_ERROR(zeros({2}, Device(kCUDA)), "built without CUDA");
  return;
#endif
  EMBER_REQUIRE_CUDA();
  EXPECT_GT(cuda_device_count(), 0);
}

TEST(Cuda, RoundTripEveryDType) {
  EMBER_REQUIRE_CUDA();
  Generator g(1);
  // 300k elements pass the pinned staging path; 5 the direct one.
  for (int64_t n : {int64_t(0), int64_t(5), int64_t(300000)}) {
    Tensor x = randn({n}, &g);
    for (DType dtype : {kFloat32, kFloat64, kFloat16, kInt32, kInt64, kBool}) {
      Tensor host = x.to(dtype);
      Tensor device = host.cuda();
      EXPECT_TRUE(device.is_cuda());
      EXPECT_EQ(device.dtype(), dtype);
      EXPECT_TRUE(all_close(device.cpu(), host, 0, 0)) << dtype_name(dtype) << " n=" << n;
    }
  }
}

TEST(Cuda, StridedCopyAndConversionMatchCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(2);
  Tensor x = randn({33, 17, 5}, &g);
  Tensor xd = x.cuda();
  EXPECT_TRUE(
      all_close(xd.permute({2, 0, 1}).contiguous().cpu(), x.permute({2, 0, 1}).contiguous(), 0, 0));
  EXPECT_TRUE(
      all_close(xd.slice(1, 1, 17, 3).contiguous().cpu(), x.slice(1, 1, 17, 3).contiguous(), 0, 0));
  // float -> half on the GPU rounds exactly as the CPU does.
  EXPECT_EQ(xd.half().cpu().to_vector<Half>().size(), size_t(x.numel()));
  std::vector<Half> gpu = xd.half().cpu().to_vector<Half>();
  std::vector<Half> cpu = x.half().to_vector<Half>();
  for (size_t i = 0; i < cpu.size(); ++i) ASSERT_EQ(gpu[i].bits, cpu[i].bits) << i;
  Tensor broadcast = zeros({4, 3}, Device(kCUDA));
  broadcast.copy_(tensor({1.f, 2.f, 3.f}).cuda());
  EXPECT_EQ(broadcast.cpu().to_vector<float>(),
            (std::vector<float>{1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3}));
}

// Integer copies never go through double: int64 values past 2^53 survive a strided copy, and
// int64 -> int32 wraps on the GPU as on the CPU.
TEST(Cuda, IntegerCopiesAreExactAndWrapAsOnTheCpu) {
  EMBER_REQUIRE_CUDA();
  const int64_t big = (int64_t(1) << 60) + 1, wraps = (int64_t(1) << 32) + 7;
  Tensor x = tensor(std::vector<int64_t>{big, -big, wraps, -wraps, 3, 4}, {3, 2});
  Tensor xd = x.cuda();
  EXPECT_EQ(xd.permute({1, 0}).contiguous().cpu().to_vector<int64_t>(),
            x.permute({1, 0}).contiguous().to_vector<int64_t>());
  EXPECT_EQ(xd.permute({1, 0}).contiguous().cpu().to_vector<int64_t>()[0], big);
  EXPECT_EQ(xd.to(kInt32).cpu().to_vector<int32_t>(), x.to(kInt32).to_vector<int32_t>());
  EXPECT_EQ(xd.permute({1, 0}).to(kInt32).cpu().to_vector<int32_t>(),
            x.permute({1, 0}).to(kInt32).to_vector<int32_t>());
}

TEST(Cuda, FillAddScaleMatchCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(3);
  Tensor a = randn({64, 129}, &g), b = randn({64, 129}, &g);
  Tensor ad = a.cuda(), bd = b.cuda();
  a.add_(b, 0.5);
  ad.add_(bd, 0.5);
  EXPECT_TRUE(all_close(ad.cpu(), a, 1e-6, 1e-6));
  a.mul_(-3);
  ad.mul_(-3);
  EXPECT_TRUE(all_close(ad.cpu(), a, 1e-6, 1e-6));
  ad.t().fill_(7);
  EXPECT_EQ(ad.cpu().to_vector<float>(), std::vector<float>(64 * 129, 7.f));
}

TEST(Cuda, RandomNumbersMatchCpu) {
  EMBER_REQUIRE_CUDA();
  Generator a(9), b(9);
  EXPECT_TRUE(all_close(randn({1000}, &a, Device(kCUDA)).cpu(), randn({1000}, &b), 0, 0));
}

TEST(Cuda, CachingAllocatorReusesBlocks) {
  EMBER_REQUIRE_CUDA();
#if EMBER_WITH_CUDA
  size_t before = cuda::memory_stats().in_use;
  size_t reserved;
  {
    Tensor t = empty({1 << 20}, Device(kCUDA));  // 4 MiB
    EXPECT_GE(cuda::memory_stats().in_use, before + (size_t(4) << 20));
    reserved = cuda::memory_stats().reserved;
  }
  EXPECT_EQ(cuda::memory_stats().in_use, before);
  Tensor again = empty({1 << 20}, Device(kCUDA));
  EXPECT_EQ(cuda::memory_stats().reserved, reserved);  // the cached block came back
  EXPECT_GE(cuda::memory_stats().peak_in_use, before + (size_t(4) << 20));
#endif
}

// Best fit: a freed 8 MiB block serves a later 5 MiB request (its 6 MiB class fits in it up to
// twice over) and counts as 8 MiB in use; a 2 MiB request does not take it (four times over)
// but gets a block of its own.
TEST(Cuda, CachingAllocatorServesARequestFromABlockUpToTwiceItsSize) {
  EMBER_REQUIRE_CUDA();
#if EMBER_WITH_CUDA
  cuda::empty_cache();
  const size_t MiB = size_t(1) << 20;
  { Tensor big = empty({int64_t(2 * MiB)}, Device(kCUDA)); }  // 8 MiB, then cached
  const cuda::MemoryStats cached = cuda::memory_stats();
  {
    Tensor fits = empty({int64_t(5 * MiB / 4)}, Device(kCUDA));  // 5 MiB
    EXPECT_EQ(cuda::memory_stats().reserved, cached.reserved);
    EXPECT_EQ(cuda::memory_stats().in_use, cached.in_use + 8 * MiB);
  }
  EXPECT_EQ(cuda::memory_stats().in_use, cached.in_use);
  Tensor small = empty({int64_t(MiB / 2)}, Device(kCUDA));  // 2 MiB
  EXPECT_EQ(cuda::memory_stats().reserved, cached.reserved + 2 * MiB);
  EXPECT_EQ(cuda::memory_stats().in_use, cached.in_use + 2 * MiB);
#endif
}

}  // namespace
}  // namespace ember
