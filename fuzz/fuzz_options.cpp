// The option parser: the `ember` commands' CLI11 declarations and ember's checks (cli/),
// with the checks a command runs on the parsed options together (`train`'s resolved
// options), parsed without running anything (cli::parse_only). The input is the command line, one
// word a line ("train\nskipgram\n--dim\n0"); its first word picks the command, as main does. A bad
// command line must be an error (std::exception), never a crash or an exit.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "../cli/commands.h"
#include "../cli/options.h"

using namespace ember;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cli::parse_only = true;
  std::vector<std::string> words{"ember"};
  std::string word;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') {
      words.push_back(word);
      word.clear();
    } else {
      word += char(data[i]);
    }
  }
  if (!word.empty()) words.push_back(word);
  if (words.size() < 2 || words.size() > 64) return 0;
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  const int argc = int(words.size()) - 1;
  char** args = argv.data() + 1;  // as main passes them: argv[0] is the command
  const std::string& command = words[1];
  using Command = int (*)(int, char**);
  const std::pair<const char*, Command> commands[] = {
      {"train", cli::train},       {"classify", cli::classify}, {"demo", cli::demo},
      {"plot", cli::plot},         {"similar", cli::similar},   {"analogy", cli::analogy},
      {"eval", cli::eval_vectors}, {"convert", cli::convert},   {"info", cli::info},
      {"generate", cli::generate}};
  for (const auto& [name, run] : commands) {
    if (command != name) continue;
    try {
      run(argc, args);
      __builtin_trap();  // parse_only: a command returned without parsing its options
    } catch (const cli::ParsedOnly&) {
    } catch (const std::exception&) {
    }
  }
  return 0;
}
