#include "journal/ssh_child.hpp"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include <tma/core/redact.hpp>
#include <tma/core/signals.hpp>

extern char** environ;

namespace tma::journal::ssh {

namespace {

using Clock = std::chrono::steady_clock;
// Ctrl-C is noticed within one slice.
constexpr std::chrono::milliseconds slice(250);
constexpr std::size_t stderr_keep = 4096;

} // namespace

core::Result<Child> Child::spawn(const std::vector<std::string>& argv, std::string label) {
  // tma ignores SIGPIPE (core::install_signal_handlers); a library caller may not have: a write
  // to an ssh that died must be EPIPE, not the end of tma.
  core::ignore_sigpipe_once();
  auto in = core::make_pipe();
  if (!in) return tl::unexpected(in.error());
  auto out = core::make_pipe();
  if (!out) return tl::unexpected(out.error());
  auto err = core::make_pipe();
  if (!err) return tl::unexpected(err.error());
  // Its own process group, killed as a whole (a ProxyCommand too), with the signal dispositions
  // and mask tma changed put back to the defaults (core::SpawnSetup).
  core::SpawnSetup spawn;
  posix_spawn_file_actions_adddup2(&spawn.actions, in->read.get(), 0);
  posix_spawn_file_actions_adddup2(&spawn.actions, out->write.get(), 1);
  posix_spawn_file_actions_adddup2(&spawn.actions, err->write.get(), 2);
  std::vector<std::string> argv_copy = argv;
  auto args = core::c_strings(argv_copy);
  Child child;
  child.m_label = std::move(label);
  int rc = posix_spawnp(&child.m_pid, args[0], &spawn.actions, &spawn.attr, args.data(), environ);
  if (rc != 0) {
    child.m_pid = -1;
    return core::fail(core::ErrorKind::config,
                      fmt::format("{}: cannot run '{}' ({}); journal remotes over SSH need the OpenSSH client in PATH",
                                  child.m_label, argv[0], std::strerror(rc)));
  }
  child.m_stdin = std::move(in->write);
  child.m_stdout = std::move(out->read);
  child.m_stderr = std::move(err->read);
  for (int fd : {child.m_stdin.get(), child.m_stdout.get(), child.m_stderr.get()}) core::set_nonblocking(fd);
  return child;
}

Child::Child(Child&& other) noexcept
    : m_pid(other.m_pid), m_status(other.m_status), m_stdin(std::move(other.m_stdin)),
      m_stdout(std::move(other.m_stdout)), m_stderr(std::move(other.m_stderr)),
      m_stderr_text(std::move(other.m_stderr_text)), m_label(std::move(other.m_label)) {
  other.m_pid = -1;
}

Child::~Child() { kill_and_reap(); }

void Child::kill_and_reap() {
  m_stdin.reset();
  m_stdout.reset();
  m_stderr.reset();
  if (m_pid <= 0) return;
  ::kill(-m_pid, SIGKILL);
  int status = 0;
  while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
  }
  m_pid = -1;
}

bool Child::drain_stderr() {
  if (m_stderr.get() < 0) return false;
  char buffer[1024];
  ssize_t n = ::read(m_stderr.get(), buffer, sizeof buffer);
  if (n <= 0) {
    if (n == 0 || (errno != EINTR && errno != EAGAIN)) m_stderr.reset();
    return false;
  }
  m_stderr_text.append(buffer, static_cast<std::size_t>(n));
  if (m_stderr_text.size() > 2 * stderr_keep) m_stderr_text.erase(0, m_stderr_text.size() - stderr_keep);
  return true;
}

Child::Ready Child::wait_slice(int fd, short events) {
  pollfd fds[2] = {{fd, events, 0}, {m_stderr.get(), POLLIN, 0}};
  nfds_t count = m_stderr.get() >= 0 ? 2 : 1;
  int rc = ::poll(fds, count, static_cast<int>(slice.count()));
  if (rc <= 0) return Ready::idle; // time-out or EINTR: the caller checks the flag and the clock
  if (count == 2 && fds[1].revents != 0) drain_stderr();
  return fds[0].revents != 0 ? Ready::data : Ready::idle;
}

core::Error Child::stop(core::ErrorKind kind, std::string message) {
  kill_and_reap();
  return core::Error{kind, fmt::format("{}: {}", m_label, message)};
}

core::Result<std::size_t> Child::read(char* buffer, std::size_t size, std::chrono::milliseconds inactivity) {
  auto since = Clock::now();
  while (m_stdout.get() >= 0) {
    if (core::interrupted()) return tl::unexpected(stop(core::ErrorKind::interrupted, "interrupted"));
    if (wait_slice(m_stdout.get(), POLLIN) == Ready::data) {
      ssize_t n = ::read(m_stdout.get(), buffer, size);
      if (n > 0) return static_cast<std::size_t>(n);
      if (n == 0) return std::size_t{0};
      if (errno != EINTR && errno != EAGAIN) {
        return tl::unexpected(stop(core::ErrorKind::io, fmt::format("read: {}", std::strerror(errno))));
      }
    }
    if (Clock::now() - since >= inactivity) {
      return tl::unexpected(stop(core::ErrorKind::timeout,
                                 fmt::format("timed out: no answer from the git server for {} s (the journal "
                                             "sync's inactivity limit); ssh was stopped",
                                             std::chrono::duration_cast<std::chrono::seconds>(inactivity).count())));
    }
  }
  return std::size_t{0};
}

core::Result<void> Child::write(const char* data, std::size_t size, std::chrono::milliseconds inactivity) {
  auto since = Clock::now();
  while (size > 0) {
    if (m_stdin.get() < 0) return tl::unexpected(stop(core::ErrorKind::unreachable, "ssh's input is closed"));
    if (core::interrupted()) return tl::unexpected(stop(core::ErrorKind::interrupted, "interrupted"));
    if (wait_slice(m_stdin.get(), POLLOUT) == Ready::data) {
      ssize_t n = ::write(m_stdin.get(), data, size);
      if (n > 0) {
        data += n;
        size -= static_cast<std::size_t>(n);
        since = Clock::now();
        continue;
      }
      if (n < 0 && errno == EPIPE) {
        // ssh ended: what it said on stderr is the reason (host key, authentication, ...).
        finish(std::chrono::seconds(2));
        return core::fail(core::ErrorKind::unreachable, fmt::format("{} failed: {}", m_label, stderr_tail()));
      }
      if (n < 0 && errno != EINTR && errno != EAGAIN) {
        return tl::unexpected(stop(core::ErrorKind::io, fmt::format("write: {}", std::strerror(errno))));
      }
    }
    if (Clock::now() - since >= inactivity) {
      return tl::unexpected(stop(core::ErrorKind::timeout,
                                 fmt::format("timed out: the git server took nothing for {} s (the journal "
                                             "sync's inactivity limit); ssh was stopped",
                                             std::chrono::duration_cast<std::chrono::seconds>(inactivity).count())));
    }
  }
  return {};
}

int Child::finish(std::chrono::milliseconds grace) {
  m_stdin.reset();
  auto until = Clock::now() + grace;
  while (m_pid > 0) {
    int status = 0;
    pid_t rc = ::waitpid(m_pid, &status, WNOHANG);
    if (rc == m_pid) {
      m_pid = -1;
      m_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      break;
    }
    if (core::interrupted() || Clock::now() >= until) {
      kill_and_reap();
      break;
    }
    // Keep reading so that ssh never blocks on a full pipe while it ends.
    if (m_stdout.get() >= 0) {
      char sink[4096];
      if (wait_slice(m_stdout.get(), POLLIN) == Ready::data && ::read(m_stdout.get(), sink, sizeof sink) == 0) {
        m_stdout.reset();
      }
    } else if (m_stderr.get() >= 0) {
      pollfd fd{m_stderr.get(), POLLIN, 0};
      if (::poll(&fd, 1, static_cast<int>(slice.count())) > 0) drain_stderr();
    } else {
      ::poll(nullptr, 0, 50);
    }
  }
  // ssh is gone; what it wrote last is in the pipe (non-blocking: a leftover grandchild holding
  // the pipe open cannot stall us).
  for (int i = 0; i < 64 && drain_stderr(); ++i) {
  }
  m_stdout.reset();
  return m_status;
}

std::string Child::stderr_tail() const {
  // The last three non-empty lines, which carry ssh's reason.
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < m_stderr_text.size()) {
    std::size_t end = m_stderr_text.find('\n', start);
    if (end == std::string::npos) end = m_stderr_text.size();
    std::string line = m_stderr_text.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
    start = end + 1;
  }
  if (lines.size() > 3) lines.erase(lines.begin(), lines.end() - 3);
  if (lines.empty()) return "ssh said nothing";
  return core::redact(fmt::format("{}", fmt::join(lines, " / ")));
}

} // namespace tma::journal::ssh
