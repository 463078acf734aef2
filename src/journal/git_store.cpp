#include "journal/git_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <thread>

#include <fmt/format.h>

#include <tma/core/log.hpp>

namespace tma::journal::git {

core::Result<MachineLock> MachineLock::acquire(const std::filesystem::path& common_dir,
                                               std::chrono::milliseconds timeout, const std::string& file_name) {
  auto path = common_dir / file_name;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return core::fail(core::ErrorKind::io, fmt::format("cannot open lock file {}: {}", path.string(), std::strerror(errno)));
  }
  MachineLock lock(fd);
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + timeout;
  bool told = false;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      return core::fail(core::ErrorKind::io, fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return core::fail(core::ErrorKind::locked,
                        fmt::format("another tma has held {} for over {} s; try again later", path.string(),
                                    std::chrono::duration_cast<std::chrono::seconds>(timeout).count()));
    }
    if (!told && std::chrono::steady_clock::now() - start > std::chrono::seconds(2)) {
      core::log::info("waiting for another tma writing the journal ({})", path.string());
      told = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return lock;
}

MachineLock::~MachineLock() {
  if (m_fd >= 0) ::close(m_fd); // closing drops the flock
}

StaleLockDetector::StaleLockDetector(std::filesystem::path common_dir, std::string ref_name)
    : m_lock_path(common_dir / (ref_name + ".lock")) {}

bool StaleLockDetector::check() {
  std::error_code ec;
  if (!std::filesystem::exists(m_lock_path, ec)) {
    m_first_seen.reset();
    return false;
  }
  auto now = std::chrono::steady_clock::now();
  if (!m_first_seen) {
    m_first_seen = now;
    return false;
  }
  if (now - *m_first_seen < k_stale_lock_after) return false;
  if (!std::filesystem::remove(m_lock_path, ec) || ec) {
    core::log::error("stale lock {} could not be removed: {}", m_lock_path.string(), ec.message());
    return false;
  }
  core::log::warning("removed stale lock {} (left by a tma or git process that was killed while updating the "
                     "journal; no event is lost: the update it guarded never happened)",
                     m_lock_path.string());
  m_first_seen.reset();
  return true;
}

void backoff(int attempt) {
  thread_local std::mt19937 random{std::random_device{}()};
  int base = 10 << std::min(attempt, 6);
  std::uniform_int_distribution<int> jitter(0, base / 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(base + jitter(random)));
}

int compare_and_swap(git_repository* repo, const std::string& ref_name, const std::optional<git_oid>& expected,
                     const git_oid& target, const std::string& log_message) {
  git_reference* raw = nullptr;
  int rc = expected ? git_reference_create_matching(&raw, repo, ref_name.c_str(), &target, 1, &*expected,
                                                    log_message.c_str())
                    : git_reference_create(&raw, repo, ref_name.c_str(), &target, 0, log_message.c_str());
  Reference ref(raw);
  return rc;
}

core::Result<Signature> commit_signature(git_repository* repo) {
  git_signature* raw = nullptr;
  if (git_signature_default(&raw, repo) == 0) return Signature(raw);
  int rc = git_signature_now(&raw, "tma", "tma@localhost");
  if (rc < 0) return failure(rc, "cannot build commit signature");
  return Signature(raw);
}

std::filesystem::path common_dir(git_repository* repo) { return git_repository_commondir(repo); }

} // namespace tma::journal::git
