#include <tma/update/lock.hpp>

#include <tma/core/log.hpp>
#include <tma/core/signals.hpp>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace tma::update {

namespace {

constexpr int k_held_exit = 3;

transport::Command shell(std::vector<std::string> argv) {
  transport::Command command;
  command.argv = std::move(argv);
  command.cwd = "-";
  command.timeout = transport::Milliseconds(60'000);
  return command;
}

// mkdir is the atomic test-and-set; the holder file is written right after. A lock seen between the
// two has an empty holder, reported as such.
const char* k_acquire_script =
    "if mkdir \"$1\" 2>/dev/null; then printf '%s\\n' \"$2\" > \"$1/holder\" && exit 0; exit 1; fi; "
    "cat \"$1/holder\" 2>/dev/null; exit 3";
const char* k_break_script = "rm -f \"$1/holder\" && rmdir \"$1\"";
// Only our own lock: after a `--break-lock` elsewhere the directory belongs to another run.
const char* k_release_script =
    "if grep -qF \"\\\"run_id\\\":\\\"$2\\\"\" \"$1/holder\" 2>/dev/null; then rm -f \"$1/holder\" && rmdir \"$1\"; fi";

} // namespace

std::string holder_to_text(const LockHolder& h) {
  return nlohmann::json{{"run_id", h.run_id}, {"actor", h.actor}, {"host", h.host}, {"since", h.since}, {"pid", h.pid}}
      .dump();
}

core::Result<LockHolder> holder_from_text(std::string_view text) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return core::fail(core::ErrorKind::cms, "lock holder is not a JSON object: '" + std::string(text) + "'");
  }
  LockHolder h;
  try {
    h.run_id = json.at("run_id").get<std::string>();
    h.actor = json.at("actor").get<std::string>();
    h.host = json.at("host").get<std::string>();
    h.since = json.at("since").get<std::int64_t>();
    h.pid = json.value("pid", std::int64_t{0});
  } catch (const nlohmann::json::exception& e) {
    return core::fail(core::ErrorKind::cms, std::string("lock holder: ") + e.what());
  }
  return h;
}

std::string describe(const LockHolder& h) {
  std::time_t t = static_cast<std::time_t>(h.since);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return h.actor + " on " + h.host + " (run " + h.run_id + ", since " + when + ")";
}

bool is_stale(const LockHolder& h, std::chrono::system_clock::time_point now, std::chrono::seconds max_age) {
  auto since = std::chrono::system_clock::time_point(std::chrono::seconds(h.since));
  return now - since > max_age;
}

bool is_dead_here(const LockHolder& h, const std::string& this_host) {
  if (this_host.empty() || h.host != this_host || h.pid <= 0) {
    return false;
  }
  return ::kill(static_cast<pid_t>(h.pid), 0) != 0 && errno == ESRCH;
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) {
    return "unknown-host";
  }
  return name;
}

core::Result<LocalLock> LocalLock::acquire(const std::string& path, const LockHolder& holder) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return core::fail(core::ErrorKind::io, "cannot open lock file " + path + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::string text(4096, '\0');
    auto n = ::pread(fd, text.data(), text.size(), 0);
    ::close(fd);
    text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!text.empty() && text.back() == '\n') {
      text.pop_back();
    }
    auto h = holder_from_text(text);
    return core::fail(core::ErrorKind::locked,
                      "locked by " + (h ? describe(*h) : std::string("another tma process")) + " (" + path + ")");
  }
  auto text = holder_to_text(holder) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    core::log::warning("{}", "could not write the holder into " + path + ": " + std::strerror(errno));
  }
  return LocalLock(fd);
}

LocalLock::LocalLock(LocalLock&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }

LocalLock::~LocalLock() {
  if (m_fd >= 0) {
    // Emptied rather than unlinked: unlinking a flocked file lets a third process lock a new inode.
    (void)::ftruncate(m_fd, 0);
    ::close(m_fd);
  }
}

std::string remote_lock_dir(const inventory::Environment& env) {
  auto path = env.path.empty() ? std::string(".") : env.path;
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  return path + "/.tma-update.lock";
}

core::Result<RemoteLock> RemoteLock::acquire(transport::Transport& transport, const inventory::Environment& env,
                                             const LockHolder& holder, const Options& options) {
  auto dir = remote_lock_dir(env);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto result = transport.run(shell({"sh", "-c", k_acquire_script, "sh", dir, holder_to_text(holder)}));
    if (result.ok()) {
      return RemoteLock(transport, dir, holder.run_id);
    }
    if (result.outcome != transport::Outcome::completed || result.exit_code != k_held_exit) {
      auto error = result.error("taking the update lock " + dir);
      return tl::unexpected(error.value_or(core::Error{core::ErrorKind::remote, "taking the update lock " + dir}));
    }
    auto text = result.out;
    while (!text.empty() && text.back() == '\n') {
      text.pop_back();
    }
    auto current = holder_from_text(text);
    if (!current) {
      return core::fail(core::ErrorKind::locked, env.name + " is locked (" + dir +
                                                     ") by an unknown holder (no readable holder file)");
    }
    bool stale = is_stale(*current, options.now, options.stale_after);
    bool dead = is_dead_here(*current, options.this_host);
    if ((dead || (stale && options.break_stale)) && attempt == 0) {
      core::log::warning("{}", std::string(dead ? "taking over the update lock of " : "breaking the stale update lock of ") +
                                   env.name + " left by " + describe(*current) +
                                   (dead ? " (that process is no longer running)" : ""));
      auto removed = transport.run(shell({"sh", "-c", k_break_script, "sh", dir}));
      if (auto error = removed.error("breaking the update lock " + dir)) {
        return tl::unexpected(*error);
      }
      continue;
    }
    return core::fail(core::ErrorKind::locked,
                      env.name + " is being updated by " + describe(*current) + " (" + dir + ")" +
                          (stale ? "; the lock is stale (older than " +
                                       std::to_string(options.stale_after.count()) +
                                       " s): use --break-lock to remove it"
                                 : ""));
  }
  return core::fail(core::ErrorKind::locked, env.name + ": the update lock was taken again after breaking it");
}

RemoteLock::RemoteLock(RemoteLock&& other) noexcept
    : m_transport(other.m_transport), m_dir(std::move(other.m_dir)), m_run_id(std::move(other.m_run_id)) {
  other.m_dir.clear();
}

core::Result<void> RemoteLock::release() {
  if (m_dir.empty()) {
    return {};
  }
  core::InterruptShield shield; // released also after Ctrl-C
  auto result = m_transport->run(shell({"sh", "-c", k_release_script, "sh", m_dir, m_run_id}));
  auto dir = m_dir;
  m_dir.clear();
  if (auto error = result.error("releasing the update lock " + dir)) {
    return tl::unexpected(*error);
  }
  return {};
}

RemoteLock::~RemoteLock() {
  if (auto r = release(); !r) {
    core::log::warning("{}", r.error().message);
  }
}

} // namespace tma::update
