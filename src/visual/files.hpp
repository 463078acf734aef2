#pragma once
// PRIVATE to src/visual: whole files read (written with core::write_atomically).

#include <filesystem>
#include <string>
#include <string_view>

#include <tma/core/error.hpp>

namespace tma::visual::detail {

/// The whole file, refused beyond `max_bytes`.
core::Result<std::string> read_file(const std::filesystem::path& path, std::uintmax_t max_bytes);

} // namespace tma::visual::detail
