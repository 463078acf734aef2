#pragma once
// Running local programs without a shell: argv in, bounded streams and a clear outcome out.
// Every transport (ssh, local) and every helper program (password_command, restic, ...) goes
// through `run_process()`, so timeouts, Ctrl-C and memory bounds are handled in one place.

#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/core/error.hpp>

namespace tma::transport {

using Milliseconds = std::chrono::milliseconds;

/// Receives a child's output chunk by chunk, as it arrives. Return false to stop the process
/// (e.g. a byte cap was reached); the result then has `stopped_by_sink` set.
using OutputSink = std::function<bool(std::string_view chunk)>;

/// Supplies the child's stdin: fill `buffer` with up to `size` bytes and return how many, 0 at end.
using InputSource = std::function<std::size_t(char* buffer, std::size_t size)>;

/// How much of stderr `ProcessResult::stderr_tail` keeps by default (the end is what explains a failure).
inline constexpr std::size_t k_stderr_keep = 64 * 1024;

/// How long a child gets between SIGTERM and SIGKILL when tma stops it.
inline constexpr Milliseconds k_kill_grace{2000};

/// Whether Ctrl-C (`core::interrupted()`) stops a process: cleanup commands run after an
/// interruption (killing a remote command, closing SSH masters) must not be stopped by it.
enum class Interruptible { yes, no };

struct ProcessOptions {
  Milliseconds timeout{0};                ///< wall-clock limit; 0 means none
  Milliseconds kill_grace = k_kill_grace; ///< stop signal to SIGKILL delay
  /// What asks the child to stop, before SIGKILL. restic cleans up (removes its repository lock)
  /// on SIGINT only; on SIGTERM it dies leaving the lock behind.
  int stop_signal = SIGTERM;
  OutputSink on_stdout;                   ///< empty: stdout is discarded (counted only)
  OutputSink on_stderr;                   ///< optional observer of stderr (the tail is kept regardless)
  InputSource stdin_source;               ///< empty: stdin is /dev/null (or `stdin_fd`)
  /// A descriptor (the read end of a pipe) the child reads as its stdin directly, when there is no
  /// `stdin_source`: a bulk stream then reaches the child without a copy through tma. tma keeps its
  /// own copy open; the caller closes it once the process has ended.
  int stdin_fd = -1;
  std::optional<std::string> cwd;         ///< working directory of the child
  std::map<std::string, std::string> env; ///< variables added to (or replacing in) the environment
  std::size_t stderr_keep = k_stderr_keep;
  Interruptible interruptible = Interruptible::yes;
  /// Give the stdout pipe 1 MiB instead of the kernel's 64 KiB (best effort) and read it in 1 MiB
  /// chunks: a multi-GB stream then costs a few thousand wake-ups instead of hundreds of thousands.
  /// Only for bulk streams: pipe buffers count against a per-user limit.
  bool bulk_stdout = false;
  /// Called when the child is about to be stopped (timeout, Ctrl-C), before SIGTERM; the SSH
  /// transport uses it to kill the remote side too.
  std::function<void()> on_stop;
};

/// Why a process ended.
enum class Ending {
  exited,       ///< exited on its own: see `exit_code`
  signalled,    ///< killed by a signal nobody in tma sent: see `signal`
  timed_out,    ///< tma stopped it at `ProcessOptions::timeout`
  interrupted,  ///< tma stopped it because of Ctrl-C / SIGTERM (`core::interrupted()`)
  sink_stopped, ///< tma stopped it because the stdout sink returned false
};

struct ProcessResult {
  Ending ending = Ending::exited;
  int exit_code = -1;          ///< valid when `ending == exited`
  int signal = 0;              ///< the terminating signal, when the child died of one
  std::string stderr_tail;     ///< the last `stderr_keep` bytes of stderr
  std::uint64_t stdout_bytes = 0;
  std::uint64_t stderr_bytes = 0;
  Milliseconds elapsed{0};
  bool ok() const { return ending == Ending::exited && exit_code == 0; }
  /// "exit code 3", "killed by signal 9", "timed out after 5s", "interrupted".
  std::string describe() const;
};

/// Run `argv` (argv[0] looked up in PATH, never through a shell) in its own process group,
/// streaming stdout/stderr with bounded memory. Returns an error only when the program could not be
/// started (not found, bad cwd); every other ending is described in the `ProcessResult`.
/// On timeout or `core::interrupted()`: SIGTERM to the whole process group, SIGKILL after
/// `kill_grace`, then reaped: nothing is left running.
core::Result<ProcessResult> run_process(const std::vector<std::string>& argv, const ProcessOptions& options);

/// Output of `capture()`.
struct Captured {
  std::string out;       ///< stdout, at most `max_bytes`
  ProcessResult result;
};

/// Run `argv` and collect its stdout, failing if it exceeds `max_bytes` (default 1 MiB), if it
/// does not exit 0 within `timeout`, or if it cannot start. The error message names the program,
/// the ending and the stderr tail (the caller redacts). Used for `*_command` secrets and small tools.
core::Result<Captured> capture(const std::vector<std::string>& argv, Milliseconds timeout = Milliseconds{30000},
                               std::size_t max_bytes = 1024 * 1024);

/// A sink writing every chunk to file descriptor `fd` (not owned); stops on a write error.
OutputSink fd_sink(int fd);

/// A sink appending to `buffer` up to `max_bytes`, then stopping the process.
OutputSink string_sink(std::string& buffer, std::size_t max_bytes);

/// Keeps the last `capacity` bytes of a stream: the bounded stderr buffer.
class TailBuffer {
public:
  explicit TailBuffer(std::size_t capacity) : m_capacity(capacity) {}
  void append(std::string_view chunk);
  const std::string& str() const { return m_data; }

private:
  std::size_t m_capacity;
  std::string m_data;
};

} // namespace tma::transport
