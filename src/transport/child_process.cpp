#include <tma/transport/child_process.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include <tma/core/spawn.hpp>

namespace tma::transport {

using core::Fd;
using Clock = std::chrono::steady_clock;

struct ChildProcess::State {
  pid_t pid = -1;
  std::vector<Fd> pipes;
  Fd stderr_read;
  TailBuffer stderr_tail{k_stderr_keep};
  Milliseconds kill_grace = k_kill_grace;
  // Set once the child exited (seen with WNOWAIT: it stays a zombie, so its pid and its process
  // group id cannot be reused until stop() reaps it).
  std::optional<siginfo_t> exited;
  bool reaped = false;

  bool has_exited() {
    if (exited) return true;
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) {
      exited = info;
    }
    return exited.has_value();
  }

  // Wait until the child exited or `deadline`; true when it exited.
  bool wait_exit(Clock::time_point deadline) {
    while (!has_exited()) {
      if (Clock::now() >= deadline) return false;
      drain();
      std::this_thread::sleep_for(Milliseconds{10});
    }
    return true;
  }

  void drain() {
    std::array<char, 16 * 1024> chunk{};
    while (stderr_read.valid()) {
      ssize_t n = ::read(stderr_read.get(), chunk.data(), chunk.size());
      if (n > 0) {
        stderr_tail.append(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      stderr_read.reset(); // EOF or a real error
    }
  }

  void stop(Milliseconds wait) {
    if (reaped || pid < 0) return;
    if (!wait_exit(Clock::now() + wait)) {
      ::kill(-pid, SIGTERM);
      if (!wait_exit(Clock::now() + kill_grace)) ::kill(-pid, SIGKILL);
    }
    // The rest of the group (a browser's renderers) may outlive its leader: the leader is not reaped
    // yet, so the group id is still this one and no other process can have taken it.
    ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!exited) {
      siginfo_t info{};
      info.si_pid = pid;
      info.si_code = WIFEXITED(status) ? CLD_EXITED : CLD_KILLED;
      info.si_status = WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status);
      exited = info;
    }
    reaped = true;
    drain();
    for (auto& fd : pipes) fd.reset();
  }
};

ChildProcess::ChildProcess(std::unique_ptr<State> state) : m_state(std::move(state)) {}
ChildProcess::ChildProcess(ChildProcess&&) noexcept = default;
ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (m_state) m_state->stop(Milliseconds{0});
    m_state = std::move(other.m_state);
  }
  return *this;
}
ChildProcess::~ChildProcess() {
  if (m_state) m_state->stop(Milliseconds{0});
}

core::Result<ChildProcess> ChildProcess::start(const std::vector<std::string>& argv, const ChildOptions& options) {
  if (argv.empty() || argv[0].empty()) return core::fail(core::ErrorKind::internal, "ChildProcess: empty argv");
  int highest_child_fd = 2;
  for (const auto& extra : options.extra_pipes) {
    if (extra.child_fd < 3) {
      return core::fail(core::ErrorKind::internal, fmt::format("ChildProcess: extra pipe on fd {} (0-2 are taken)", extra.child_fd));
    }
    highest_child_fd = std::max(highest_child_fd, extra.child_fd);
  }
  core::ignore_sigpipe_once();

  auto err_pipe = core::make_pipe();
  if (!err_pipe) return tl::unexpected(err_pipe.error());
  auto state = std::make_unique<State>();
  state->stderr_tail = TailBuffer(options.stderr_keep);
  state->kill_grace = options.kill_grace;

  core::SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&setup.actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, err_pipe->write.get(), 2);

  // The child's ends are first moved above every target number, so that no dup2 onto fd 3 or 4
  // overwrites another pipe's end before it was put in place. dup2 clears close-on-exec on the
  // target, so exactly these descriptors cross the exec (nothing is closed after the dup2s).
  std::vector<Fd> child_ends;
  for (const auto& extra : options.extra_pipes) {
    auto pipe = core::make_pipe();
    if (!pipe) return tl::unexpected(pipe.error());
    bool to_child = extra.direction == PipeDirection::to_child;
    Fd& child_end = to_child ? pipe->read : pipe->write;
    Fd high(::fcntl(child_end.get(), F_DUPFD_CLOEXEC, highest_child_fd + 1));
    if (!high.valid()) return core::fail(core::ErrorKind::io, fmt::format("fcntl: {}", std::strerror(errno)));
    posix_spawn_file_actions_adddup2(&setup.actions, high.get(), extra.child_fd);
    child_ends.push_back(std::move(high));
    Fd& own_end = to_child ? pipe->write : pipe->read;
    core::set_nonblocking(own_end.get());
    state->pipes.push_back(std::move(own_end));
  }
  if (options.cwd) posix_spawn_file_actions_addchdir_np(&setup.actions, options.cwd->c_str());

  auto argv_copy = argv;
  auto c_argv = core::c_strings(argv_copy);
  auto env_strings = core::build_environment(options.env);
  auto c_env = core::c_strings(env_strings);
  int rc = ::posix_spawnp(&state->pid, c_argv[0], &setup.actions, &setup.attr, c_argv.data(), c_env.data());
  if (rc != 0) {
    state->pid = -1;
    auto where = options.cwd ? fmt::format(" in {}", *options.cwd) : std::string();
    return core::fail(core::ErrorKind::io, fmt::format("cannot run {}{}: {}", argv[0], where, std::strerror(rc)));
  }
  // The child has its copies; closing ours makes EOF visible when the child closes them.
  child_ends.clear();
  err_pipe->write.reset();
  core::set_nonblocking(err_pipe->read.get());
  state->stderr_read = std::move(err_pipe->read);
  return ChildProcess(std::move(state));
}

pid_t ChildProcess::pid() const { return m_state->pid; }

int ChildProcess::pipe_fd(std::size_t index) const {
  return index < m_state->pipes.size() ? m_state->pipes[index].get() : -1;
}

void ChildProcess::close_pipe(std::size_t index) {
  if (index < m_state->pipes.size()) m_state->pipes[index].reset();
}

int ChildProcess::stderr_fd() const { return m_state->stderr_read.get(); }

void ChildProcess::drain_stderr() { m_state->drain(); }

const std::string& ChildProcess::stderr_tail() const { return m_state->stderr_tail.str(); }

bool ChildProcess::wait_exit(Milliseconds limit) { return m_state->wait_exit(Clock::now() + limit); }

bool ChildProcess::running() const { return !m_state->has_exited(); }

std::string ChildProcess::ending() const {
  if (!m_state->has_exited()) return "running";
  const auto& info = *m_state->exited;
  if (info.si_code == CLD_EXITED) return fmt::format("exit code {}", info.si_status);
  return fmt::format("killed by signal {} ({})", info.si_status, ::strsignal(info.si_status));
}

void ChildProcess::stop(Milliseconds wait) { m_state->stop(wait); }

} // namespace tma::transport
