// A file written by ember opens with Python's `safetensors` package unchanged. The package
// is not a dependency: where no python3 with safetensors (and numpy) is found, the test
// reports SKIPPED.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <ember/nn/nn.h>

#include "testing.h"

namespace ember {
namespace {

std::string python_with_safetensors() {
  for (const char* python : {"/usr/bin/python3", "python3"}) {
    std::string probe =
        std::string(python) + " -c 'import safetensors.numpy, numpy' > /dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return python;
  }
  return "";
}

TEST(SafetensorsInterop, PythonReadsWhatEmberWrites) {
  std::string python = python_with_safetensors();
  if (python.empty()) GTEST_SKIP() << "no python3 with the safetensors package";
  std::string dir = ::testing::TempDir();
  std::string file = dir + "/ember_interop.safetensors";
  std::string script = dir + "/ember_interop.py";
  nn::save_safetensors(
      file,
      {{"weight", tensor(std::vector<float>{1, -2.5f, 3, 4}, {2, 2})}, {"ids", tensor({7, 8, 9})}},
      {{"format", "pt"}});
  std::ofstream(script)
      << "import sys, numpy\n"
         "from safetensors.numpy import load_file\n"
         "t = load_file(sys.argv[1])\n"
         "assert t['weight'].dtype == numpy.float32, t['weight'].dtype\n"
         "assert t['weight'].tolist() == [[1.0, -2.5], [3.0, 4.0]]\n"
         "assert t['ids'].dtype == numpy.int64 and t['ids'].tolist() == [7, 8, 9]\n";
  EXPECT_EQ(std::system((python + " " + script + " " + file).c_str()), 0)
      << "python's safetensors could not read " << file;
}

}  // namespace
}  // namespace ember
