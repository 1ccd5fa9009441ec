// `ember plot`: the seeds' visualize_embeddings_2d (PCA or t-SNE of chosen words, a labelled
// scatter) and their heat-map of embedding weights, written as SVG or PNG.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <ember/data/vectors.h>
#include <ember/eval/pca.h>
#include <ember/eval/plot.h>
#include <ember/eval/tsne.h>
#include <ember/tensor/error.h>

#include "commands.h"
#include "options.h"
#include "vector_args.h"

namespace ember::cli {

namespace {

struct PlotOptions {
  std::string vectors, out, words, groups, title, method = "tsne", init, labels = "auto";
  data::VectorFormat format = data::VectorFormat::kAuto;
  bool allow_non_finite = false;
  int64_t top = 0, iterations = 1000;
  double perplexity = 30, learning_rate = 0;
  uint64_t seed = 0;
  bool heatmap = false, no_normalize = false, verbose = false;
};

PlotOptions parse(int argc, char** argv) {
  CLI::App app(
      "Projects word vectors to 2-D and draws a labelled scatter plot (labels placed beside\n"
      "their points without overlap where possible), or draws the vectors as a heat-map\n"
      "(words x dimensions, blue negative, red positive, with a colour bar).\n"
      "The output format follows the name of --out: .svg (vector) or .png.\n"
      "examples:\n"
      "  ember plot out/demo.vec --top 100 --out words.svg\n"
      "  ember plot vectors.bin --words king,queen,man,woman,paris,france --method pca "
      "--out w.png\n"
      "  ember plot vectors.bin --groups questions-words.txt --out sections.svg\n"
      "  ember plot out/demo.vec --heatmap --top 100 --out weights.png",
      "ember plot");
  configure(app);
  PlotOptions o;
  app.add_option("VECTORS", o.vectors, "word2vec text/binary, GloVe or fastText .vec (detected)")
      ->required();
  app.add_option("--words", o.words,
                 "the words to plot, comma-separated (missing words are reported)");
  app.add_option("--top", o.top, "the first N words of the file (the most frequent, usually)")
      ->check(at_least<int64_t>(0));
  app.add_option("--groups", o.groups,
                 "colour the words by group, with a legend. FILE has lines\n"
                 "': group name' followed by lines of words of that group (the\n"
                 "questions-words.txt analogy file works as it is: one group per\n"
                 "section; matching ignores case). Without --words/--top, the\n"
                 "words of FILE found in VECTORS are plotted.");
  app.add_option("--method", o.method,
                 "tsne (exact below " + std::to_string(eval::kTsneExactLimit) +
                     " words, Barnes-Hut above) or pca")
      ->check(one_of({"tsne", "pca"}));
  app.add_option("--perplexity", o.perplexity,
                 "t-SNE perplexity (lowered to (N-1)/3 for few words)")
      ->check(positive());
  app.add_option("--iterations", o.iterations, "t-SNE iterations")->check(at_least<int64_t>(1));
  app.add_option("--learning-rate", o.learning_rate,
                 "t-SNE step size (0: max(N / 48, 50), as sklearn's auto)")
      ->check(at_least(0.0));
  app.add_option("--init", o.init, "t-SNE start: pca (deterministic) or random")
      ->check(one_of({"pca", "random"}))
      ->default_str("pca; random with --seed");
  CLI::Option* seed = app.add_option("--seed", o.seed,
                                     "seed of the random start (implies --init random); the same\n"
                                     "vectors, words and seed always give the same picture");
  app.add_flag("--no-normalize", o.no_normalize,
               "project the raw vectors; by default each is scaled to unit length\n"
               "first, so the picture follows cosine similarity");
  app.add_flag("--heatmap", o.heatmap, "draw the vectors themselves as a heat-map (no projection)");
  app.add_option("--labels", o.labels,
                 "all: every word labelled, overlapping where it must; fit: only\n"
                 "the labels that fit, earlier (more frequent) words first; none;\n"
                 "auto: all up to " +
                     std::to_string(eval::kAllLabelsLimit) + " words, fit above")
      ->check(one_of({"auto", "all", "fit", "none"}));
  app.add_option("--title", o.title,
                 "the plot's title (default: says the method and the word count)");
  add_format_option(app, o.format);
  add_non_finite_flag(app, o.allow_non_finite);
  app.add_option("--out", o.out, "where to write: FILE.svg or FILE.png")
      ->required()
      ->check(CLI::Validator(
          [](std::string& out) -> std::string {
            const size_t dot = out.rfind('.');
            const std::string suffix = dot == std::string::npos ? "" : out.substr(dot);
            if (suffix == ".svg" || suffix == ".png") return "";
            return "must name a .svg or .png file, not '" + out + "'";
          },
          "FILE.svg|FILE.png"));
  app.add_flag("--verbose", o.verbose, "print t-SNE progress (KL divergence every 50 iterations)");
  parse_command_line(app, argc, argv);
  EMBER_CHECK(!o.words.empty() || o.top > 0 || (!o.groups.empty() && !o.heatmap),
              "say which words: --words W1,W2,..., --top N", o.heatmap ? "" : " or --groups FILE");
  EMBER_CHECK(o.words.empty() || o.top == 0, "--words and --top exclude each other");
  if (o.init.empty()) o.init = seed->count() ? "random" : "pca";
  return o;
}

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> split_commas(const std::string& list) {
  std::vector<std::string> words;
  std::stringstream in(list);
  for (std::string word; std::getline(in, word, ',');)
    if (!word.empty()) words.push_back(word);
  return words;
}

// ": name" lines open a group; the words on the lines after it belong to it (first wins).
struct Groups {
  std::vector<std::string> names;
  std::vector<std::string> words;                 // in file order, each once
  std::unordered_map<std::string, int> group_of;  // lower-cased word -> group
};

Groups read_groups(const std::string& path) {
  std::ifstream in(path);
  EMBER_CHECK(in, "cannot open groups file ", path);
  Groups g;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] == ':') {
      std::string name = line.substr(1);
      name.erase(0, name.find_first_not_of(" \t"));
      g.names.push_back(name.empty() ? "group " + std::to_string(g.names.size() + 1) : name);
      continue;
    }
    std::stringstream words(line);
    for (std::string word; words >> word;) {
      EMBER_CHECK(!g.names.empty(), path, ":", number, ": word '", word,
                  "' before the first ': group' line");
      if (g.group_of.emplace(lower(word), int(g.names.size()) - 1).second) g.words.push_back(word);
    }
  }
  EMBER_CHECK(!g.words.empty(), "groups file ", path, " names no words");
  return g;
}

}  // namespace

int plot(int argc, char** argv) {
  PlotOptions o = parse(argc, argv);
  data::VectorReadOptions read_options;
  read_options.format = o.format;
  read_options.allow_non_finite = o.allow_non_finite;
  if (o.top > 0 && o.groups.empty()) read_options.limit = o.top;
  data::WordVectors vectors = read_vector_file(o.vectors, read_options);
  const int64_t d = vectors.dim;

  // The rows to plot.
  Groups groups;
  if (!o.groups.empty()) groups = read_groups(o.groups);
  std::vector<int64_t> rows;
  std::vector<std::string> missing;
  auto find = [&](const std::string& word) {
    int64_t row = vectors.find(word);
    if (row < 0) row = vectors.find(lower(word));
    return row;
  };
  if (o.top > 0) {
    for (int64_t i = 0; i < std::min(o.top, vectors.size()); ++i) rows.push_back(i);
  } else {
    for (const std::string& word : o.words.empty() ? groups.words : split_commas(o.words)) {
      int64_t row = find(word);
      if (row < 0)
        missing.push_back(word);
      else if (std::find(rows.begin(), rows.end(), row) == rows.end())
        rows.push_back(row);
    }
  }
  if (!missing.empty() && !o.words.empty()) {
    std::fprintf(stderr, "ember plot: %zu word(s) not in %s:", missing.size(), o.vectors.c_str());
    for (const std::string& word : missing) std::fprintf(stderr, " %s", word.c_str());
    std::fprintf(stderr, "\n");
  }
  const int64_t n = int64_t(rows.size());
  EMBER_CHECK(n >= 2, "need at least 2 words found in ", o.vectors, ", found ", n);

  std::vector<std::string> labels;
  std::vector<float> x(n * d);
  for (int64_t i = 0; i < n; ++i) {
    labels.push_back(vectors.words[rows[i]]);
    std::copy(vectors.row(rows[i]), vectors.row(rows[i]) + d, x.begin() + i * d);
  }

  // Values that are not finite: a heat-map draws them grey; t-SNE and PCA cannot place them.
  int64_t non_finite = 0, first_bad = -1;
  for (int64_t i = 0; i < n * d; ++i)
    if (!std::isfinite(x[i]) && non_finite++ == 0) first_bad = i;
  if (non_finite > 0) {
    const std::string where = "'" + labels[first_bad / d] + "' has " +
                              std::to_string(x[first_bad]) + " in dimension " +
                              std::to_string(first_bad % d);
    EMBER_CHECK(o.heatmap, o.vectors, ": ", where, " (", non_finite,
                " values not finite in all); t-SNE and PCA need finite vectors (--heatmap draws "
                "them grey)");
    std::fprintf(stderr, "ember plot: %lld value%s not finite, drawn grey; the first: %s\n",
                 (long long)non_finite, non_finite == 1 ? "" : "s", where.c_str());
  }

  if (o.heatmap) {
    eval::Heatmap map;
    map.title = o.title.empty() ? "Word vectors: " + std::to_string(n) + " words x " +
                                      std::to_string(d) + " dimensions"
                                : o.title;
    map.values = x, map.rows = n, map.cols = d, map.row_labels = labels;
    eval::write_heatmap(map, o.out);
    std::printf("wrote %s: heat-map of %lld words x %lld dimensions\n", o.out.c_str(), (long long)n,
                (long long)d);
    return 0;
  }

  if (!o.no_normalize)
    for (int64_t i = 0; i < n; ++i) {
      double norm = 0;
      for (int64_t j = 0; j < d; ++j) norm += double(x[i * d + j]) * x[i * d + j];
      if (norm > 0)
        for (int64_t j = 0; j < d; ++j) x[i * d + j] = float(x[i * d + j] / std::sqrt(norm));
    }

  eval::ScatterPlot scatter;
  if (o.labels != "none") scatter.labels = labels;
  scatter.label_mode = o.labels == "all"   ? eval::LabelMode::kAll
                       : o.labels == "fit" ? eval::LabelMode::kFit
                                           : eval::LabelMode::kAuto;
  scatter.x.resize(n), scatter.y.resize(n);
  std::string summary;
  if (o.method == "pca") {
    eval::PcaResult r = eval::pca(x.data(), n, d, std::min<int64_t>(2, std::min(n, d)));
    for (int64_t i = 0; i < n; ++i) {
      scatter.x[i] = r.projection[i * r.k];
      scatter.y[i] = r.k > 1 ? r.projection[i * r.k + 1] : 0.0f;
    }
    char axis[64];
    std::snprintf(axis, sizeof axis, "PC1 (%.1f%% of variance)",
                  100 * r.explained_variance_ratio[0]);
    scatter.x_label = axis;
    std::snprintf(axis, sizeof axis, "PC2 (%.1f%% of variance)",
                  r.k > 1 ? 100 * r.explained_variance_ratio[1] : 0.0);
    scatter.y_label = axis;
    summary = "PCA, " + scatter.x_label + ", " + scatter.y_label;
  } else {
    eval::TsneOptions t;
    t.perplexity = o.perplexity;
    t.iterations = o.iterations;
    t.learning_rate = o.learning_rate;
    t.init = o.init == "pca" ? eval::TsneInit::kPca : eval::TsneInit::kRandom;
    t.seed = o.seed;
    t.verbose = o.verbose;
    eval::TsneResult r = eval::tsne(x.data(), n, d, t);
    for (int64_t i = 0; i < n; ++i)
      scatter.x[i] = r.embedding[2 * i], scatter.y[i] = r.embedding[2 * i + 1];
    scatter.x_label = "t-SNE 1";
    scatter.y_label = "t-SNE 2";
    char text[128];
    std::snprintf(text, sizeof text, "t-SNE (%s, perplexity %.3g), KL divergence %.3f",
                  r.barnes_hut ? "Barnes-Hut" : "exact", r.perplexity, r.kl_divergence);
    summary = text;
    if (o.title.empty()) {
      std::snprintf(text, sizeof text, "t-SNE of %lld word vectors (perplexity %.3g)", (long long)n,
                    r.perplexity);
      scatter.title = text;
    }
  }
  if (!o.title.empty())
    scatter.title = o.title;
  else if (scatter.title.empty())
    scatter.title = "PCA of " + std::to_string(n) + " word vectors";

  if (!o.groups.empty()) {
    // Groups that have plotted words, in file order, plus "other" for the rest.
    std::vector<bool> used(groups.names.size(), false);
    for (int64_t i = 0; i < n; ++i) {
      auto it = groups.group_of.find(lower(labels[i]));
      if (it != groups.group_of.end()) used[it->second] = true;
    }
    std::vector<int> remap(groups.names.size(), -1);
    for (size_t g = 0; g < used.size(); ++g)
      if (used[g]) {
        remap[g] = int(scatter.group_names.size());
        scatter.group_names.push_back(groups.names[g]);
      }
    int other = -1;
    for (int64_t i = 0; i < n; ++i) {
      auto it = groups.group_of.find(lower(labels[i]));
      if (it != groups.group_of.end()) {
        scatter.groups.push_back(remap[it->second]);
      } else {
        if (other < 0)
          other = int(scatter.group_names.size()), scatter.group_names.push_back("other");
        scatter.groups.push_back(other);
      }
    }
  }
  eval::write_scatter(scatter, o.out);
  std::printf("wrote %s: %lld words, %s\n", o.out.c_str(), (long long)n, summary.c_str());
  return 0;
}

}  // namespace ember::cli
