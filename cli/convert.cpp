// `ember convert`: a vector file from one format to another.
#include <cstdio>
#include <string>

#include "commands.h"
#include "vector_args.h"

namespace ember::cli {

namespace {

void print_convert_help() {
  std::printf(
      "usage: ember convert IN OUT [--to FMT] [--precision P] [--format F] [--limit N]\n"
      "Reads the vectors of IN and writes them to OUT (atomically: OUT.tmp, then renamed).\n"
      "\n"
      "options:\n"
      "  --to FMT       OUT's format: w2v-bin (word2vec binary), w2v-text (word2vec text),\n"
      "                 glove (text without the header line), vec (fastText .vec, which is\n"
      "                 word2vec text). Default: by OUT's name: .bin -> w2v-bin, .vec -> vec,\n"
      "                 .txt with \"glove\" in the name -> glove, else w2v-text\n"
      "  --precision P  text formats: P digits after the point (default: the shortest text\n"
      "                 that reads back as the same float32, so nothing is lost)\n"
      "%s"
      "\n"
      "example:\n"
      "  ember convert GoogleNews-vectors-negative300.bin news.vec --limit 200000\n",
      kReadFlagsHelp);
}

}  // namespace

int convert(int argc, char** argv) {
  data::VectorReadOptions read;
  data::VectorWriteOptions write;
  data::VectorFormat to = data::VectorFormat::kAuto;
  std::string in, out;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      print_convert_help();
      return 0;
    }
    if (parse_read_flag(argc, argv, i, read)) continue;
    if (arg == "--to" || arg == "--precision") {
      EMBER_CHECK(i + 1 < argc, "option ", arg, " needs a value");
      const std::string value = argv[++i];
      if (arg == "--to") {
        to = data::parse_vector_format(value);
        EMBER_CHECK(to != data::VectorFormat::kAuto, "--to needs a format, not auto");
      } else {
        write.precision = int(parse_count(arg, value));
      }
    } else if (arg.rfind("--", 0) == 0) {
      EMBER_FAIL("unknown option ", arg, " (see ember convert --help)");
    } else if (in.empty()) {
      in = arg;
    } else {
      EMBER_CHECK(out.empty(), "need IN and OUT only, got a third file '", arg, "'");
      out = arg;
    }
  }
  EMBER_CHECK(!in.empty() && !out.empty(), "need IN and OUT (see ember convert --help)");
  Loaded loaded = load_vectors(in, read);
  const auto start = std::chrono::steady_clock::now();
  data::write_vectors(out, loaded.vectors, to, write);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  data::VectorFileInfo check;
  data::VectorReadOptions header_only;
  header_only.limit = 1;
  data::read_vectors(out, header_only, &check);
  std::printf("wrote %lld x %lld vectors to %s (%s) in %.2f s\n",
              static_cast<long long>(loaded.vectors.size()),
              static_cast<long long>(loaded.vectors.dim), out.c_str(),
              data::vector_format_name(to == data::VectorFormat::kAuto ? check.format : to),
              seconds);
  return 0;
}

}  // namespace ember::cli
