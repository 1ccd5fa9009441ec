// The subcommands of the `ember` program, one file each.
#pragma once

namespace ember::cli {

int analogy(int argc, char** argv);
int classify(int argc, char** argv);
int convert(int argc, char** argv);
int demo(int argc, char** argv);
int eval_vectors(int argc, char** argv);  // `ember eval` (eval is the namespace ember::eval)
int generate(int argc, char** argv);      // `ember generate train|sample`: the char LM
int info(int argc, char** argv);
int plot(int argc, char** argv);
int print_vectors(int argc, char** argv);  // `ember print-vectors`
int similar(int argc, char** argv);
int train(int argc, char** argv);
int version();

}  // namespace ember::cli
