// `ember convert`: a vector file from one format to another.
#include <cstdio>
#include <string>

#include "commands.h"
#include "vector_args.h"

namespace ember::cli {

int convert(int argc, char** argv) {
  CLI::App app(
      "Reads the vectors of IN and writes them to OUT (atomically: OUT.tmp, then renamed).\n"
      "example: ember convert GoogleNews-vectors-negative300.bin news.vec --limit 200000",
      "ember convert");
  configure(app);
  data::VectorReadOptions read;
  data::VectorWriteOptions write;
  data::VectorFormat to = data::VectorFormat::kAuto;
  std::string in, out;
  app.add_option("IN", in, "the vector file to read")->required();
  app.add_option("OUT", out, "the vector file to write")->required();
  app.add_option_function<std::string>(
         "--to", [&to](const std::string& name) { to = data::parse_vector_format(name); },
         "OUT's format: w2v-bin (word2vec binary), w2v-text (word2vec text),\n"
         "glove (text without the header line), vec (fastText .vec, which is\n"
         "word2vec text). Default: by OUT's name: .bin -> w2v-bin, .vec -> vec,\n"
         ".txt with \"glove\" in the name -> glove, else w2v-text")
      ->check(one_of({"w2v-text", "text", "word2vec", "w2v-bin", "bin", "binary", "glove", "vec"}));
  app.add_option("--precision", write.precision,
                 "text formats: P digits after the point (default: the shortest text\n"
                 "that reads back as the same float32, so nothing is lost)")
      ->check(in_range(0, 100))
      ->default_str("shortest");
  add_read_options(app, read);
  parse_command_line(app, argc, argv);
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
