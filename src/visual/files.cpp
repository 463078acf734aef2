#include "visual/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>

namespace tma::visual::detail {

core::Result<std::string> read_file(const std::filesystem::path& path, std::uintmax_t max_bytes) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return core::fail(core::ErrorKind::io, fmt::format("cannot read {}: {}", path.string(), ec.message()));
  if (size > max_bytes) return core::fail(core::ErrorKind::io, fmt::format("{} is larger than {} bytes", path.string(), max_bytes));
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::fail(core::ErrorKind::io, fmt::format("cannot open {}", path.string()));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

} // namespace tma::visual::detail
