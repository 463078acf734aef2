#include "support/lab.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <tma/transport/process.hpp>
#include "support/paths.hpp"

extern char** environ;

namespace tma::test {
namespace {

using namespace std::chrono_literals;

std::string lab_dir() { return TMA_LAB_DIR; }

} // namespace

LabProcess::LabProcess(const std::vector<std::string>& argv, const std::string& log_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  std::vector<std::string> copy = argv;
  std::vector<char*> c_argv;
  for (auto& a : copy) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  int rc = posix_spawnp(&m_pid, c_argv[0], &actions, &attr, c_argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("lab: cannot start " + argv[0] + ": " + std::strerror(rc));
}

LabProcess::~LabProcess() { stop(); }

LabProcess::LabProcess(LabProcess&& other) noexcept : m_pid(other.m_pid) { other.m_pid = -1; }

LabProcess& LabProcess::operator=(LabProcess&& other) noexcept {
  if (this != &other) {
    stop();
    m_pid = other.m_pid;
    other.m_pid = -1;
  }
  return *this;
}

bool LabProcess::running() {
  if (m_pid <= 0) return false;
  int status = 0;
  pid_t w = waitpid(m_pid, &status, WNOHANG);
  if (w == m_pid) {
    m_pid = -1;
    return false;
  }
  return true;
}

void LabProcess::stop() {
  if (m_pid <= 0) return;
  ::kill(-m_pid, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    int status = 0;
    if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
      ::kill(-m_pid, SIGKILL); // leftovers of the group (sshd connection children)
      m_pid = -1;
      return;
    }
    std::this_thread::sleep_for(100ms);
  }
  ::kill(-m_pid, SIGKILL);
  int status = 0;
  waitpid(m_pid, &status, 0);
  m_pid = -1;
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

LoopbackListener listen_loopback(int backlog) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, backlog) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  return {fd, ntohs(addr.sin_port)};
}

bool wait_for_port(int port, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::close(fd);
    if (rc == 0) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

std::string lab_run(const std::vector<std::string>& argv) {
  auto captured = transport::capture(argv, std::chrono::milliseconds(120'000), 64 * 1024 * 1024);
  if (!captured) throw std::runtime_error("lab: " + captured.error().message);
  return captured->out;
}

std::string lab_python() { return ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3"; }

// ---------------------------------------------------------------------------------------------- sshd

LabSshd::LabSshd() {
  const passwd* pw = ::getpwuid(::geteuid());
  if (!pw) throw std::runtime_error("lab sshd: no passwd entry for the current user");
  m_user = pw->pw_name;
  auto key = [&](const std::string& name) {
    lab_run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "tma-lab", "-f", m_dir.file(name)});
    return read_file(m_dir.file(name + ".pub"));
  };
  auto host_pub = key("host_key");
  auto other_pub = key("other_host_key");
  auto user_pub = key("id_ed25519");
  m_dir.write("authorized_keys", user_pub);
  ::chmod(m_dir.file("authorized_keys").c_str(), 0600);

  // sshd refuses to start without its privilege-separation directory (normally made by systemd).
  std::error_code ec;
  std::filesystem::create_directories("/run/sshd", ec);

  auto strip_comment = [](const std::string& pub) {
    auto first = pub.find(' ');
    auto second = pub.find(' ', first + 1);
    return pub.substr(0, second);
  };
  std::string config;
  for (int attempt = 0; attempt < 5; ++attempt) {
    m_port = free_port();
    auto host = "[127.0.0.1]:" + std::to_string(m_port);
    m_dir.write("known_hosts", host + " " + strip_comment(host_pub) + "\n");
    m_dir.write("known_hosts_wrong", host + " " + strip_comment(other_pub) + "\n");
    config = "Port " + std::to_string(m_port) + "\n" +
             "ListenAddress 127.0.0.1\n"
             "HostKey " + m_dir.file("host_key") + "\n" +
             "PidFile " + m_dir.file("sshd.pid") + "\n" +
             "AuthorizedKeysFile " + m_dir.file("authorized_keys") + "\n" +
             "PermitRootLogin prohibit-password\n"
             "PubkeyAuthentication yes\n"
             "PasswordAuthentication no\n"
             "KbdInteractiveAuthentication no\n"
             "UsePAM no\n"
             "StrictModes no\n"
             "PrintMotd no\n"
             "PrintLastLog no\n"
             "MaxSessions 64\n"
             "MaxStartups 256:30:512\n"
             "LoginGraceTime 30\n"
             "LogLevel VERBOSE\n" // one "Starting session" line per session: sessions_started()
             "Subsystem sftp internal-sftp\n";
    m_dir.write("sshd_config", config);
    m_process = LabProcess({"/usr/sbin/sshd", "-D", "-e", "-f", m_dir.file("sshd_config")}, m_dir.file("sshd.log"));
    if (wait_for_port(m_port, 10s)) return;
    m_process.stop(); // port taken meanwhile, or sshd refused its config: try another port
  }
  throw std::runtime_error("lab sshd did not start: " + log());
}

LabSshd::~LabSshd() { m_process.stop(); }

inventory::SshTarget LabSshd::target() const {
  inventory::SshTarget target;
  target.user = m_user;
  target.host = "127.0.0.1";
  target.port = m_port;
  target.identity_file = identity();
  target.known_hosts = known_hosts();
  target.connect_timeout = std::chrono::seconds(5);
  return target;
}

std::string LabSshd::make_site_dir(const std::string& name) const {
  auto path = m_dir.path() / "sites" / name;
  std::filesystem::create_directories(path);
  return path.string();
}

std::string LabSshd::log() const { return read_file(m_dir.file("sshd.log")); }

int LabSshd::sessions_started() const {
  auto text = log();
  int count = 0;
  for (auto pos = text.find("Starting session: "); pos != std::string::npos;
       pos = text.find("Starting session: ", pos + 1)) {
    ++count;
  }
  return count;
}

// ---------------------------------------------------------------------------------------------- CA

LabCa::LabCa() {
  m_ca_key = m_dir.file("ca.key");
  m_ca_cert = m_dir.file("ca.crt");
  lab_run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", m_ca_key, "-out", m_ca_cert,
           "-days", "30", "-subj", "/CN=tma lab CA", "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
}

LabCa::Cert LabCa::issue(const std::string& name, int days) {
  Cert cert{m_dir.file(name + ".crt"), m_dir.file(name + ".key")};
  auto csr = m_dir.file(name + ".csr");
  auto ext = m_dir.write(name + ".ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                        "basicConstraints=CA:FALSE\n"
                                        "extendedKeyUsage=serverAuth\n");
  lab_run({"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", cert.key, "-out", csr, "-subj",
           "/CN=127.0.0.1"});
  lab_run({"openssl", "x509", "-req", "-in", csr, "-CA", m_ca_cert, "-CAkey", m_ca_key, "-CAcreateserial", "-out",
           cert.cert, "-days", std::to_string(days), "-extfile", ext});
  return cert;
}

// ---------------------------------------------------------------------------------------------- HTTP

LabHttp::LabHttp(nlohmann::json routes, std::optional<LabCa::Cert> tls) : m_tls(tls.has_value()) {
  auto routes_file = m_dir.write("routes.json", routes.dump());
  std::vector<std::string> argv{lab_python(), lab_dir() + "/http_server.py", "--routes", routes_file,
                                "--port-file", m_dir.file("port"), "--requests", m_dir.file("requests.jsonl")};
  if (tls) {
    argv.insert(argv.end(), {"--cert", tls->cert, "--key", tls->key});
  }
  m_process = LabProcess(argv, m_dir.file("server.log"));
  // The server binds port 0 and writes the port it got: no race with other tests.
  for (int i = 0; i < 200; ++i) {
    auto text = read_file(m_dir.file("port"));
    if (!text.empty() && text.back() == '\n') {
      m_port = std::stoi(text);
      return;
    }
    if (!m_process.running()) break;
    std::this_thread::sleep_for(50ms);
  }
  throw std::runtime_error("lab http server did not start: " + read_file(m_dir.file("server.log")));
}

LabHttp::~LabHttp() { m_process.stop(); }

std::string LabHttp::url(const std::string& path) const {
  return std::string(m_tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(m_port) + path;
}

nlohmann::json LabHttp::requests() const {
  // Asked through a control file rather than HTTP so the lab does not depend on the client under test.
  auto text = read_file(m_dir.file("requests.jsonl"));
  nlohmann::json all = nlohmann::json::array();
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos) break;
    all.push_back(nlohmann::json::parse(text.substr(pos, nl - pos)));
    pos = nl + 1;
  }
  return all;
}

int LabHttp::hits(const std::string& path) const {
  int count = 0;
  for (const auto& r : requests()) {
    if (r.value("path", "") == path) ++count;
  }
  return count;
}

// ---------------------------------------------------------------------------------------------- MariaDB

LabMariadb::LabMariadb() {
  auto datadir = m_dir.file("data");
  lab_run({"mariadb-install-db", "--no-defaults", "--auth-root-authentication-method=socket",
           "--skip-test-db", "--datadir=" + datadir, "--user=" + std::string(::getpwuid(::geteuid())->pw_name)});
  for (int attempt = 0; attempt < 5; ++attempt) {
    m_port = free_port();
    m_process = LabProcess({"mariadbd", "--no-defaults", "--datadir=" + datadir, "--socket=" + socket(),
                            "--port=" + std::to_string(m_port), "--bind-address=127.0.0.1",
                            "--pid-file=" + m_dir.file("mysqld.pid"), "--skip-log-bin",
                            "--innodb-buffer-pool-size=16M", "--user=" + std::string(::getpwuid(::geteuid())->pw_name)},
                           m_dir.file("mariadb.log"));
    if (wait_for_port(m_port, 30s)) {
      // The TCP port opens slightly before the socket accepts; wait for a real query.
      for (int i = 0; i < 100; ++i) {
        auto r = transport::capture({"mariadb", "--no-defaults", "--socket=" + socket(), "-uroot", "-e", "SELECT 1"});
        if (r) return;
        std::this_thread::sleep_for(100ms);
      }
    }
    m_process.stop();
  }
  throw std::runtime_error("lab mariadb did not start: " + read_file(m_dir.file("mariadb.log")));
}

LabMariadb::~LabMariadb() { m_process.stop(); }

std::string LabMariadb::sql(const std::string& statement) const {
  return lab_run({"mariadb", "--no-defaults", "--socket=" + socket(), "-uroot", "--batch", "--skip-column-names",
                  "-e", statement});
}

} // namespace tma::test
