#include "journal/ssh_subtransport.hpp"

#include <cstdlib>
#include <memory>
#include <optional>
#include <type_traits>

#include <fmt/format.h>
#include <git2.h>
#include <git2/sys/transport.h>

#include <tma/core/redact.hpp>

#include "journal/ssh_child.hpp"

namespace tma::journal::ssh {

namespace {

thread_local std::chrono::milliseconds t_inactivity = default_inactivity_limit;
thread_local std::optional<core::ErrorKind> t_failure;

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// Allow lists, never deny lists: whatever reaches ssh's argv has one of these shapes, and none
// can start with '-' (so it is never read as an option, on top of the `--`).
bool valid_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '-' || host.front() == '.') return false;
  for (char c : host) {
    if (!is_alnum(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool valid_ipv6(std::string_view host) {
  if (host.size() < 2 || host.size() > 45) return false;
  for (char c : host) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex && c != ':' && c != '.') return false;
  }
  return host.find(':') != std::string_view::npos;
}

bool valid_user(std::string_view user) {
  if (user.empty() || user.size() > 64 || user.front() == '-') return false;
  for (char c : user) {
    if (!is_alnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  long value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return value >= 1 && value <= 65535;
}

// Printable ASCII without `'`: the path is then safe inside single quotes for the remote shell.
bool valid_path(std::string_view path) {
  if (path.empty() || path.size() > 4096) return false;
  for (char c : path) {
    if (c < 0x20 || c > 0x7e || c == '\'') return false;
  }
  return true;
}

core::Result<Endpoint> checked(std::string user, std::string host, std::string port, std::string path) {
  auto refuse = [](std::string_view what, std::string_view allowed) {
    return core::fail(core::ErrorKind::config,
                      fmt::format("the journal remote's SSH URL has a {} tma will not pass to ssh (allowed: {})",
                                  what, allowed));
  };
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (!valid_ipv6(host)) return refuse("host", "a name of letters, digits, '.' and '-', or an IP address");
  } else if (!valid_host_name(host)) {
    return refuse("host", "a name of letters, digits, '.' and '-', or an IP address");
  }
  if (!user.empty() && !valid_user(user)) return refuse("user name", "letters, digits, '.', '_' and '-'");
  if (!port.empty() && !valid_port(port)) return refuse("port", "a number from 1 to 65535");
  if (!valid_path(path)) return refuse("path", "printable characters other than a single quote");
  return Endpoint{std::move(user), std::move(host), std::move(port), std::move(path)};
}

// Separates `host[:port]` with an optional bracketed IPv6 literal.
void split_host_port(std::string_view authority, std::string& host, std::string& port, bool with_port) {
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    host = std::string(authority.substr(0, close == std::string_view::npos ? authority.size() : close + 1));
    if (close != std::string_view::npos && close + 1 < authority.size()) {
      std::string_view rest = authority.substr(close + 1);
      port = rest.front() == ':' && with_port ? std::string(rest.substr(1)) : std::string("!"); // "!": refused
    }
    return;
  }
  auto colon = with_port ? authority.rfind(':') : std::string_view::npos;
  host = std::string(authority.substr(0, colon));
  if (colon != std::string_view::npos) port = std::string(authority.substr(colon + 1));
}

struct StreamBox;

// The subtransport of one remote connection. libgit2's smart protocol (rpc = 0) runs the listing
// and the following fetch or push on one stream: the `*_LS` action starts ssh, the next action
// reuses it (as libgit2's own ssh.c does). libgit2 holds a pointer to the C base and hands it back:
// static_cast down to the derived object, defined whatever the layout (a first member would need
// standard layout, which clang refuses for std::unique_ptr and std::string members).
struct Subtransport : git_smart_subtransport {
  StreamBox* current = nullptr;
};

struct StreamBox : git_smart_subtransport_stream {
  Subtransport* owner = nullptr;
  std::unique_ptr<Child> child;
  std::string label;
  // Once an exchange failed, ssh is gone: libgit2's goodbye flush on disconnect must not replace
  // the error it is about to report with "input closed".
  bool failed = false;
};


int fail_git(const core::Error& error) {
  t_failure = error.kind;
  git_error_set_str(GIT_ERROR_NET, core::redact(error.message).c_str());
  return -1;
}

int stream_read(git_smart_subtransport_stream* stream, char* buffer, size_t size, size_t* bytes_read) {
  auto* box = static_cast<StreamBox*>(stream);
  *bytes_read = 0;
  if (box->failed) return -1;
  auto n = box->child->read(buffer, size, t_inactivity);
  box->failed = !n || *n == 0;
  if (!n) return fail_git(n.error());
  if (*n == 0) {
    // ssh ended: the git protocol never reads to the end of the stream, so this is ssh's failure
    // (host key, authentication, no repository), which it gave on stderr.
    int code = box->child->finish(std::chrono::seconds(5));
    return fail_git(core::Error{core::ErrorKind::unreachable,
                                fmt::format("{} failed (exit {}): {}", box->label, code, box->child->stderr_tail())});
  }
  *bytes_read = *n;
  return 0;
}

int stream_write(git_smart_subtransport_stream* stream, const char* buffer, size_t len) {
  auto* box = static_cast<StreamBox*>(stream);
  if (box->failed) return -1;
  auto written = box->child->write(buffer, len, t_inactivity);
  box->failed = !written;
  return written ? 0 : fail_git(written.error());
}

void stream_free(git_smart_subtransport_stream* stream) {
  std::unique_ptr<StreamBox> box(static_cast<StreamBox*>(stream));
  if (box->owner != nullptr && box->owner->current == box.get()) box->owner->current = nullptr;
  // The exchange is over: ssh gets EOF on its stdin and a moment to end before it is killed.
  if (box->child) box->child->finish(std::chrono::seconds(5));
}

int start_stream(StreamBox** out, Subtransport* owner, const char* url, std::string_view service) {
  auto endpoint = parse_url(url);
  if (!endpoint) return fail_git(endpoint.error());
  const char* config = std::getenv("TMA_SSH_CONFIG");
  auto argv = ssh_argv(*endpoint, service, config != nullptr ? config : "");
  std::string label = fmt::format("ssh to {}", endpoint->host);
  auto child = Child::spawn(argv, label);
  if (!child) return fail_git(child.error());
  auto box = std::make_unique<StreamBox>();
  box->subtransport = owner;
  box->read = stream_read;
  box->write = stream_write;
  box->free = stream_free;
  box->owner = owner;
  box->child = std::make_unique<Child>(std::move(*child));
  box->label = std::move(label);
  *out = box.release(); // owned by libgit2 until stream_free
  return 0;
}

int action(git_smart_subtransport_stream** out, git_smart_subtransport* transport, const char* url,
           git_smart_service_t service) {
  auto* self = static_cast<Subtransport*>(transport);
  *out = nullptr;
  if (service == GIT_SERVICE_UPLOADPACK || service == GIT_SERVICE_RECEIVEPACK) {
    if (self->current == nullptr) {
      git_error_set_str(GIT_ERROR_NET, "ssh transport: the listing must come before the fetch or push");
      return -1;
    }
    *out = self->current;
    return 0;
  }
  if (self->current != nullptr) stream_free(self->current);
  t_failure.reset(); // a new connection: what failed before is reported already
  const char* program = service == GIT_SERVICE_UPLOADPACK_LS ? "git-upload-pack" : "git-receive-pack";
  StreamBox* box = nullptr;
  if (int rc = start_stream(&box, self, url, program); rc < 0) return rc;
  self->current = box;
  *out = box;
  return 0;
}

int close_transport(git_smart_subtransport*) { return 0; }

void free_transport(git_smart_subtransport* transport) {
  std::unique_ptr<Subtransport> self(static_cast<Subtransport*>(transport));
  if (self->current != nullptr) stream_free(self->current);
}

int create_subtransport(git_smart_subtransport** out, git_transport*, void*) {
  auto self = std::make_unique<Subtransport>();
  self->action = action;
  self->close = close_transport;
  self->free = free_transport;
  *out = self.release(); // owned by libgit2 until free_transport
  return 0;
}

git_smart_subtransport_definition g_definition{create_subtransport, 0, nullptr};

int create_transport(git_transport** out, git_remote* owner, void*) {
  return git_transport_smart(out, owner, &g_definition);
}

} // namespace

core::Result<Endpoint> parse_url(std::string_view url) {
  for (std::string_view scheme : {"ssh://", "ssh+git://", "git+ssh://"}) {
    if (url.substr(0, scheme.size()) != scheme) continue;
    std::string_view rest = url.substr(scheme.size());
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return checked("", "", "", "");
    std::string_view authority = rest.substr(0, slash);
    std::string path(rest.substr(slash));
    if (path.rfind("/~", 0) == 0) path.erase(0, 1); // ssh://host/~user/repo is ~user/repo, as in git
    std::string user, host, port;
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
      user = std::string(authority.substr(0, at));
      authority = authority.substr(at + 1);
      if (user.empty()) user = "!"; // "@host": refused
    }
    split_host_port(authority, host, port, true);
    return checked(std::move(user), std::move(host), std::move(port), std::move(path));
  }
  // scp-like [user@]host:path (git's rule: a ':' before any '/').
  auto colon = url.find(':');
  if (url.size() > 0 && url.front() == '[') colon = url.find("]:") == std::string_view::npos ? colon : url.find("]:") + 1;
  if (colon == std::string_view::npos || url.substr(0, colon).find('/') != std::string_view::npos) {
    return core::fail(core::ErrorKind::config, "the journal remote is not an SSH URL");
  }
  std::string_view authority = url.substr(0, colon);
  std::string user, host, port;
  if (auto at = authority.find('@'); at != std::string_view::npos && authority.front() != '[') {
    user = std::string(authority.substr(0, at));
    if (user.empty()) user = "!";
    authority = authority.substr(at + 1);
  }
  split_host_port(authority, host, port, false);
  return checked(std::move(user), std::move(host), std::move(port), std::string(url.substr(colon + 1)));
}

std::vector<std::string> ssh_argv(const Endpoint& endpoint, std::string_view service, const std::string& config_file) {
  // BatchMode: an unknown or changed host key, or a missing key, fails at once instead of asking.
  // ServerAlive*: a server that stops answering after the handshake ends ssh within a minute.
  std::vector<std::string> argv = {"ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=30", "-o",
                                   "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4"};
  if (!config_file.empty()) argv.insert(argv.end(), {"-F", config_file});
  if (!endpoint.port.empty()) argv.insert(argv.end(), {"-p", endpoint.port});
  if (!endpoint.user.empty()) argv.insert(argv.end(), {"-l", endpoint.user});
  argv.insert(argv.end(), {"--", endpoint.host, fmt::format("{} '{}'", service, endpoint.path)});
  return argv;
}

Scope::Scope(std::chrono::milliseconds inactivity) : m_previous(t_inactivity) {
  t_inactivity = inactivity;
  t_failure.reset();
}

Scope::~Scope() { t_inactivity = m_previous; }

std::optional<core::ErrorKind> take_failure_kind() {
  auto kind = t_failure;
  t_failure.reset();
  return kind;
}

core::Result<void> register_transport() {
  // libgit2 1.5 takes the scheme without "://" (its header says otherwise) and appends it.
  for (const char* scheme : {"ssh", "ssh+git", "git+ssh"}) {
    if (git_transport_register(scheme, create_transport, nullptr) < 0) {
      const git_error* e = git_error_last();
      return core::fail(core::ErrorKind::internal,
                        fmt::format("cannot register the ssh transport for {}://: {}", scheme,
                                    e != nullptr && e->message != nullptr ? e->message : "unknown error"));
    }
  }
  return {};
}

} // namespace tma::journal::ssh
