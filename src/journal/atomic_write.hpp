#pragma once
// PRIVATE to src/journal: whole-file writes that a crash cannot leave half done.

#include <filesystem>
#include <string_view>

#include <tma/core/error.hpp>

namespace tma::journal {

/// Write `content` to `path` through a temporary file in the same directory, flushed to disk, and a
/// rename over `path`: readers see the old file or the new one, never a mix.
core::Result<void> write_atomically(const std::filesystem::path& path, std::string_view content);

} // namespace tma::journal
