#pragma once
// A program that runs beside tma while tma talks to it over pipes (a headless browser on its
// DevTools pipe), where run_process() runs a program to its end. Same start as run_process: argv
// without a shell, its own process group, a clean signal mask and default dispositions; and it never
// outlives its owner: the destructor stops the whole group and reaps the child.

#include <sys/types.h>

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/transport/process.hpp>

namespace tma::transport {

/// Which way the bytes of an extra pipe go.
enum class PipeDirection { to_child, from_child };

/// A pipe between tma and the child's descriptor `child_fd` (3 or more: 0-2 are stdin, stdout and
/// stderr). The child's end stays open across exec at exactly that number; tma's end is
/// non-blocking and close-on-exec.
struct ExtraPipe {
  int child_fd = 3;
  PipeDirection direction = PipeDirection::to_child;
};

struct ChildOptions {
  std::vector<ExtraPipe> extra_pipes;
  std::map<std::string, std::string> env; ///< variables added to (or replacing in) the environment
  std::optional<std::string> cwd;
  std::size_t stderr_keep = k_stderr_keep;
  Milliseconds kill_grace = k_kill_grace; ///< SIGTERM to SIGKILL delay in stop()
};

/// A started child: stdin and stdout are /dev/null, stderr is a pipe whose tail is kept.
class ChildProcess {
public:
  /// Start `argv` (argv[0] looked up in PATH). Fails when it cannot start (not found, bad cwd).
  static core::Result<ChildProcess> start(const std::vector<std::string>& argv, const ChildOptions& options);

  ChildProcess(ChildProcess&&) noexcept;
  ChildProcess& operator=(ChildProcess&&) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  /// stop(0): SIGTERM to the group at once, SIGKILL after the grace, reaped.
  ~ChildProcess();

  pid_t pid() const;
  /// tma's end of `extra_pipes[index]`, or -1 once closed.
  int pipe_fd(std::size_t index) const;
  /// Close tma's end of `extra_pipes[index]` (the child then sees EOF, or EPIPE).
  void close_pipe(std::size_t index);
  /// tma's (non-blocking) read end of the child's stderr, for poll(); -1 at EOF.
  int stderr_fd() const;
  /// Read what the child wrote on stderr so far, without blocking, into the kept tail. A caller
  /// that polls the other pipes must poll this one too: a child blocked on a full stderr pipe stalls.
  void drain_stderr();
  /// The last `stderr_keep` bytes of stderr read so far.
  const std::string& stderr_tail() const;

  /// Whether the child has not exited yet (a child that exited is not reaped by this).
  bool running() const;
  /// Wait up to `limit` for the child to exit by itself (reading stderr meanwhile); true when it
  /// did. A child closes its pipes a moment before its exit can be seen.
  bool wait_exit(Milliseconds limit);
  /// "exit code 1", "killed by signal 9" once the child ended; "running" before.
  std::string ending() const;
  /// Give the child up to `wait` to exit on its own, then SIGTERM its group, SIGKILL after
  /// `kill_grace`; whatever is left of the group is killed before the child is reaped. Idempotent.
  void stop(Milliseconds wait);

private:
  struct State;
  explicit ChildProcess(std::unique_ptr<State> state);
  std::unique_ptr<State> m_state;
};

} // namespace tma::transport
