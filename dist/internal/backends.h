// The backends' factories and what they share, for dist/'s own sources.
#pragma once

#include <cstdint>
#include <memory>

#include <ember/dist/communicator.h>

namespace ember::dist::internal {

// MPI's world (MPI initialised here, finalised at exit); only in builds with MPI.
std::unique_ptr<Communicator> mpi_world();

// Whether an MPI launcher started this process (its environment variables).
bool launched_by_mpi();

// The bytes of `count` elements of `dtype`, checked: a dtype the collectives do not take
// (float16, bool) or a count below 0 is an ember::Error naming `what`.
size_t checked_bytes(const char* what, int64_t count, DType dtype);

}  // namespace ember::dist::internal
