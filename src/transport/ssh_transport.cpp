#include <tma/transport/ssh_transport.hpp>

#include <tma/transport/batch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include <tma/core/log.hpp>
#include <tma/transport/shell_quote.hpp>

namespace tma::transport {
namespace {

bool bad_name(std::string_view name) {
  if (name.empty() || name.front() == '-') return true;
  for (unsigned char c : name) {
    if (c <= ' ' || c == 0x7f) return true;
  }
  return false;
}

// ssh parses `-o Key=Value` like a config line: a value with spaces must be double-quoted.
std::string option_value(std::string_view value) {
  if (value.find_first_of(" \t") == std::string_view::npos) return std::string(value);
  return fmt::format("\"{}\"", value);
}

bool contains(std::string_view text, std::string_view needle) { return text.find(needle) != std::string_view::npos; }

// The last non-empty line of ssh's stderr that is not a banner of '@'.
std::string last_line(std::string_view text) {
  std::string best;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    auto line = text.substr(pos, nl - pos);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (!line.empty() && line.front() != '@') best = std::string(line);
    pos = nl + 1;
  }
  return best;
}

std::optional<std::string> make_private_dir(const std::string& parent) {
  if (parent.empty()) return std::nullopt;
  std::string pattern = parent + "/tma-XXXXXX";
  if (pattern.size() > k_max_control_dir) return std::nullopt;
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  // mkdtemp creates the directory with mode 0700, owned by us, with an unguessable name.
  if (::mkdtemp(buffer.data()) == nullptr) return std::nullopt;
  return std::string(buffer.data());
}

} // namespace

bool cpu_info_has_aes(std::string_view cpuinfo) {
  std::istringstream lines{std::string(cpuinfo)};
  for (std::string line; std::getline(lines, line);) {
    auto colon = line.find(':');
    auto key = line.substr(0, line.find_first_of(" \t:"));
    if (colon == std::string::npos || (key != "flags" && key != "Features")) continue;
    std::istringstream words(line.substr(colon + 1));
    for (std::string word; words >> word;) {
      if (word == "aes") return true;
    }
  }
  return false;
}

bool this_machine_has_hardware_aes() {
  static const bool has_aes = [] {
    std::ifstream in("/proc/cpuinfo");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return cpu_info_has_aes(text);
  }();
  return has_aes;
}

ControlMasters::ControlMasters(SshSettings settings) : m_settings(std::move(settings)) {
  std::optional<std::string> dir;
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR")) dir = make_private_dir(runtime);
  if (!dir) dir = make_private_dir("/tmp");
  if (dir) {
    m_dir = *dir;
    m_control_path = m_dir + "/%C";
  } else {
    core::log::info("ssh multiplexing off: no short private directory for control sockets");
  }
}

ControlMasters::~ControlMasters() {
  stop_all();
  if (!m_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
  }
}

void ControlMasters::note_master(const std::vector<std::string>& base_argv) {
  std::lock_guard lock(m_mutex);
  m_masters.insert(base_argv);
}

void ControlMasters::stop_all() {
  std::set<std::vector<std::string>> masters;
  {
    std::lock_guard lock(m_mutex);
    masters.swap(m_masters);
  }
  // No socket in the directory means no master is running (all targets unreachable, or every
  // call fell back to direct connections): nothing to close.
  std::error_code ec;
  if (m_dir.empty() || std::filesystem::is_empty(m_dir, ec)) return;
  for (const auto& base : masters) {
    // `-O exit` talks to the master through the socket; the destination must follow the options.
    auto argv = base;
    argv.insert(argv.end() - 2, {"-O", "exit"});
    ProcessOptions options;
    options.timeout = Milliseconds{5000};
    options.interruptible = Interruptible::no;
    (void)run_process(argv, options);
  }
}

core::Result<std::vector<std::string>> ssh_base_argv(const inventory::SshTarget& target, const SshSettings& settings,
                                                     const std::optional<std::string>& control_path,
                                                     Multiplex multiplex) {
  if (bad_name(target.host)) {
    return core::fail(core::ErrorKind::config, fmt::format("invalid ssh host '{}'", target.host));
  }
  if (!target.user.empty() && bad_name(target.user)) {
    return core::fail(core::ErrorKind::config, fmt::format("invalid ssh user '{}'", target.user));
  }
  if (target.jump && bad_name(*target.jump)) {
    return core::fail(core::ErrorKind::config, fmt::format("invalid ssh jump host '{}'", *target.jump));
  }
  std::vector<std::string> argv{settings.program, "-T"};
  auto opt = [&](std::string value) {
    argv.emplace_back("-o");
    argv.push_back(std::move(value));
  };
  opt("BatchMode=yes");
  opt(fmt::format("ConnectTimeout={}", std::max<long long>(1, target.connect_timeout.count())));
  opt("ConnectionAttempts=1");
  opt(fmt::format("ServerAliveInterval={}", settings.server_alive_interval.count()));
  opt(fmt::format("ServerAliveCountMax={}", settings.server_alive_count_max));
  opt(target.host_key_checking == inventory::HostKeyChecking::accept_new ? "StrictHostKeyChecking=accept-new"
                                                                          : "StrictHostKeyChecking=yes");
  if (target.known_hosts) opt("UserKnownHostsFile=" + option_value(*target.known_hosts));
  if (target.identity_file) {
    argv.emplace_back("-i");
    argv.push_back(*target.identity_file);
    opt("IdentitiesOnly=yes");
  }
  if (target.jump) {
    argv.emplace_back("-J");
    argv.push_back(*target.jump);
  }
  opt("LogLevel=ERROR");
  if (multiplex == Multiplex::on && control_path) {
    opt("ControlMaster=auto");
    opt(fmt::format("ControlPersist={}", settings.control_persist.count()));
    opt("ControlPath=" + *control_path);
  } else {
    opt("ControlMaster=no");
    opt("ControlPath=none");
  }
  for (const auto& extra : target.options) opt(extra);
  // After `ssh.options`: ssh keeps the first value of an option, so a `Ciphers=` there wins.
  // `^` only moves AES-GCM to the head of OpenSSH's default set; the set itself is unchanged.
  if (target.prefer_aes_gcm && settings.hardware_aes) opt("Ciphers=^aes128-gcm@openssh.com,aes256-gcm@openssh.com");
  // `-p`/`-l` only when the inventory wrote them: a command-line option beats ~/.ssh/config, and
  // the user's Host block must keep deciding what the inventory leaves unsaid.
  if (target.port) {
    argv.emplace_back("-p");
    argv.push_back(std::to_string(*target.port));
  }
  if (!target.user.empty()) {
    argv.emplace_back("-l");
    argv.push_back(target.user);
  }
  argv.emplace_back("--");
  argv.push_back(target.host);
  return argv;
}

std::string ssh_remote_script(const std::vector<std::string>& argv, std::string_view path) {
  // `$$` of the login shell: sshd made it a session (and process group) leader, so killing the
  // group -$$ stops the command and everything it started.
  return fmt::format("printf '{}%s\\n' \"$$\" >&2 && {}", k_start_marker, remote_command(argv, path));
}

MarkerScan scan_start_marker(std::string_view stderr_text) {
  MarkerScan scan;
  std::size_t pos = 0;
  while (pos < stderr_text.size()) {
    auto at = stderr_text.find(k_start_marker, pos);
    if (at == std::string_view::npos) break;
    if (at == 0 || stderr_text[at - 1] == '\n') {
      auto nl = stderr_text.find('\n', at);
      if (nl == std::string_view::npos) break; // incomplete line: not yet
      auto digits = stderr_text.substr(at + k_start_marker.size(), nl - at - k_start_marker.size());
      long pid = 0;
      bool numeric = !digits.empty();
      for (char c : digits) {
        if (c < '0' || c > '9') numeric = false;
        else pid = pid * 10 + (c - '0');
      }
      if (numeric) {
        scan.found = true;
        scan.pid = pid;
        scan.rest = std::string(stderr_text.substr(nl + 1));
        return scan;
      }
    }
    pos = at + 1;
  }
  scan.rest = std::string(stderr_text);
  return scan;
}

SshFailure classify_ssh_failure(std::string_view text, std::string_view destination) {
  if (contains(text, "REMOTE HOST IDENTIFICATION HAS CHANGED") || contains(text, "has changed and you have requested")) {
    return {Outcome::host_key_changed,
            fmt::format("{}: host key CHANGED (possible man-in-the-middle attack); not retried. If the change is "
                        "expected, replace the key in known_hosts",
                        destination)};
  }
  auto line = last_line(text);
  if (contains(text, "Host key verification failed")) {
    return {Outcome::unreachable,
            fmt::format("{}: host key unknown or not verified (StrictHostKeyChecking): {}", destination, line)};
  }
  if (contains(text, "Permission denied")) {
    return {Outcome::unreachable, fmt::format("{}: authentication failed: {}", destination, line)};
  }
  if (line.empty()) return {Outcome::unreachable, fmt::format("{}: ssh failed (exit 255)", destination)};
  return {Outcome::unreachable, fmt::format("{}: {}", destination, line)};
}

bool is_mux_failure(std::string_view text) {
  for (std::string_view needle : {"mux_client", "ControlSocket", "control socket", "unix_listener", "ControlPath",
                                  "muxserver", "Control socket"}) {
    if (contains(text, needle)) return true;
  }
  return false;
}

SshTransport::SshTransport(inventory::SshTarget target, std::string path, ControlMasters* masters,
                           SshSettings settings)
    : m_target(std::move(target)), m_path(std::move(path)), m_masters(masters), m_settings(std::move(settings)) {}

std::string SshTransport::describe() const {
  auto who = m_target.user.empty() ? m_target.host : m_target.user + "@" + m_target.host;
  return m_target.port ? fmt::format("ssh {}:{}", who, *m_target.port) : "ssh " + who;
}

std::string SshTransport::host_key() const {
  return m_target.port ? fmt::format("{}:{}", m_target.host, *m_target.port) : m_target.host;
}

CommandResult SshTransport::run(const Command& command) {
  auto multiplex = (m_masters && m_masters->control_path()) ? Multiplex::on : Multiplex::off;
  bool retry_direct = false;
  auto result = run_once(command, multiplex, retry_direct);
  if (retry_direct) {
    // Multiplexing is an optimisation: a broken master or socket must not make a site unreachable.
    core::log::info("{}: multiplexing failed, retrying with a direct connection", describe());
    bool unused = false;
    result = run_once(command, Multiplex::off, unused);
  }
  return result;
}

void SshTransport::kill_remote(long pid, Multiplex multiplex) {
  auto base = ssh_base_argv(m_target, m_settings, m_masters ? m_masters->control_path() : std::nullopt, multiplex);
  if (!base) return;
  // TERM the whole remote process group, give it a second, then KILL what is left.
  auto script = fmt::format("kill -TERM -- -{0} 2>/dev/null || kill -TERM {0} 2>/dev/null; sleep 1; "
                            "kill -KILL -- -{0} 2>/dev/null || kill -KILL {0} 2>/dev/null; true",
                            pid);
  auto argv = *base;
  argv.push_back(script);
  ProcessOptions options;
  options.timeout = Milliseconds{15000};
  options.interruptible = Interruptible::no;
  auto r = run_process(argv, options);
  if (!r || !r->ok()) core::log::warning("{}: could not stop remote process group {}", describe(), pid);
}

CommandResult SshTransport::run_once(const Command& command, Multiplex multiplex, bool& retry_direct) {
  CommandResult result;
  auto base = ssh_base_argv(m_target, m_settings, m_masters ? m_masters->control_path() : std::nullopt, multiplex);
  if (!base) {
    result.outcome = Outcome::local_error;
    result.message = base.error().message;
    return result;
  }
  if (multiplex == Multiplex::on) m_masters->note_master(*base);
  std::string path = command.cwd.empty() ? m_path : (command.cwd == "-" ? std::string() : command.cwd);
  auto argv = *base;
  argv.push_back(ssh_remote_script(command.argv, path));

  // Watch stderr until the marker appears; only its head matters (noise before it is ssh's).
  std::string head;
  MarkerScan marker;
  ProcessOptions options;
  options.timeout = command.timeout;
  options.stdin_source = command.stdin_source;
  options.bulk_stdout = command.bulk_stdout;
  options.on_stdout = command.on_stdout ? command.on_stdout : string_sink(result.out, command.capture_limit);
  options.on_stderr = [&](std::string_view chunk) {
    if (marker.found || head.size() > 64 * 1024) return true;
    head.append(chunk);
    marker = scan_start_marker(head);
    return true;
  };
  options.on_stop = [&] {
    if (marker.found) kill_remote(marker.pid, multiplex);
  };
  auto process = run_process(argv, options);
  if (!process) {
    result.outcome = Outcome::local_error;
    result.message = process.error().message;
    return result;
  }
  result.elapsed = process->elapsed;
  result.exit_code = process->exit_code;
  result.signal = process->signal;
  auto tail = scan_start_marker(process->stderr_tail);
  result.err = tail.found || !marker.found ? tail.rest : process->stderr_tail;

  switch (process->ending) {
  case Ending::timed_out:
    result.outcome = Outcome::timed_out;
    result.message = process->describe();
    return result;
  case Ending::interrupted:
    result.outcome = Outcome::interrupted;
    result.message = "interrupted";
    return result;
  case Ending::sink_stopped: // on_stop already stopped the remote side
    result.outcome = Outcome::output_limit;
    result.message = fmt::format("output larger than {} bytes", command.capture_limit);
    return result;
  case Ending::exited:
  case Ending::signalled:
    break;
  }
  if (marker.found) {
    // The command started: whatever the status, even 255, it is the command's.
    result.outcome = Outcome::completed;
    return result;
  }
  if (process->ending == Ending::exited && process->exit_code == 255) {
    auto failure = classify_ssh_failure(process->stderr_tail, describe());
    if (multiplex == Multiplex::on && !command.stdin_source && failure.outcome == Outcome::unreachable &&
        is_mux_failure(process->stderr_tail)) {
      retry_direct = true;
    }
    result.outcome = failure.outcome;
    result.message = failure.message;
    result.err = process->stderr_tail;
    return result;
  }
  // The remote shell ended before printing the marker (a broken login shell, a killed session).
  result.outcome = Outcome::completed;
  result.message = "the remote shell ended before the command started";
  if (result.exit_code == 0) result.exit_code = 1;
  return result;
}

std::vector<CommandResult> SshTransport::run_batch(const std::vector<Command>& commands) {
  return run_batched(*this, commands, m_path);
}

} // namespace tma::transport
