// The commands' options, each declared once with CLI11 (name, target, check, help, default
// shown in --help), and the checks in ember's words: an error names the option and the value,
// "--dim: must be at least 1, got 0", "--lr: expects a number, got 'fast'".
#pragma once

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <ember/tensor/error.h>

namespace ember::cli {

// A command's App as ember's commands want it: the help shows each option's default.
inline void configure(CLI::App& app) {
  app.option_defaults()->always_capture_default();
  app.get_formatter()->column_width(24);
  app.get_formatter()->label("REQUIRED", "(required)");
}

// The option parser's fuzz harness (fuzz/fuzz_options.cpp) sets parse_only: then
// parse_command_line throws ParsedOnly where it would return (the options parsed and
// checked) or exit (help), so that a command's options are parsed without running it.
struct ParsedOnly {};
inline bool parse_only = false;

// Parses argv (argv[0] the command's name), then runs `checks` (the command's own, on what
// was parsed: with parse_only they run too). --help prints the generated help (every
// subcommand's when none is named) and exits 0; a command of actions given none prints it
// and exits 1; an error throws, and main prints it and exits 1.
inline void parse_command_line(CLI::App& app, int argc, char** argv,
                               const std::function<void()>& checks = {}) {
  if (argc < 2 && app.get_require_subcommand_min() > 0) {
    const std::string help = app.help("", CLI::AppFormatMode::All);
    if (parse_only) throw ParsedOnly{};
    std::fputs(help.c_str(), stdout);
    std::exit(1);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    const bool whole = app.get_subcommands().empty();
    const std::string help =
        app.help("", whole ? CLI::AppFormatMode::All : CLI::AppFormatMode::Normal);
    if (parse_only) throw ParsedOnly{};
    std::fputs(help.c_str(), stdout);
    std::exit(0);
  } catch (const CLI::ParseError& e) {
    throw std::runtime_error(std::string(e.what()) + " (see --help)");
  }
  if (checks) checks();
  if (parse_only) throw ParsedOnly{};
}

// The value of `text` when all of it is a T, else nothing.
template <typename T>
std::optional<T> parse_number(const std::string& text) {
  size_t used = 0;
  T value{};
  try {
    if constexpr (std::is_integral_v<T>)
      value = T(std::stoll(text, &used));
    else
      value = T(std::stod(text, &used));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != text.size()) return std::nullopt;
  return value;
}

template <typename T>
std::string number_error(const std::string& text) {
  return std::string(std::is_integral_v<T> ? "expects an integer" : "expects a number") +
         ", got '" + text + "'";
}

// A number in [lo, hi] (a real also finite); the help shows the range.
template <typename T>
CLI::Validator in_range(T lo, T hi) {
  const std::string range = "[" + ember::detail::str(lo) + ", " + ember::detail::str(hi) + "]";
  return CLI::Validator(
      [lo, hi, range](std::string& text) -> std::string {
        const std::optional<T> value = parse_number<T>(text);
        if (!value) return number_error<T>(text);
        if (!(*value >= lo && *value <= hi))  // also refuses nan
          return "must be in " + range + ", got " + text;
        return "";
      },
      "in " + range);
}

// A number at least lo (a real also finite).
template <typename T>
CLI::Validator at_least(T lo) {
  return CLI::Validator(
      [lo](std::string& text) -> std::string {
        const std::optional<T> value = parse_number<T>(text);
        if (!value) return number_error<T>(text);
        if constexpr (!std::is_integral_v<T>)
          if (!std::isfinite(*value)) return "must be a finite number, got " + text;
        if (!(*value >= lo)) return "must be at least " + ember::detail::str(lo) + ", got " + text;
        return "";
      },
      "at least " + ember::detail::str(lo));
}

// A number at most hi (a real also finite): a second check after at_least or positive.
template <typename T>
CLI::Validator at_most(T hi) {
  return CLI::Validator(
      [hi](std::string& text) -> std::string {
        const std::optional<T> value = parse_number<T>(text);
        if (!value) return number_error<T>(text);
        if (!(*value <= hi)) return "must be at most " + ember::detail::str(hi) + ", got " + text;
        return "";
      },
      "at most " + ember::detail::str(hi));
}

// A finite real above zero.
inline CLI::Validator positive() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const std::optional<double> value = parse_number<double>(text);
        if (!value) return number_error<double>(text);
        if (!std::isfinite(*value) || *value <= 0) return "must be a positive number, got " + text;
        return "";
      },
      "above 0");
}

// A real in [lo, hi): probabilities such as dropout.
inline CLI::Validator probability_below_one() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const std::optional<double> value = parse_number<double>(text);
        if (!value) return number_error<double>(text);
        if (!(*value >= 0 && *value < 1)) return "must be in [0, 1), got " + text;
        return "";
      },
      "in [0, 1)");
}

// One of `choices`, named in the error: "--model: must be text, lstm or bilstm, got 'gru'".
inline CLI::Validator one_of(std::vector<std::string> choices) {
  std::string names;
  for (size_t i = 0; i < choices.size(); ++i)
    names += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  return CLI::Validator(
      [choices, names](std::string& text) -> std::string {
        for (const std::string& choice : choices)
          if (text == choice) return "";
        return "must be " + names + ", got '" + text + "'";
      },
      names);
}

// The value of an option the user gave, else nothing: what a library's std::optional field
// takes, so that the library's defaults apply to what was not given.
template <typename T>
std::optional<T> given(const CLI::Option* option, const T& value) {
  if (option->count() == 0) return std::nullopt;
  return value;
}

// The most --window or --negative a command accepts: far above any useful value.
constexpr int64_t kMillion = 1000000;

}  // namespace ember::cli
