#include <tma/backup/repository_lock.hpp>

#include <map>
#include <memory>

namespace tma::backup {

void RepositoryLock::lock_shared() {
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [this] { return !m_writer; });
  ++m_readers;
}

bool RepositoryLock::try_lock_shared() {
  std::lock_guard lock(m_mutex);
  if (m_writer) return false;
  ++m_readers;
  return true;
}

void RepositoryLock::unlock_shared() {
  {
    std::lock_guard lock(m_mutex);
    --m_readers;
  }
  m_changed.notify_all();
}

void RepositoryLock::lock() {
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [this] { return !m_writer && m_readers == 0; });
  m_writer = true;
}

bool RepositoryLock::try_lock() {
  std::lock_guard lock(m_mutex);
  if (m_writer || m_readers > 0) return false;
  m_writer = true;
  return true;
}

void RepositoryLock::unlock() {
  {
    std::lock_guard lock(m_mutex);
    m_writer = false;
  }
  m_changed.notify_all();
}

RepositoryLock& repository_lock(const std::string& repository) {
  static std::mutex guard;
  static std::map<std::string, std::unique_ptr<RepositoryLock>> locks; // never freed: a handful per run
  std::lock_guard lock(guard);
  auto& slot = locks[repository];
  if (!slot) slot = std::make_unique<RepositoryLock>();
  return *slot;
}

bool is_lock_refusal(std::string_view stderr_text) {
  // restic 0.14: "unable to create lock in backend: repository is already locked [exclusively] by PID ..."
  return stderr_text.find("repository is already locked") != std::string_view::npos;
}

} // namespace tma::backup
