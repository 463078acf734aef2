#include <tma/transport/process.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include <tma/core/signals.hpp>
#include <tma/core/spawn.hpp>
#include <tma/core/units.hpp>


namespace tma::transport {
namespace {

using core::Fd;
using core::Pipe;
using core::make_pipe;
using core::set_nonblocking;

using Clock = std::chrono::steady_clock;

// How often the loop wakes up without I/O to check the clock, the child and Ctrl-C.
constexpr Milliseconds k_tick{100};
constexpr std::size_t k_chunk = 64 * 1024;
constexpr std::size_t k_bulk_chunk = 1024 * 1024; // also /proc/sys/fs/pipe-max-size's default

} // namespace

void TailBuffer::append(std::string_view chunk) {
  if (m_capacity == 0) return;
  if (chunk.size() >= m_capacity) {
    m_data.assign(chunk.substr(chunk.size() - m_capacity));
    return;
  }
  m_data.append(chunk);
  // Trim in one go once we are well over, so appends stay amortised O(1).
  if (m_data.size() > m_capacity) m_data.erase(0, m_data.size() - m_capacity);
}

std::string ProcessResult::describe() const {
  switch (ending) {
  case Ending::exited:
    return fmt::format("exit code {}", exit_code);
  case Ending::signalled:
    return fmt::format("killed by signal {} ({})", signal, ::strsignal(signal));
  case Ending::timed_out:
    return "timed out after " + core::format_elapsed(elapsed);
  case Ending::interrupted:
    return "interrupted";
  case Ending::sink_stopped:
    return "stopped: output limit reached";
  }
  return "unknown";
}

core::Result<ProcessResult> run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty() || argv[0].empty()) return core::fail(core::ErrorKind::internal, "run_process: empty argv");
  core::ignore_sigpipe_once();
  auto started = Clock::now();

  auto out_pipe = make_pipe();
  if (!out_pipe) return tl::unexpected(out_pipe.error());
  // Best effort: when the per-user pipe quota is reached the pipe keeps its default size.
  if (options.bulk_stdout) ::fcntl(out_pipe->write.get(), F_SETPIPE_SZ, static_cast<int>(k_bulk_chunk));
  auto err_pipe = make_pipe();
  if (!err_pipe) return tl::unexpected(err_pipe.error());
  Pipe in_pipe;
  if (options.stdin_source) {
    auto p = make_pipe();
    if (!p) return tl::unexpected(p.error());
    in_pipe = std::move(*p);
  }

  core::SpawnSetup setup;
  if (options.stdin_source) {
    posix_spawn_file_actions_adddup2(&setup.actions, in_pipe.read.get(), 0);
  } else if (options.stdin_fd >= 0) {
    posix_spawn_file_actions_adddup2(&setup.actions, options.stdin_fd, 0);
  } else {
    posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&setup.actions, out_pipe->write.get(), 1);
  posix_spawn_file_actions_adddup2(&setup.actions, err_pipe->write.get(), 2);
  if (options.cwd) posix_spawn_file_actions_addchdir_np(&setup.actions, options.cwd->c_str());

  // SpawnSetup: own process group (so a timeout kills grandchildren too), clean signal mask and
  // default dispositions.
  auto argv_copy = argv;
  auto c_argv = core::c_strings(argv_copy);
  auto env_strings = core::build_environment(options.env);
  auto c_env = core::c_strings(env_strings);

  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, c_argv[0], &setup.actions, &setup.attr, c_argv.data(), c_env.data());
  if (rc != 0) {
    auto where = options.cwd ? fmt::format(" in {}", *options.cwd) : std::string();
    return core::fail(core::ErrorKind::io, fmt::format("cannot run {}{}: {}", argv[0], where, std::strerror(rc)));
  }
  // The child has its copies; closing ours makes EOF visible when the child (group) closes them.
  out_pipe->write.reset();
  err_pipe->write.reset();
  in_pipe.read.reset();
  set_nonblocking(out_pipe->read.get());
  set_nonblocking(err_pipe->read.get());
  if (in_pipe.write.valid()) set_nonblocking(in_pipe.write.get());

  ProcessResult result;
  TailBuffer stderr_tail(options.stderr_keep);
  std::string chunk(options.bulk_stdout ? k_bulk_chunk : k_chunk, '\0');
  std::string input;         // pending bytes from stdin_source
  std::size_t input_pos = 0;
  bool input_done = !options.stdin_source;

  std::optional<Ending> stop_reason; // set when tma decided to stop the child
  Clock::time_point kill_at{};
  bool killed = false;
  bool reaped = false;
  int status = 0;
  auto deadline = options.timeout.count() > 0 ? started + options.timeout : Clock::time_point::max();

  auto request_stop = [&](Ending why) {
    if (stop_reason) return;
    stop_reason = why;
    if (options.on_stop) options.on_stop();
    ::kill(-pid, options.stop_signal);
    kill_at = Clock::now() + options.kill_grace;
  };

  // Read what is available on `fd`; false at EOF or error.
  auto drain = [&](Fd& fd, bool is_stdout) {
    while (fd.valid()) {
      ssize_t n = ::read(fd.get(), chunk.data(), chunk.size());
      if (n > 0) {
        std::string_view data(chunk.data(), static_cast<std::size_t>(n));
        if (is_stdout) {
          result.stdout_bytes += data.size();
          if (!stop_reason && options.on_stdout && !options.on_stdout(data)) request_stop(Ending::sink_stopped);
        } else {
          result.stderr_bytes += data.size();
          stderr_tail.append(data);
          if (options.on_stderr) options.on_stderr(data);
        }
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n < 0 && errno == EINTR) continue;
      fd.reset(); // EOF or a real error: nothing more will come
      return;
    }
  };

  while (true) {
    if (!reaped) {
      pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid) reaped = true;
    }
    if (reaped) {
      // The child is gone: take what is already in the pipes and stop. A grandchild that kept a
      // pipe open (a daemon) must not keep tma waiting.
      drain(out_pipe->read, true);
      drain(err_pipe->read, false);
      break;
    }
    auto now = Clock::now();
    if (!stop_reason) {
      if (now >= deadline) request_stop(Ending::timed_out);
      else if (options.interruptible == Interruptible::yes && core::interrupted()) request_stop(Ending::interrupted);
    }
    if (stop_reason && !killed && Clock::now() >= kill_at) {
      ::kill(-pid, SIGKILL);
      killed = true;
    }

    // Refill the stdin buffer from the source.
    if (!input_done && input_pos == input.size()) {
      input.resize(k_chunk);
      std::size_t n = options.stdin_source(input.data(), input.size());
      input.resize(n);
      input_pos = 0;
      if (n == 0) {
        input_done = true;
        in_pipe.write.reset(); // EOF for the child
      }
    }

    std::array<pollfd, 3> fds{};
    nfds_t count = 0;
    if (out_pipe->read.valid()) fds[count++] = {out_pipe->read.get(), POLLIN, 0};
    if (err_pipe->read.valid()) fds[count++] = {err_pipe->read.get(), POLLIN, 0};
    if (in_pipe.write.valid() && input_pos < input.size()) fds[count++] = {in_pipe.write.get(), POLLOUT, 0};

    auto wait = k_tick;
    if (!stop_reason && deadline != Clock::time_point::max()) {
      auto left = std::chrono::duration_cast<Milliseconds>(deadline - Clock::now());
      wait = std::max(Milliseconds{1}, std::min(wait, left));
    }
    if (count == 0) {
      // Every stream is closed; only the exit is left to wait for.
      ::poll(nullptr, 0, static_cast<int>(std::min(wait, Milliseconds{10}).count()));
      continue;
    }
    int ready = ::poll(fds.data(), count, static_cast<int>(wait.count()));
    if (ready <= 0) continue; // timeout or EINTR: re-check clock, child, Ctrl-C
    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == out_pipe->read.get()) {
        drain(out_pipe->read, true);
      } else if (fds[i].fd == err_pipe->read.get()) {
        drain(err_pipe->read, false);
      } else if (fds[i].fd == in_pipe.write.get()) {
        if (fds[i].revents & (POLLERR | POLLHUP)) {
          in_pipe.write.reset(); // the child closed its stdin; stop feeding it
          input_done = true;
          continue;
        }
        ssize_t n = ::write(in_pipe.write.get(), input.data() + input_pos, input.size() - input_pos);
        if (n > 0) input_pos += static_cast<std::size_t>(n);
        else if (n < 0 && errno != EAGAIN && errno != EINTR) {
          in_pipe.write.reset();
          input_done = true;
        }
      }
    }
  }
  // Whatever tma stopped, it also cleans up: remaining members of the group get SIGKILL.
  if (stop_reason) ::kill(-pid, SIGKILL);

  result.elapsed = std::chrono::duration_cast<Milliseconds>(Clock::now() - started);
  result.stderr_tail = stderr_tail.str();
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  if (stop_reason) {
    result.ending = *stop_reason;
  } else {
    result.ending = WIFEXITED(status) ? Ending::exited : Ending::signalled;
  }
  return result;
}

core::Result<Captured> capture(const std::vector<std::string>& argv, Milliseconds timeout, std::size_t max_bytes) {
  Captured captured;
  ProcessOptions options;
  options.timeout = timeout;
  options.on_stdout = string_sink(captured.out, max_bytes);
  auto result = run_process(argv, options);
  if (!result) return tl::unexpected(result.error());
  captured.result = std::move(*result);
  const auto& r = captured.result;
  if (r.ok()) return captured;
  std::string message = fmt::format("{}: {}", argv[0], r.describe());
  if (r.ending == Ending::sink_stopped) message = fmt::format("{}: output larger than {} bytes", argv[0], max_bytes);
  auto tail = std::string(r.stderr_tail.substr(r.stderr_tail.size() > 500 ? r.stderr_tail.size() - 500 : 0));
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  if (!tail.empty()) message += ": " + tail;
  auto kind = r.ending == Ending::timed_out     ? core::ErrorKind::timeout
              : r.ending == Ending::interrupted ? core::ErrorKind::interrupted
                                                : core::ErrorKind::io;
  return core::fail(kind, message);
}

OutputSink fd_sink(int fd) {
  return [fd](std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  };
}

OutputSink string_sink(std::string& buffer, std::size_t max_bytes) {
  return [&buffer, max_bytes](std::string_view data) {
    if (buffer.size() + data.size() > max_bytes) {
      buffer.append(data.substr(0, max_bytes - buffer.size()));
      return false;
    }
    buffer.append(data);
    return true;
  };
}

} // namespace tma::transport
