#pragma once
// The real journal store: run files committed on a git ref with libgit2, never touching the
// working tree or the index. Concurrent writers (threads, processes, machines after `tma sync`)
// never lose an event: each append builds a tree from the current tip and moves the ref only if
// it still points where it did (compare-and-swap), retrying with bounded backoff.

#include <filesystem>
#include <memory>
#include <string>

#include <tma/core/error.hpp>
#include <tma/journal/journal.hpp>

namespace tma::journal {

/// Where the journal lives.
struct GitJournalOptions {
  std::filesystem::path repository; ///< a git repository (work tree or bare), or a directory inside one
  std::string ref = "refs/heads/tma-journal";
  /// Serve scans of `time.logged` events from the local event index (docs/journal.md, "The
  /// index"), brought up to date with the ref first. Off: always read the run files (also when
  /// the environment has TMA_JOURNAL_INDEX=off). Results are the same either way.
  bool use_index = true;
};

/// Create `options.ref` with an initial commit (an empty `journal/` marker) if it does not exist;
/// does nothing when it does. Fails if `options.repository` is not a git repository.
core::Result<void> init_journal_ref(const GitJournalOptions& options);

/// Open the journal in `options.repository`. The ref need not exist yet (the first append creates
/// it). Fails (ErrorKind::git) if the path is not in a git repository.
core::Result<std::unique_ptr<Journal>> open_git_journal(const GitJournalOptions& options);

/// The actor for events: $TMA_ACTOR if set, else `user.name <user.email>` from the configuration
/// of the repository at `repository` (local, global, system), else `unknown`.
std::string resolve_actor(const std::filesystem::path& repository);

} // namespace tma::journal
