#pragma once
// `tma sync`: exchange the journal ref with a remote. Run files have unique paths, so merging two
// journals is a union of files; anything else that conflicts stops the sync with nothing changed.

#include <filesystem>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <tma/core/error.hpp>

namespace tma::journal {

struct SyncOptions {
  std::filesystem::path repository;       ///< the repository holding the journal ref
  std::string ref = "refs/heads/tma-journal";
  std::string remote = "origin";          ///< remote name in that repository's config
  int max_attempts = 8;                   ///< fetch-merge-push rounds when the remote moved or was busy
  /// An SSH remote that sends or takes no byte for this long is given up (ssh is killed, the sync
  /// fails with ErrorKind::timeout): a stalled git server cannot hang a nightly run.
  std::chrono::milliseconds inactivity_limit = std::chrono::seconds(120);
  /// Called after each merge, before the push, on the merged journal: it may record events (they
  /// are pushed with the rest). `tma run --due --sync` releases there the claims another runner
  /// pushed first. An error stops the sync.
  std::function<core::Result<void>()> before_push;
  /// Called once, in the first round, after the fetch and merge and just before the push, with the
  /// turn on a path remote released (so that another runner can push meanwhile and this push is
  /// then rejected as the remote moved): the seam of the push race. Tests set it; otherwise a
  /// -DTMA_SIMULATED_CLOCK=ON build sleeps there for $TMA_SIMULATED_PAUSE_BEFORE_PUSH ms
  /// (core::simulated_pause_before_push), and normal builds do nothing.
  std::function<void()> between_fetch_and_push;
};

/// What happened, for the summary line and `--format json`.
struct SyncReport {
  std::string remote_url;    ///< redacted
  std::string local_before;  ///< commit ids (empty: ref absent)
  std::string remote_before;
  std::string local_after;
  enum class Merge { none, fast_forward, merge_commit } merge = Merge::none;
  bool pushed = false;       ///< the remote ref was updated and the remote accepted it
  int attempts = 0;          ///< rounds used (1 unless the remote moved during the sync)
  /// Objects the fetches received (0 when the remote had nothing new): the remote's commits since
  /// this clone last saw its tip (refs/tma/seen/<remote>), never the whole journal again.
  unsigned long long fetched_objects = 0;
};

/// Fetch `options.ref` from `options.remote`, merge it into the local ref (fast-forward, or a
/// merge commit without touching the work tree or index), and push the result, checking the
/// remote's per-ref status. Retries the whole round on a non-fast-forward push. SSH remotes
/// (`ssh://`, `user@host:path`) run the OpenSSH client, which checks the host key against
/// known_hosts and authenticates with the agent or ~/.ssh/config; HTTPS remotes use
/// $TMA_GIT_TOKEN (user $TMA_GIT_USERNAME, default `x-access-token`). Errors: a merge conflict
/// (ErrorKind::git, naming the paths, local ref unchanged), a rejected push (ErrorKind::git, with
/// the remote's reason), network failures (ErrorKind::unreachable, timeout or interrupted for SSH
/// remotes; git otherwise).
core::Result<SyncReport> sync_journal(const SyncOptions& options);

/// An exclusive lock of this machine's tma processes on one repository, held for the object's
/// lifetime: flock(2) on `<git common dir>/<name>.flock`, dropped by the kernel when the process
/// dies. `tma run --due` holds `tma-run` while it decides and claims, so that two runners on one
/// machine never claim the same job. Waits up to `timeout`, then fails with ErrorKind::locked.
class RepositoryLock {
public:
  static core::Result<RepositoryLock> acquire(const std::filesystem::path& repository, const std::string& name,
                                              std::chrono::milliseconds timeout);
  RepositoryLock(RepositoryLock&&) noexcept;
  RepositoryLock& operator=(RepositoryLock&&) = delete;
  RepositoryLock(const RepositoryLock&) = delete;
  ~RepositoryLock();

private:
  struct Held;
  explicit RepositoryLock(std::unique_ptr<Held> held);
  std::unique_ptr<Held> m_held;
};

/// "merge commit", "fast-forward", "none".
std::string_view to_string(SyncReport::Merge merge);

} // namespace tma::journal
