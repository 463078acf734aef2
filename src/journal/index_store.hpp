#pragma once
// PRIVATE to src/journal: keeping the event index (event_index.hpp) of a journal ref up to date on
// disk, under the repository's git directory (never in any tree, so never committed or pushed).

#include <filesystem>
#include <optional>
#include <string>

#include <tma/core/error.hpp>

#include "journal/event_index.hpp"
#include "journal/git_handles.hpp"

namespace tma::journal::index {

/// `<git common dir>/tma-cache/journal-index-<ref, '/' as '_'>.bin`.
std::filesystem::path index_path(git_repository* repo, const std::string& ref);

/// Compaction threshold: past this many delta segments (`<base stem>.delta-<tip>.bin`) or this
/// many bytes of them, the next change rewrites the base and removes the segments.
inline constexpr std::size_t k_max_deltas = 16;
inline constexpr std::size_t k_max_delta_bytes = 8u << 20;

/// How `up_to_date` got its index.
enum class Outcome {
  loaded,  ///< the file was at the ref's tip already
  updated, ///< the file was at an ancestor: only the run files changed since were read
  rebuilt, ///< no usable file (missing, damaged, other version, history rewritten): every run file read
};

/// The index of `ref` at commit `tip`. `cached` (an index already in memory) is used
/// instead of the file when it is for this ref. An index at an ancestor of `tip` is brought up to
/// date from the tree diff (added run files are read, deleted ones forgotten, modified ones read
/// again); anything else is rebuilt from the whole tree. The file is a base plus delta segments
/// chained from its tip (each: the run files added from one commit to a later one); a change that
/// only adds run files appends a segment, anything else (or segments past the threshold) writes a
/// new base. Every file is saved atomically (temporary file, fsync, rename) and checksummed; an
/// unreadable segment means a rebuild. Failing to save is only logged (the result is still right).
core::Result<EventIndex> up_to_date(git_repository* repo, const std::string& ref, const git_oid& tip,
                                    std::optional<EventIndex> cached = std::nullopt, Outcome* outcome = nullptr);

/// The day directory of a run file path `journal/YYYY/MM/DD/<name>.jsonl` (days since 1970-01-01),
/// nullopt for any other path: the same paths the tree reader reads.
std::optional<long long> run_file_day(std::string_view path);

} // namespace tma::journal::index
