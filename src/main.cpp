#include "cli/app.hpp"

int main(int argc, char** argv) { return tma::cli::run(argc, argv); }
