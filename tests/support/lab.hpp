#pragma once
// The test lab: real servers started on 127.0.0.1 (free ports) in temp dirs, stopped at scope exit.
// Reused by every integration test that talks to a server (docs/lab.md). Nothing here changes the
// machine's own sshd, ~/.ssh or MariaDB: everything lives in the fixture's temp directory.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/inventory/model.hpp>

#include "support/temp_dir.hpp"

namespace tma::test {

/// A background server process in its own process group, killed (TERM, then KILL) on destruction.
class LabProcess {
public:
  LabProcess() = default;
  /// Start `argv` with stdout+stderr appended to `log_file`; throws on failure.
  LabProcess(const std::vector<std::string>& argv, const std::string& log_file);
  ~LabProcess();
  LabProcess(LabProcess&& other) noexcept;
  LabProcess& operator=(LabProcess&& other) noexcept;
  LabProcess(const LabProcess&) = delete;
  LabProcess& operator=(const LabProcess&) = delete;
  pid_t pid() const { return m_pid; }
  bool running();
  void stop();

private:
  pid_t m_pid = -1;
};

/// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

/// A listening TCP socket (close-on-exec) on 127.0.0.1 at a port the kernel picks: `fd` is the
/// caller's to close. Throws when it cannot be made.
struct LoopbackListener {
  int fd = -1;
  int port = 0;
};
LoopbackListener listen_loopback(int backlog);

/// Wait until something accepts TCP connections on 127.0.0.1:`port`; false after `timeout`.
bool wait_for_port(int port, std::chrono::milliseconds timeout);

/// Run a helper program of the lab (ssh-keygen, openssl, ...) and return its stdout; throws with its
/// stderr when it fails.
std::string lab_run(const std::vector<std::string>& argv);

/// The python3 interpreter the lab scripts use (Debian's when present).
std::string lab_python();

/// A real OpenSSH server on 127.0.0.1:<free port>, accepting the current user (root in CI) with a
/// throwaway key. `target()` gives the inventory SshTarget that reaches it with a verified host key.
class LabSshd {
public:
  LabSshd();
  ~LabSshd();
  LabSshd(const LabSshd&) = delete;
  LabSshd& operator=(const LabSshd&) = delete;

  int port() const { return m_port; }
  const std::string& user() const { return m_user; }
  std::string identity() const { return m_dir.file("id_ed25519"); }
  std::string known_hosts() const { return m_dir.file("known_hosts"); }
  /// A known_hosts file that lists a different key for this server (a "changed" host key).
  std::string wrong_known_hosts() const { return m_dir.file("known_hosts_wrong"); }
  /// An SshTarget for this server: user, port, identity, known_hosts, 5 s connect timeout.
  inventory::SshTarget target() const;
  /// A fresh directory to serve as a remote site's root.
  std::string make_site_dir(const std::string& name) const;
  /// The sshd log (for failure messages).
  std::string log() const;
  /// Sessions sshd has started so far (one per remote command or shell; sshd logs each at
  /// LogLevel VERBOSE), to check how many login shells a command costs.
  int sessions_started() const;
  const TempDir& dir() const { return m_dir; }

private:
  TempDir m_dir;
  int m_port = 0;
  std::string m_user;
  LabProcess m_process;
};

/// A throwaway certificate authority and server certificates for 127.0.0.1/localhost, made with openssl.
class LabCa {
public:
  LabCa();
  const std::string& ca_file() const { return m_ca_cert; }
  struct Cert {
    std::string cert;
    std::string key;
  };
  /// A server certificate for 127.0.0.1 and localhost signed by this CA, valid `days` from now.
  Cert issue(const std::string& name, int days);

private:
  TempDir m_dir;
  std::string m_ca_cert;
  std::string m_ca_key;
};

/// A real HTTP (or HTTPS) server: tests/lab/http_server.py, configured per path with a JSON map
/// (see docs/lab.md): status, body, delay, headers, fail_times/fail_status/retry_after, size, echo.
class LabHttp {
public:
  /// Start with `routes`; with `tls`, serve HTTPS with that certificate.
  explicit LabHttp(nlohmann::json routes, std::optional<LabCa::Cert> tls = std::nullopt);
  ~LabHttp();
  LabHttp(const LabHttp&) = delete;
  LabHttp& operator=(const LabHttp&) = delete;
  int port() const { return m_port; }
  /// `http(s)://127.0.0.1:<port><path>`.
  std::string url(const std::string& path) const;
  /// How many requests `path` received (asked to the server itself).
  int hits(const std::string& path) const;
  /// The requests the server received, oldest first: [{method, path, headers, body}].
  nlohmann::json requests() const;

private:
  TempDir m_dir;
  bool m_tls = false;
  int m_port = 0;
  LabProcess m_process;
};

/// A real MariaDB server with its own datadir, socket and port, run as the current user.
class LabMariadb {
public:
  LabMariadb();
  ~LabMariadb();
  LabMariadb(const LabMariadb&) = delete;
  LabMariadb& operator=(const LabMariadb&) = delete;
  int port() const { return m_port; }
  std::string socket() const { return m_dir.file("mysqld.sock"); }
  /// Run `sql` as root through the socket with the `mariadb` client; returns its stdout (tab-separated).
  std::string sql(const std::string& sql) const;

private:
  TempDir m_dir;
  int m_port = 0;
  LabProcess m_process;
};

} // namespace tma::test
