#include <tma/transport/transport.hpp>

#include <tma/transport/batch.hpp>

#include <fmt/format.h>

#include <tma/transport/ssh_transport.hpp>

namespace tma::transport {

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
  case Outcome::completed: return "completed";
  case Outcome::unreachable: return "unreachable";
  case Outcome::host_key_changed: return "host_key_changed";
  case Outcome::timed_out: return "timed_out";
  case Outcome::interrupted: return "interrupted";
  case Outcome::output_limit: return "output_limit";
  case Outcome::local_error: return "local_error";
  }
  return "unknown";
}

std::optional<core::Error> CommandResult::error(std::string_view what) const {
  using core::ErrorKind;
  auto detail = [&] {
    // The last line of stderr usually says why; keep it short, the full tail is in `err`.
    std::string_view text = err;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    auto nl = text.rfind('\n');
    if (nl != std::string_view::npos) text.remove_prefix(nl + 1);
    if (text.size() > 300) text = text.substr(text.size() - 300);
    return text.empty() ? std::string() : fmt::format(": {}", text);
  };
  switch (outcome) {
  case Outcome::completed:
    if (exit_code == 0) return std::nullopt;
    if (signal != 0 && exit_code < 0) {
      return core::Error{ErrorKind::remote, fmt::format("{}: killed by signal {}{}", what, signal, detail())};
    }
    return core::Error{ErrorKind::remote, fmt::format("{}: exit code {}{}", what, exit_code, detail())};
  case Outcome::unreachable:
  case Outcome::host_key_changed:
    return core::Error{ErrorKind::unreachable, message};
  case Outcome::timed_out:
    return core::Error{ErrorKind::timeout, fmt::format("{}: {}", what, message)};
  case Outcome::interrupted:
    return core::Error{ErrorKind::interrupted, fmt::format("{}: interrupted", what)};
  case Outcome::output_limit:
    return core::Error{ErrorKind::remote, fmt::format("{}: {}", what, message)};
  case Outcome::local_error:
    return core::Error{ErrorKind::io, fmt::format("{}: {}", what, message)};
  }
  return core::Error{ErrorKind::internal, "unknown outcome"};
}

CommandResult LocalTransport::run(const Command& command) {
  CommandResult result;
  ProcessOptions options;
  options.timeout = command.timeout;
  options.stdin_source = command.stdin_source;
  options.bulk_stdout = command.bulk_stdout;
  options.on_stdout = command.on_stdout ? command.on_stdout : string_sink(result.out, command.capture_limit);
  if (command.cwd.empty()) {
    if (!m_path.empty()) options.cwd = m_path;
  } else if (command.cwd != "-") {
    options.cwd = command.cwd;
  }
  auto process = run_process(command.argv, options);
  if (!process) {
    result.outcome = Outcome::local_error;
    result.message = process.error().message;
    return result;
  }
  result.elapsed = process->elapsed;
  result.err = std::move(process->stderr_tail);
  result.exit_code = process->exit_code;
  result.signal = process->signal;
  switch (process->ending) {
  case Ending::exited:
  case Ending::signalled:
    result.outcome = Outcome::completed;
    break;
  case Ending::timed_out:
    result.outcome = Outcome::timed_out;
    result.message = process->describe();
    break;
  case Ending::interrupted:
    result.outcome = Outcome::interrupted;
    result.message = "interrupted";
    break;
  case Ending::sink_stopped:
    result.outcome = Outcome::output_limit;
    result.message = fmt::format("output larger than {} bytes", command.capture_limit);
    break;
  }
  return result;
}

core::Result<std::unique_ptr<Transport>> make_transport(const inventory::Environment& env, ControlMasters* masters) {
  if (env.local) return std::unique_ptr<Transport>(std::make_unique<LocalTransport>(env.path));
  if (env.ssh) {
    SshSettings settings = masters ? masters->settings() : SshSettings{};
    return std::unique_ptr<Transport>(std::make_unique<SshTransport>(*env.ssh, env.path, masters, settings));
  }
  return core::fail(core::ErrorKind::config,
                    fmt::format("environment '{}' has no ssh settings and is not local", env.name));
}

std::vector<CommandResult> LocalTransport::run_batch(const std::vector<Command>& commands) {
  return run_batched(*this, commands, m_path); // the same script in a local shell: local and remote alike
}

} // namespace tma::transport
