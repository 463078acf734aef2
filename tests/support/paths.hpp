#pragma once
// Where the tests find the built binary, the source tree, the fixtures and the lab. The paths are
// compiled into tests/support/paths.cpp alone: every other test file stays free of absolute paths,
// so ccache serves it from any checkout (CI clones main into a new folder each run).

namespace tma::test::paths {
const char* binary();     ///< the built `tma`
const char* source_dir(); ///< the repository's root
const char* fixtures();   ///< tests/fixtures
const char* lab_dir();    ///< tests/lab
} // namespace tma::test::paths

#define TMA_BINARY (::tma::test::paths::binary())
#define TMA_SOURCE_DIR (::tma::test::paths::source_dir())
#define TMA_FIXTURES (::tma::test::paths::fixtures())
#define TMA_LAB_DIR (::tma::test::paths::lab_dir())
