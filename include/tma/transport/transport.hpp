#pragma once
// Running a command "on a site": the Transport interface and what a run tells the caller.
// Real implementations: SshTransport (OpenSSH client) and LocalTransport (`transport: local`);
// tests of later code use FakeTransport (tests/support/fake_transport.hpp).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/process.hpp>

namespace tma::transport {

/// One command to run in a site environment.
struct Command {
  std::vector<std::string> argv;      ///< program and arguments; never interpreted by a local shell
  /// Working directory: empty means the environment's `path` (`cd <path> && ...`); "-" means none.
  std::string cwd;
  Milliseconds timeout{300'000};      ///< wall-clock limit for the whole command
  OutputSink on_stdout;               ///< empty: stdout collected into `CommandResult::out`
  InputSource stdin_source;           ///< empty: no stdin (/dev/null)
  std::size_t capture_limit = 4 * 1024 * 1024; ///< max bytes kept in `out` when `on_stdout` is empty
  /// A large stream is expected on stdout (a backup): read it through a larger pipe (see
  /// `ProcessOptions::bulk_stdout`).
  bool bulk_stdout = false;
};

/// How a command run ended, from the orchestrator's point of view.
enum class Outcome {
  completed,        ///< the command ran; `exit_code` says how it went (0..255, 255 included)
  unreachable,      ///< the site could not be reached: connection refused, DNS, auth, unknown host key
  host_key_changed, ///< the server's host key differs from known_hosts: never retried
  timed_out,        ///< stopped at `Command::timeout` (remote side killed too)
  interrupted,      ///< stopped by Ctrl-C
  output_limit,     ///< stopped because the output exceeded `capture_limit` or the sink refused more
  local_error,      ///< tma could not start the transport program (ssh missing, bad cwd)
};

std::string_view to_string(Outcome outcome);

struct CommandResult {
  Outcome outcome = Outcome::completed;
  int exit_code = -1;         ///< remote command's exit status when `completed`
  int signal = 0;             ///< when the command died of a signal
  std::string out;            ///< stdout when no sink was given
  std::string err;            ///< last 64 KiB of the command's stderr (transport noise removed)
  std::string message;        ///< why, when not completed ("connection refused", "host key changed")
  Milliseconds elapsed{0};
  bool ok() const { return outcome == Outcome::completed && exit_code == 0; }
  /// The error to report for this result, or nullopt when `ok()`. `what` names the command
  /// in messages ("wp core version"). Kinds: unreachable, timeout, interrupted, remote, io.
  std::optional<core::Error> error(std::string_view what) const;
};

/// Runs commands in one site environment.
class Transport {
public:
  virtual ~Transport() = default;
  Transport() = default;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  /// Run `command`; never throws, never blocks past `command.timeout` (+ kill grace).
  virtual CommandResult run(const Command& command) = 0;

  /// Run `commands` in turn, one result each. The real transports send them as one session (one
  /// login shell on the server: transport/batch.hpp); this default runs them one by one, as a fake
  /// does. `on_stdout` and `stdin_source` are not supported here.
  virtual std::vector<CommandResult> run_batch(const std::vector<Command>& commands) {
    std::vector<CommandResult> results;
    results.reserve(commands.size());
    for (const auto& command : commands) results.push_back(run(command));
    return results;
  }

  /// Short description for messages: `ssh deploy@web1.example:22`, `local`.
  virtual std::string describe() const = 0;

  /// The host key for the per-host concurrency limit (`web1.example:22`, `local`).
  virtual std::string host_key() const = 0;
};

class ControlMasters;

/// The transport for `env`: local when `env.local`, SSH when `env.ssh` is set, otherwise an error
/// (an HTTP-only environment has no shell). `masters` (may be null) enables SSH multiplexing.
core::Result<std::unique_ptr<Transport>> make_transport(const inventory::Environment& env, ControlMasters* masters);

} // namespace tma::transport
