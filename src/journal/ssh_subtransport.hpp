#pragma once
// PRIVATE to src/journal: `ssh://` and scp-like (`user@host:path`) journal remotes go through the
// OpenSSH client, as git's own CLI does, instead of libgit2's libssh2 transport. libssh2 in
// libgit2 1.5 has no time-out and cannot be interrupted (a silent server held `tma sync` forever),
// and its host key check refused even the right key of a server pinned in a known_hosts file;
// `ssh` reads ~/.ssh/known_hosts and ~/.ssh/config, uses the agent, and dies with its process group.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/core/error.hpp>

namespace tma::journal::ssh {

/// What a remote URL gives to ssh's argv, every part already checked against its allow list.
struct Endpoint {
  std::string user; ///< empty: ssh's default (~/.ssh/config, then the local user)
  std::string host; ///< a name, an IPv4 literal or an IPv6 literal without its brackets
  std::string port; ///< empty: ssh's default
  std::string path; ///< the repository path as the remote git sees it
};

/// Parse `ssh://[user@]host[:port]/path` (also `ssh+git://`, `git+ssh://`) or scp-like
/// `[user@]host:path`. Refuses (ErrorKind::config) any part outside its allow list; the message
/// never repeats the URL (it may hold a password).
core::Result<Endpoint> parse_url(std::string_view url);

/// How long a journal exchange may stay without a byte from the server before tma kills ssh.
inline constexpr std::chrono::milliseconds default_inactivity_limit = std::chrono::seconds(120);

/// ssh's argv for `service` ("git-upload-pack" or "git-receive-pack") on `endpoint`:
/// `ssh -o BatchMode=yes ... [-F $TMA_SSH_CONFIG] [-p PORT] [-l USER] -- HOST "SERVICE 'PATH'"`.
std::vector<std::string> ssh_argv(const Endpoint& endpoint, std::string_view service,
                                  const std::string& config_file);

/// For the life of one of these, on this thread, the exchanges of the ssh transport use
/// `inactivity` and remember why they failed (failure_kind). sync_journal makes one per sync.
class Scope {
public:
  explicit Scope(std::chrono::milliseconds inactivity);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

private:
  std::chrono::milliseconds m_previous;
};

/// The kind of the last failure of the ssh transport on this thread since the last call (timeout,
/// interrupted, unreachable), then cleared; nullopt when it did not fail.
std::optional<core::ErrorKind> take_failure_kind();

/// Register the transport for `ssh://`, `ssh+git://` and `git+ssh://` (libgit2 sends scp-like
/// URLs to the `ssh://` one). Called once from git::ensure_initialised, before any remote exists.
core::Result<void> register_transport();

} // namespace tma::journal::ssh
