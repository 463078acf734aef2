#include <tma/notify/heartbeat.hpp>

#include <fmt/format.h>

#include <tma/core/log.hpp>
#include <tma/core/redact.hpp>
#include <tma/transport/secret.hpp>

namespace tma::notify {

namespace {

const char* suffix_of(HeartbeatPing ping) {
  switch (ping) {
    case HeartbeatPing::start: return "start";
    case HeartbeatPing::failure: return "fail";
    case HeartbeatPing::success: break;
  }
  return "";
}

const char* name_of(HeartbeatPing ping) {
  switch (ping) {
    case HeartbeatPing::start: return "start";
    case HeartbeatPing::failure: return "failure";
    case HeartbeatPing::success: break;
  }
  return "success";
}

} // namespace

std::string heartbeat_url(std::string_view base, HeartbeatPing ping) {
  std::string_view suffix = suffix_of(ping);
  if (suffix.empty()) return std::string(base);
  auto query = base.find_first_of("?#");
  auto path = base.substr(0, query);
  auto rest = query == std::string_view::npos ? std::string_view{} : base.substr(query);
  const char* slash = !path.empty() && path.back() == '/' ? "" : "/";
  return fmt::format("{}{}{}{}", path, slash, suffix, rest);
}

Heartbeat::Heartbeat(const inventory::Notify& notify, transport::HttpClient& http)
    : m_settings(notify.heartbeat), m_http(http) {}

void Heartbeat::start() { ping(HeartbeatPing::start, ""); }

void Heartbeat::end(bool ok, const std::string& summary) {
  if (m_ended) return;
  m_ended = true;
  ping(ok ? HeartbeatPing::success : HeartbeatPing::failure, summary);
}

void Heartbeat::ping(HeartbeatPing which, const std::string& body) {
  if (!m_settings || m_unusable) return;
  if (!m_url) {
    auto url = transport::resolve_secret(m_settings->url, "notify.heartbeat.url");
    if (!url) {
      m_unusable = true;
      core::log::warning("notify.heartbeat: no ping sent: {}", core::redact(url.error().message));
      return;
    }
    m_url = *url;
  }
  transport::HttpRequest request;
  request.method = transport::HttpMethod::post;
  request.url = heartbeat_url(*m_url, which);
  request.body = body;
  request.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
  request.timeout = std::chrono::duration_cast<transport::Milliseconds>(m_settings->timeout);
  request.connect_timeout = request.timeout;
  request.max_attempts = 1;
  request.max_redirects = 0;
  request.max_bytes = 64 * 1024; // monitors answer "OK"
  auto response = m_http.send(request);
  // Never the URL (a secret, in part the address of the ping): what failed and how, redacted.
  if (!response) {
    core::log::warning("notify.heartbeat: the {} ping failed: {}", name_of(which), core::redact(response.error().message));
  } else if (response->status < 200 || response->status >= 300) {
    core::log::warning("notify.heartbeat: the {} ping was answered HTTP {}", name_of(which), response->status);
  } else {
    core::log::debug("notify.heartbeat: {} ping sent", name_of(which));
  }
}

} // namespace tma::notify
