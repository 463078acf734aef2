#pragma once
// The update lock of one site: a local flock (two tma processes on this machine) and a lock directory
// in the site's root on the server (two machines), both naming the holder (run id, actor, host,
// time). A server lock older than the configured age is stale: reported, and removed only when the
// caller says so (`--break-lock`).

#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/transport.hpp>

#include <chrono>
#include <string>

namespace tma::update {

struct LockHolder {
  std::string run_id;
  std::string actor;
  std::string host;
  std::int64_t since = 0; ///< unix seconds
  std::int64_t pid = 0;   ///< process id on `host` (0: unknown, older holders)
};

/// One-line JSON `{"run_id","actor","host","since","pid"}` and back (error names what is wrong;
/// `pid` may be missing).
std::string holder_to_text(const LockHolder& holder);
core::Result<LockHolder> holder_from_text(std::string_view text);
/// `<actor> on <host> (run <id>, since <UTC time>)`.
std::string describe(const LockHolder& holder);
/// Older than `max_age` at `now`.
bool is_stale(const LockHolder& holder, std::chrono::system_clock::time_point now,
              std::chrono::seconds max_age);
/// The holder ran on `this_host` and its process is gone (kill(pid, 0) says no such process).
bool is_dead_here(const LockHolder& holder, const std::string& this_host);
/// This machine's host name (gethostname).
std::string host_name();

/// flock(LOCK_EX|LOCK_NB) on a file holding the holder's text; released when destroyed.
class LocalLock {
public:
  /// Fails with kind `locked` naming the holder when another process holds `path`.
  static core::Result<LocalLock> acquire(const std::string& path, const LockHolder& holder);
  LocalLock(LocalLock&& other) noexcept;
  LocalLock& operator=(LocalLock&&) = delete;
  LocalLock(const LocalLock&) = delete;
  ~LocalLock();

private:
  explicit LocalLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

/// `<env.path>/.tma-update.lock/` on the server (mkdir is atomic), with a `holder` file.
class RemoteLock {
public:
  struct Options {
    std::chrono::seconds stale_after{6 * 3600};
    bool break_stale = false; ///< `--break-lock`: remove a stale lock and take it
    /// This machine's name. A lock held on this host by a process that no longer exists (tma was
    /// killed) is left over: it is reported and taken over without waiting for `stale_after`.
    std::string this_host;
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  };
  /// Fails with kind `locked` naming the holder (and saying when it is stale), or with the
  /// transport's error. `transport` must outlive the lock.
  static core::Result<RemoteLock> acquire(transport::Transport& transport, const inventory::Environment& env,
                                          const LockHolder& holder, const Options& options);
  RemoteLock(RemoteLock&& other) noexcept;
  RemoteLock& operator=(RemoteLock&&) = delete;
  RemoteLock(const RemoteLock&) = delete;
  /// Removes the lock directory if it still names this run (errors logged, never thrown).
  ~RemoteLock();
  core::Result<void> release();

private:
  RemoteLock(transport::Transport& transport, std::string dir, std::string run_id)
      : m_transport(&transport), m_dir(std::move(dir)), m_run_id(std::move(run_id)) {}
  transport::Transport* m_transport = nullptr;
  std::string m_dir; ///< empty once released
  std::string m_run_id;
};

/// The lock directory of `env` (`<path>/.tma-update.lock`).
std::string remote_lock_dir(const inventory::Environment& env);

} // namespace tma::update
