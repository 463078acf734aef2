#pragma once
// PRIVATE to src/journal: pieces shared by the git journal and `tma sync`.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include <tma/core/error.hpp>

#include "journal/git_handles.hpp"

namespace tma::journal::git {

/// How long a tma process waits for another one on the same machine before giving up.
inline constexpr std::chrono::seconds k_flock_timeout{60};

/// A ref `.lock` still present after we have held the machine lock this long was left by a
/// crashed process: every tma writer takes the machine lock first, and git itself holds ref locks
/// for milliseconds.
inline constexpr std::chrono::milliseconds k_stale_lock_after{2000};

/// Exclusive flock(2) on `<git common dir>/tma-journal.flock`, held for the object's lifetime.
/// The kernel drops it when a process dies, so it can never go stale itself.
class MachineLock {
public:
  static core::Result<MachineLock> acquire(const std::filesystem::path& common_dir,
                                           std::chrono::milliseconds timeout = k_flock_timeout,
                                           const std::string& file_name = "tma-journal.flock");
  MachineLock(MachineLock&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }
  MachineLock& operator=(MachineLock&&) = delete;
  MachineLock(const MachineLock&) = delete;
  ~MachineLock();

private:
  explicit MachineLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

/// Watches a ref's `.lock` file across retries and removes it, with a warning on stderr, once it
/// has outlived `k_stale_lock_after` while we hold the machine lock.
class StaleLockDetector {
public:
  StaleLockDetector(std::filesystem::path common_dir, std::string ref_name);
  /// Call after a GIT_ELOCKED; returns true when a stale lock was removed (retry at once).
  bool check();

private:
  std::filesystem::path m_lock_path;
  std::optional<std::chrono::steady_clock::time_point> m_first_seen;
};

/// Sleep before retry `attempt` (0-based): 10 ms doubling to 640 ms, with jitter.
void backoff(int attempt);

/// Move `ref_name` from `expected` (nullopt: must not exist) to `target`, failing with
/// GIT_EMODIFIED/GIT_EEXISTS when someone moved it first. Returns the libgit2 code.
int compare_and_swap(git_repository* repo, const std::string& ref_name, const std::optional<git_oid>& expected,
                     const git_oid& target, const std::string& log_message);

/// The signature for commits: the repository's user, else `tma <tma@localhost>`.
core::Result<Signature> commit_signature(git_repository* repo);

/// `<common dir>` of `repo` (the .git directory shared by worktrees).
std::filesystem::path common_dir(git_repository* repo);

} // namespace tma::journal::git
