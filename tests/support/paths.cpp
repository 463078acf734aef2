#include "support/paths.hpp"

namespace tma::test::paths {
const char* binary() { return TMA_PATH_BINARY; }
const char* source_dir() { return TMA_PATH_SOURCE_DIR; }
const char* fixtures() { return TMA_PATH_FIXTURES; }
const char* lab_dir() { return TMA_PATH_LAB_DIR; }
} // namespace tma::test::paths
