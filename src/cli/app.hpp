#pragma once

namespace tma::cli {
/// Parse the command line, run the chosen subcommand, map any error to an exit code.
int run(int argc, char** argv);
} // namespace tma::cli
