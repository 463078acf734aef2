#pragma once
// What every place that starts a program shares: transport's run_process() and ChildProcess, and
// the journal's ssh child (src/journal/ssh_child.cpp): owned descriptors, close-on-exec pipes, the
// spawn attributes (own process group, clean signal mask and dispositions) and the environment.
// In core because journal/ may not depend on transport/ (docs/architecture.md).

#include <spawn.h>

#include <map>
#include <string>
#include <vector>

#include <tma/core/error.hpp>

namespace tma::core {

// A file descriptor closed on scope exit.
class Fd {
public:
  Fd() = default;
  explicit Fd(int fd) : m_fd(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : m_fd(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return m_fd; }
  bool valid() const { return m_fd >= 0; }
  int release() {
    int fd = m_fd;
    m_fd = -1;
    return fd;
  }
  void reset(int fd = -1);

private:
  int m_fd = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

/// A pipe whose both ends are close-on-exec, so that a child spawned concurrently by another thread
/// never inherits them; a child gets its end through a dup2 file action.
Result<Pipe> make_pipe();

void set_nonblocking(int fd);

/// tma writes to pipes whose reader may die; that must be EPIPE, not a silent death of tma.
void ignore_sigpipe_once();

// RAII for the spawn attribute objects. The attributes put the child in a process group of its own
// (so that stopping it reaches its children too), with an empty signal mask and default dispositions:
// tma ignores SIGPIPE and catches SIGINT/SIGTERM, children must not inherit that.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  SpawnSetup();
  ~SpawnSetup();
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

/// The current environment with `overrides` added or replacing.
std::vector<std::string> build_environment(const std::map<std::string, std::string>& overrides);

/// NULL-terminated pointers into `strings` (which must outlive them), as exec wants them.
std::vector<char*> c_strings(std::vector<std::string>& strings);

} // namespace tma::core
