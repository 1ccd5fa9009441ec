// What the harnesses share: the parsers take a path, so each input is written to a file
// first (in /dev/shm where it exists: memory, no disk), named after the process so that
// harnesses running side by side do not meet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ember::fuzz {

// "<dir>/ember-fuzz-<pid>-<name>": the same path for the same name in one process.
std::string scratch_path(const std::string& name);
// Writes the bytes to scratch_path(name) (replacing what was there) and returns the path.
std::string write_input(const std::string& name, const uint8_t* data, size_t size);

}  // namespace ember::fuzz
