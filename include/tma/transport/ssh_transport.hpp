#pragma once
// The SSH transport: the OpenSSH client (`ssh`) run non-interactively, so users keep their
// ~/.ssh/config, agent and jump hosts. docs/transport.md explains each option.

#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <tma/inventory/model.hpp>
#include <tma/transport/transport.hpp>

namespace tma::transport {

/// Settings shared by every SSH call of a run (not per site).
/// Whether a /proc/cpuinfo text names AES instructions (x86 `flags`, arm64 `Features`).
bool cpu_info_has_aes(std::string_view cpuinfo);
/// `cpu_info_has_aes` of this machine, read once.
bool this_machine_has_hardware_aes();

struct SshSettings {
  std::string program = "ssh";
  /// With hardware AES, AES-GCM costs ssh and sshd half the CPU of OpenSSH's default
  /// chacha20-poly1305 (docs/performance.md), which is what bounds a backup's throughput.
  bool hardware_aes = this_machine_has_hardware_aes();
  std::chrono::seconds server_alive_interval{15};
  int server_alive_count_max = 4;
  std::chrono::seconds control_persist{60};
};

/// The private directory of a run's multiplexing sockets, and the masters started in it.
/// One master per destination and run (`ControlMaster=auto`); the destructor closes them
/// (`ssh -O exit`) and removes the directory.
class ControlMasters {
public:
  /// Create a 0700 directory under `$XDG_RUNTIME_DIR` or `/tmp` (whichever gives a path short enough
  /// for a Unix socket); when neither does, multiplexing is off and `control_path()` is empty.
  explicit ControlMasters(SshSettings settings = {});
  ~ControlMasters();
  ControlMasters(const ControlMasters&) = delete;
  ControlMasters& operator=(const ControlMasters&) = delete;

  /// `<dir>/%C`, or nullopt when multiplexing is unavailable (then every call connects directly).
  const std::optional<std::string>& control_path() const { return m_control_path; }
  const SshSettings& settings() const { return m_settings; }
  /// Remember `base_argv` (ssh options and destination, no command) so the master can be closed.
  void note_master(const std::vector<std::string>& base_argv);
  /// Close every master started so far (`ssh -O exit`). Idempotent.
  void stop_all();

private:
  SshSettings m_settings;
  std::string m_dir;
  std::optional<std::string> m_control_path;
  std::mutex m_mutex;
  std::set<std::vector<std::string>> m_masters;
};

/// The longest directory usable for `ControlPath=<dir>/%C`: 104-byte sun_path (the smallest among
/// Unix systems) minus `/`, the 40-hex `%C`, ssh's temporary suffix (17) and the NUL.
inline constexpr std::size_t k_max_control_dir = 45;

/// Multiplexing mode for one ssh argv.
enum class Multiplex { on, off };

/// Validate `target` (host/user must not be empty, start with `-` or contain spaces or control
/// characters) and build the ssh argv up to and including the destination, without the command.
/// Pure: golden-tested. Extra `options` come after tma's own, so they cannot override them.
core::Result<std::vector<std::string>> ssh_base_argv(const inventory::SshTarget& target, const SshSettings& settings,
                                                     const std::optional<std::string>& control_path,
                                                     Multiplex multiplex);

/// The marker the remote shell prints on stderr before running the command: proves the command
/// started (so exit 255 is the command's), and carries the remote session's pid for cleanup.
inline constexpr std::string_view k_start_marker = "@tma-start ";

/// The remote command string: print the start marker with `$$`, then `cd <path> && <argv>`,
/// every element single-quoted.
std::string ssh_remote_script(const std::vector<std::string>& argv, std::string_view path);

/// Classification of an ssh failure that happened before the start marker (exit 255).
struct SshFailure {
  Outcome outcome = Outcome::unreachable;
  std::string message;
};

/// Read ssh's own stderr (`stderr_text`) and say what went wrong, for `destination`.
SshFailure classify_ssh_failure(std::string_view stderr_text, std::string_view destination);

/// True when `stderr_text` shows a multiplexing problem (socket path too long, stale master,
/// "mux_client", "ControlSocket") after which a direct connection is worth one try.
bool is_mux_failure(std::string_view stderr_text);

/// Split ssh's stderr into the marker's pid and the command's own stderr (what follows the marker).
struct MarkerScan {
  bool found = false;
  long pid = 0;
  std::string rest; ///< stderr after the marker line (or everything when not found)
};
MarkerScan scan_start_marker(std::string_view stderr_text);

class SshTransport final : public Transport {
public:
  /// `masters` may be null (no multiplexing). `path` is the site root for `cd`.
  SshTransport(inventory::SshTarget target, std::string path, ControlMasters* masters, SshSettings settings = {});
  CommandResult run(const Command& command) override;
  std::vector<CommandResult> run_batch(const std::vector<Command>& commands) override;
  std::string describe() const override;
  std::string host_key() const override;

private:
  CommandResult run_once(const Command& command, Multiplex multiplex, bool& retry_direct);
  void kill_remote(long pid, Multiplex multiplex);

  inventory::SshTarget m_target;
  std::string m_path;
  ControlMasters* m_masters;
  SshSettings m_settings;
};

/// Runs commands on this machine (`transport: local`), in the environment's path.
class LocalTransport final : public Transport {
public:
  explicit LocalTransport(std::string path) : m_path(std::move(path)) {}
  CommandResult run(const Command& command) override;
  std::vector<CommandResult> run_batch(const std::vector<Command>& commands) override;
  std::string describe() const override { return "local"; }
  std::string host_key() const override { return "local"; }

private:
  std::string m_path;
};

} // namespace tma::transport
