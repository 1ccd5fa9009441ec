// The subcommands of the `ember` program, one file each.
#pragma once

namespace ember::cli {

int demo(int argc, char** argv);
int version();

}  // namespace ember::cli
