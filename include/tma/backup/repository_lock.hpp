#pragma once
// tma's own lock on a restic repository, so that the commands of one tma run wait for each other
// instead of failing: restic 0.14 refuses at once ("repository is already locked") a command that
// needs a lock the repository's other users hold, and has no `--retry-lock`. `forget` and `prune`
// take restic's exclusive lock, every other command a shared one.

#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>

namespace tma::backup {

/// Shared for readers and writers of snapshots (`backup`, `snapshots`, `dump`), exclusive for
/// `forget` and `prune`. Readers never wait for a waiting writer: a backup holds a shared lock for
/// its manifest's restic while it starts the restic of its next artifact, so a writer-first lock
/// could deadlock it against another site's `forget`. A writer waits until no reader is left, at
/// the latest when the run's backups are done.
class RepositoryLock {
public:
  void lock_shared();
  void unlock_shared();
  bool try_lock_shared();
  void lock();
  void unlock();
  bool try_lock();

private:
  std::mutex m_mutex;
  std::condition_variable m_changed;
  int m_readers = 0;
  bool m_writer = false;
};

/// The process-wide lock of `repository` (as written in the inventory: two spellings of one
/// repository get two locks, and restic's own refusal is then retried, see ResticStore::restic).
RepositoryLock& repository_lock(const std::string& repository);

/// Whether restic's stderr says it refused to run because of another user's lock.
bool is_lock_refusal(std::string_view stderr_text);

} // namespace tma::backup
