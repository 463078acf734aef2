#pragma once
// PRIVATE to src/journal: a delta segment of the event index (docs/journal.md, "The index"): the run
// files added between two commits of the journal ref, appended next to the base index file instead
// of rewriting it. Pure data here; index_store.cpp chains and applies them.

#include <string>
#include <vector>

#include <tma/core/error.hpp>

namespace tma::journal::index {

struct DeltaFile {
  std::string path; ///< `journal/YYYY/MM/DD/<name>.jsonl`
  long long day = 0;
  std::string content; ///< the run file's bytes at `tip`
};

/// Brings an index of `ref` at commit `prev` to commit `tip` (both 40 hex digits) by adding `files`
/// (never removing: a change that removes or replaces a run file rewrites the base instead).
struct Delta {
  std::string ref;
  std::string prev;
  std::string tip;
  std::vector<DeltaFile> files;

  /// Magic, version (the index's `k_version`), SHA-256 of the rest, then the payload.
  std::string serialize() const;
  /// Fails on a wrong magic or version, a checksum mismatch or any inconsistency.
  static core::Result<Delta> deserialize(std::string_view bytes);
};

} // namespace tma::journal::index
