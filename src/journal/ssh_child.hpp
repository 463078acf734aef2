#pragma once
// PRIVATE to src/journal: the `ssh` child of one journal exchange, with pipes to its stdin and
// stdout and its stderr kept for the error message. Every wait is cut into short slices that check
// core::interrupted() and an inactivity limit; the child runs in its own process group, which is
// killed and reaped when the object goes (no zombie, no fd left open, also on an exception).
// journal/ may not use transport/'s process runner (docs/architecture.md), hence this small one;
// the descriptors, pipes and spawn attributes are core's (tma/core/spawn.hpp), as transport's are.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/core/spawn.hpp>

namespace tma::journal::ssh {

using core::Fd;

class Child {
public:
  /// Start `argv` (argv[0] looked up in PATH). `label` ("ssh to host") starts error messages.
  static core::Result<Child> spawn(const std::vector<std::string>& argv, std::string label);
  Child(Child&&) noexcept;
  Child& operator=(Child&&) = delete;
  Child(const Child&) = delete;
  ~Child();

  /// Up to `size` bytes from ssh's stdout; 0 at its end. Fails (timeout, interrupted) after
  /// killing the child when nothing came for `inactivity` or on Ctrl-C.
  core::Result<std::size_t> read(char* buffer, std::size_t size, std::chrono::milliseconds inactivity);
  /// All of `data` to ssh's stdin, with the same limits; a closed stdin fails (unreachable).
  core::Result<void> write(const char* data, std::size_t size, std::chrono::milliseconds inactivity);
  /// Close stdin, let ssh end for up to `grace`, then kill it; its exit code (-1: killed).
  int finish(std::chrono::milliseconds grace);
  /// The last lines ssh wrote on stderr (redacted), for error messages.
  std::string stderr_tail() const;
  pid_t pid() const { return m_pid; }

private:
  Child() = default;
  enum class Ready { data, idle };
  /// Wait up to one slice for `fd` to be ready for `events`, collecting stderr meanwhile.
  Ready wait_slice(int fd, short events);
  /// Read what ssh wrote on stderr, if anything (true when it read some).
  bool drain_stderr();
  core::Error stop(core::ErrorKind kind, std::string message);
  void kill_and_reap();

  pid_t m_pid = -1;
  int m_status = -1;
  Fd m_stdin;
  Fd m_stdout;
  Fd m_stderr;
  std::string m_stderr_text;
  std::string m_label;
};

} // namespace tma::journal::ssh
