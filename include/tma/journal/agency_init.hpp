#pragma once
// `tma init`: a new agency directory (git repository, starter inventory, .gitignore, journal ref).

#include <filesystem>
#include <string>
#include <string_view>

#include <tma/core/error.hpp>

namespace tma::journal {

/// The commented starter `sites.yaml` written by `init_agency` (small and valid).
std::string_view starter_inventory();

/// Lines `init_agency` makes sure `.gitignore` has: local state that must not be committed.
inline constexpr std::string_view k_gitignore_lines[] = {"backups/", ".tma-cache/"};

/// What `init_agency` did; anything already present is kept as it was.
struct InitReport {
  std::filesystem::path directory;
  bool created_repository = false;
  bool wrote_inventory = false;
  bool updated_gitignore = false;
};

/// Make `directory` (created if missing) an agency directory: a git repository (reused when
/// `directory` already is the top of one), `sites.yaml` (never overwritten), `.gitignore` lines
/// (appended if missing) and the journal ref `ref` with its first commit. Nothing is staged or
/// committed on the user's branches. Idempotent.
core::Result<InitReport> init_agency(const std::filesystem::path& directory,
                                     const std::string& ref = "refs/heads/tma-journal");

} // namespace tma::journal
