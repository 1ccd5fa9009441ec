// t-SNE (van der Maaten & Hinton 2008) to 2-D. Input affinities P come from a binary search
// per point for the Gaussian width that gives the requested perplexity, symmetrised; the
// gradient is exact (all pairs) for small N and Barnes-Hut (quadtree, van der Maaten 2014)
// with sparse P over the 3 * perplexity nearest neighbours otherwise. The optimiser is
// the reference one: early exaggeration, momentum 0.5 then 0.8, per-parameter gains.
// Deterministic: every parallel loop computes independent per-point results and sums
// them in a fixed order, so the same points and seed give the same output on any number
// of threads.
#pragma once

#include <cstdint>
#include <vector>

namespace ember::eval {

enum class TsneMethod { kAuto, kExact, kBarnesHut };
enum class TsneInit { kPca, kRandom };

struct TsneOptions {
  double perplexity = 30;  // lowered to (N - 1) / 3 for small N
  int64_t iterations = 1000;
  double early_exaggeration = 12;
  int64_t exaggeration_iterations = 250;  // also when momentum switches 0.5 -> 0.8
  double learning_rate = 0;               // 0 = auto: max(N / early_exaggeration / 4, 50)
  double theta = 0.5;                     // Barnes-Hut accuracy (0 = exact forces)
  TsneMethod method = TsneMethod::kAuto;  // auto: exact below kTsneExactLimit points
  TsneInit init = TsneInit::kPca;
  uint64_t seed = 0;  // random init only
  bool verbose = false;
};

inline constexpr int64_t kTsneExactLimit = 500;

struct TsneResult {
  std::vector<float> embedding;  // [N, 2]
  double kl_divergence = 0;      // KL(P || Q) at the end (exact for kExact, BH estimate else)
  double perplexity = 0;         // the perplexity used
  bool barnes_hut = false;
};

// x is [N, D] row-major, N >= 2.
TsneResult tsne(const float* x, int64_t n, int64_t d, const TsneOptions& options = {});

// ---- the pieces, exposed for tests ----

// Symmetric joint probabilities in compressed-row form: row i holds P_ij for j in
// columns[row_start[i] .. row_start[i+1]); sum of all entries is 1.
struct SparseP {
  std::vector<int64_t> row_start;  // [N + 1]
  std::vector<int64_t> columns;
  std::vector<double> values;
};

// P from the k nearest neighbours of each point (k = N - 1 gives all pairs).
SparseP tsne_affinities(const float* x, int64_t n, int64_t d, double perplexity, int64_t k);

// grad [N, 2] (overwritten) of KL(exaggeration * P || Q) at y [N, 2]; returns the KL
// divergence (exact version) or its Barnes-Hut estimate, or 0 when !with_kl. theta = 0
// makes Barnes-Hut exact up to rounding.
double tsne_gradient_exact(const SparseP& p, const std::vector<double>& y, double exaggeration,
                           std::vector<double>& grad, bool with_kl = true);
double tsne_gradient_barnes_hut(const SparseP& p, const std::vector<double>& y, double exaggeration,
                                double theta, std::vector<double>& grad, bool with_kl = true);

}  // namespace ember::eval
