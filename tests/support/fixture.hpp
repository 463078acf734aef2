#pragma once
// Read a test fixture by its path under tests/fixtures.
#include <string>

#include "support/temp_dir.hpp"
#include "support/paths.hpp"

namespace tma::test {
inline std::string fixture(const std::string& relative) { return read_file(std::string(TMA_FIXTURES) + "/" + relative); }
} // namespace tma::test
