// The CUDA minibatch word2vec kernel: the CPU window steps (SkipGramWindowStep, CbowStep in
// models/internal/word2vec_steps.h) on the GPU, with the arithmetic of
// cuda/internal/word2vec_window.h (which says the formulas, the ring of context rows kept on
// chip for their lifetime in the sliding window, and the lanes' layout). One warp a sentence,
// many warps a block, each with its own slice of shared memory; one persistent launch an
// epoch whose warps stride over the sentences. Updates reach the tables as float4 atomicAdds
// (Hogwild with the other warps); a one-sentence corpus (one warp) runs deterministically.
#include <ember/cuda/word2vec.h>

#include <ember/cuda/check.cuh>
#include <ember/cuda/internal/word2vec_window.h>
#include <ember/cuda/sentence_warp.cuh>
#include <ember/tensor/error.h>

namespace ember::cuda {

namespace {

namespace ww = word2vec_window;

constexpr int kMaxWarpsPerBlock = 16;

// A warp as cuda/internal/word2vec_window.h runs it: this thread's lane only, the butterfly
// with shuffles.
struct DeviceWarp {
  static constexpr int kLanes = 1;
  int lane;
  __device__ int first_lane() const { return lane; }
  __device__ int end_lane() const { return lane + 1; }
  __device__ bool leader() const { return lane == 0; }
  __device__ bool leader_of(int k) const { return lane == k % ww::kLanes; }
  __device__ void sync() const { __syncwarp(); }
  __device__ float sum(const float* part) const { return sentence_warp::warp_sum(part[0]); }
};

// Sentences [l.begin_sentence, l.end_sentence) of the kept tokens (sentence_warp's
// subsample_kernel), warp w of the grid taking sentences w, w + warps, ... Dynamic shared
// memory: blockDim.x / 32 warps' ww::warp_floats(s) floats.
template <bool kCbow>
__global__ void __launch_bounds__(kMaxWarpsPerBlock* ww::kLanes)
    window_kernel(Word2VecLaunch l, ww::Shape s) {
  extern __shared__ float4 shared[];
  const int warps_per_block = int(blockDim.x) / ww::kLanes;
  const int warp_in_block = int(threadIdx.x) / ww::kLanes;
  const ww::WarpMemory m =
      ww::carve(reinterpret_cast<float*>(shared) + warp_in_block * ww::warp_floats(s), s);
  const DeviceWarp warp{int(threadIdx.x) % ww::kLanes};
  const int64_t warps = int64_t(gridDim.x) * warps_per_block;
  float loss_sum = 0;
  unsigned long long loss_count = 0;
  for (int64_t sentence = l.begin_sentence + int64_t(blockIdx.x) * warps_per_block + warp_in_block;
       sentence < l.end_sentence; sentence += warps) {
    const int64_t begin = l.sentence_starts[sentence];
    const float lr = ww::lr_at(l.lr0, l.lr_drop, l.epoch * l.num_ids + begin, l.total_words);
    const ww::WindowLoss loss =
        ww::train_sentence<kCbow>(warp, l, m, s, l.kept + begin, l.kept_length[sentence], begin, lr,
                                  kCbow ? int(l.centres_per_draw) : 1);
    loss_sum += loss.sum, loss_count += loss.count;
  }
  sentence_warp::report_loss(loss_sum, loss_count, l.loss_sum, l.loss_count);
}

// Queues window_kernel<kCbow> over l's sentences: as many warps a block as fit the block's
// shared memory (at most 16), as many blocks as are resident at once (a persistent grid).
template <bool kCbow>
void launch_windows(const Word2VecLaunch& l, const ww::Shape& s, int64_t warp_bytes, int device,
                    int most_shared) {
  const int64_t sentences = l.end_sentence - l.begin_sentence;
  const int warps = int(std::min<int64_t>(kMaxWarpsPerBlock, most_shared / warp_bytes));
  const int threads = warps * ww::kLanes;
  const size_t shared = size_t(warps) * size_t(warp_bytes);
  EMBER_CUDA_CHECK(cudaFuncSetAttribute(window_kernel<kCbow>,
                                        cudaFuncAttributeMaxDynamicSharedMemorySize, int(shared)));
  int sms = 0, per_sm = 0;
  EMBER_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  EMBER_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, window_kernel<kCbow>,
                                                                 threads, shared));
  const int64_t wanted = (sentences + warps - 1) / warps;
  const int64_t resident = int64_t(sms) * std::max(per_sm, 1);
  const unsigned blocks = unsigned(std::max<int64_t>(1, std::min(wanted, resident)));
  window_kernel<kCbow><<<blocks, threads, shared, current_stream()>>>(l, s);
  EMBER_CUDA_CHECK_LAUNCH();
}

}  // namespace

void word2vec_window_train(const Word2VecLaunch& l) {
  sentence_warp::check_sentence_launch("word2vec minibatch", l, kWord2VecMaxDim,
                                       kWord2VecMaxNegative);
  EMBER_CHECK(l.window <= ww::kMaxWindow, "word2vec minibatch (CUDA): window ", l.window,
              " is outside 1..", ww::kMaxWindow, "; train with minibatch = false");
  EMBER_CHECK(l.centres_per_draw >= 1 && l.centres_per_draw <= 16,
              "word2vec minibatch (CUDA): centres_per_draw ", l.centres_per_draw,
              " is outside 1..16");
  const int64_t sentences = l.end_sentence - l.begin_sentence;
  if (sentences <= 0) return;
  const ww::Shape s = ww::shape_of(l);
  const int64_t warp_bytes = ww::warp_floats(s) * int64_t(sizeof(float));
  int device = 0, most_shared = 0;
  EMBER_CUDA_CHECK(cudaGetDevice(&device));
  EMBER_CUDA_CHECK(
      cudaDeviceGetAttribute(&most_shared, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  EMBER_CHECK(warp_bytes <= most_shared, "word2vec minibatch (CUDA): dim ", l.dim, " and window ",
              l.window, " need ", warp_bytes, " bytes of shared memory a warp, more than the ",
              most_shared, " of a block; train with minibatch = false");

  sentence_warp::subsample_kernel<<<sentence_warp::sentence_blocks(sentences),
                                    sentence_warp::kWarp * sentence_warp::kWarpsPerBlock, 0,
                                    current_stream()>>>(l);
  EMBER_CUDA_CHECK_LAUNCH();
  if (l.cbow)
    launch_windows<true>(l, s, warp_bytes, device, most_shared);
  else
    launch_windows<false>(l, s, warp_bytes, device, most_shared);
}

}  // namespace ember::cuda
