#pragma once
// Whole-file writes that a crash cannot leave half done: the journal's local state and starter
// files, tma visual's snapshots and reports.

#include <filesystem>
#include <string_view>

#include <tma/core/error.hpp>

namespace tma::core {

/// Write `content` to `path` through a temporary file in the same directory, flushed to disk, and a
/// rename over `path`: readers see the old file or the new one, never a mix.
Result<void> write_atomically(const std::filesystem::path& path, std::string_view content);

} // namespace tma::core
