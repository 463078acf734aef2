#pragma once
// PRIVATE to src/journal: what changed under `journal/` between two commits of the journal ref,
// reading only the subtrees whose ids differ (the event index and incremental readers use it).

#include <optional>
#include <string>
#include <vector>

#include <tma/core/error.hpp>

#include "journal/git_handles.hpp"

namespace tma::journal {

/// A change between two trees: `path` gone (or replaced: a flushed run's file rewritten longer),
/// and/or a blob now at `path`.
struct TreeChange {
  std::string path;
  bool removed = false;
  std::optional<git_oid> added;
};

/// The changes under `journal/` from commit `before` to commit `after`. Unlike libgit2 1.5's
/// git_diff_tree_to_tree, which reads every tree of both sides (a fifth of an incremental summary
/// over a year of journal), it skips subtrees whose ids are equal: a new run file costs reading
/// the four trees on its path.
core::Result<std::vector<TreeChange>> diff_journal(git_repository* repo, const git_oid& before, const git_oid& after);

} // namespace tma::journal
