#pragma once
// PRIVATE to src/visual: whole files read and written. The journal has the same atomic write, but
// it is private to journal/, which visual/ may not use (docs/architecture.md).

#include <filesystem>
#include <string>
#include <string_view>

#include <tma/core/error.hpp>

namespace tma::visual::detail {

/// `content` to `path` through a temporary file in the same directory, fsync'ed, renamed over `path`.
core::Result<void> write_atomically(const std::filesystem::path& path, std::string_view content);
/// The whole file, refused beyond `max_bytes`.
core::Result<std::string> read_file(const std::filesystem::path& path, std::uintmax_t max_bytes);

} // namespace tma::visual::detail
