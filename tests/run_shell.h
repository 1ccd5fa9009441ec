// Runs a shell command for the tests of the `ember` program (test_cli, test_hostile_input),
// its stderr folded into its stdout.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace ember::testing {

struct ShellResult {
  int status;          // the exit code; -1 for a crash (a signal), never an expected code
  std::string output;  // stdout and stderr together
};

inline ShellResult run_shell(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, "popen failed: " + command};
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace ember::testing
