// A tree reduction among the threads of a group (a power of 2 that divides blockDim.x), in
// shared memory: the order of the combines is fixed by the group size, so results are the
// same bits on every run.
#pragma once

namespace ember::cuda {

// Every thread of the block calls it (it synchronises); each gets its group's result.
// buffer has blockDim.x elements.
template <typename Acc, typename Combine>
__device__ Acc group_reduce(Acc value, Acc* buffer, int group, Combine combine) {
  const int lane = threadIdx.x % group;
  buffer[threadIdx.x] = value;
  __syncthreads();
  for (int s = group / 2; s > 0; s >>= 1) {
    if (lane < s) buffer[threadIdx.x] = combine(buffer[threadIdx.x], buffer[threadIdx.x + s]);
    __syncthreads();
  }
  const Acc result = buffer[threadIdx.x - lane];
  __syncthreads();
  return result;
}

struct SumCombine {
  template <typename T>
  __device__ T operator()(T a, T b) const {
    return a + b;
  }
};

// The number of threads given to a line of `length` elements: a power of 2, at most 256.
inline int group_for(int64_t length) {
  int group = 1;
  while (group < 256 && group < length) group *= 2;
  return group;
}

}  // namespace ember::cuda
