#pragma once
// `notify.heartbeat` (docs/notify.md, "Heartbeat"): `tma run --due` pings a push monitor when it
// starts and when it ends, as healthchecks.io defines it and Uptime Kuma, Healthchecks and
// Cronitor accept: `URL/start`, then `URL` on success or `URL/fail` on failure, the run's one-line
// summary as the body. The monitor alerts when the pings stop, which nothing inside tma can do
// about a cron job that no longer runs. Best effort: a short timeout, no retry, a warning at most;
// the URL is a secret and is never printed.

#include <optional>
#include <string>

#include <tma/inventory/model.hpp>
#include <tma/transport/http.hpp>

namespace tma::notify {

enum class HeartbeatPing { start, success, failure };

/// The URL of `ping` for the monitor at `base`: `/start`, nothing or `/fail` appended to its path
/// (before any query string, after any trailing `/`).
std::string heartbeat_url(std::string_view base, HeartbeatPing ping);

/// Pings one monitor. With no `notify.heartbeat`, every call does nothing.
class Heartbeat {
public:
  Heartbeat(const inventory::Notify& notify, transport::HttpClient& http);
  /// Ping `/start`.
  void start();
  /// Ping the end: success or failure, with `summary` as the body. Once; later calls do nothing.
  void end(bool ok, const std::string& summary);
  bool ended() const { return m_ended; }

private:
  void ping(HeartbeatPing which, const std::string& body);

  std::optional<inventory::Heartbeat> m_settings;
  transport::HttpClient& m_http;
  std::optional<std::string> m_url; ///< resolved at the first ping
  bool m_unusable = false;          ///< the URL's command failed: said once, not retried
  bool m_ended = false;
};

} // namespace tma::notify
