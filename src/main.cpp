#include <malloc.h>

#include "cli/app.hpp"

int main(int argc, char** argv) {
  // Blocks of 128 KiB and more always come from mmap and go back to the system when freed. glibc
  // otherwise raises this threshold after the first such free, and a summary that moves a year of
  // entries chunk by chunk would keep every freed chunk in its heap (docs/performance.md).
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  return tma::cli::run(argc, argv);
}
