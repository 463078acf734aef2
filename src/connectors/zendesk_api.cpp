#include <tma/connectors/zendesk_api.hpp>

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <tma/transport/url.hpp>

#include "connectors/json_read.hpp"
#include "connectors/tool_request.hpp"

namespace tma::connectors {
namespace {

/// A text/plain body (a 429, a proxy): its first line, printable and short.
std::string plain_text(const std::string& body) {
  std::string out;
  for (char c : body) {
    if (c == '\n' || c == '\r' || out.size() >= 200) break;
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
  }
  // An HTML page says nothing useful in its first line.
  if (out.rfind("<", 0) == 0) return {};
  return out;
}

} // namespace

std::string zendesk_errors(const std::string& body) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return plain_text(body);
  if (!parsed.is_object()) return {};
  std::vector<std::string> parts;
  const auto* error = detail::member(parsed, "error");
  if (error != nullptr && error->is_object()) {
    // 400: {"error": {"title": "Invalid attribute", "message": "..."}}
    for (const char* key : {"title", "message"}) {
      if (auto text = detail::text_of(*error, key); !text.empty()) parts.push_back(text);
    }
  } else if (error != nullptr && error->is_string()) {
    parts.push_back(error->get<std::string>());
  }
  if (auto text = detail::text_of(parsed, "description"); !text.empty()) parts.push_back(text);
  if (auto text = detail::text_of(parsed, "error_description"); !text.empty()) parts.push_back(text);
  // 422: {"details": {"status": [{"description": "Status: closed prevents ticket update"}]}}
  for (const auto& [field, list] : detail::object_of(parsed, "details").items()) {
    if (!list.is_array()) continue;
    for (const auto& item : list) {
      if (auto text = detail::text_of(item, "description"); !text.empty()) parts.push_back(field + ": " + text);
    }
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

core::Error zendesk_error_for_status(const inventory::Connector& connector, std::string_view method,
                                     const std::string& path, long status, const std::string& body) {
  auto where = fmt::format("connector {}: {} {}", connector.name, method, path);
  const auto said = zendesk_errors(body);
  const auto zendesk_said = said.empty() ? std::string{} : fmt::format(" (Zendesk: {})", said);
  switch (status) {
  case 401:
    return {core::ErrorKind::config,
            fmt::format("{}: Zendesk refused the API token (401): check connectors.{}.api_token and that "
                        "connectors.{}.email is the agent it belongs to (Admin Center > Apps and integrations > "
                        "Zendesk API: token access enabled){}",
                        where, connector.name, connector.name, zendesk_said)};
  case 403:
    return {core::ErrorKind::config,
            fmt::format("{}: the token's user may not do this (403): the incremental export is for admins, use an "
                        "admin's API token{}",
                        where, zendesk_said)};
  case 404:
    return {core::ErrorKind::config,
            fmt::format("{}: not found (404): is connectors.{}.url the account's https://<subdomain>.zendesk.com?{}",
                        where, connector.name, zendesk_said)};
  case 400:
  case 422:
    return {core::ErrorKind::usage,
            fmt::format("{}: Zendesk refused the request ({}){}", where, status, said.empty() ? "" : ": " + said)};
  case 429:
    return {core::ErrorKind::http,
            fmt::format("{}: Zendesk's rate limit (429) still applies after the retries: sync again later{}", where,
                        zendesk_said)};
  default:
    return {core::ErrorKind::http, fmt::format("{}: HTTP {}{}", where, status, zendesk_said)};
  }
}

ZendeskApi::ZendeskApi(const inventory::Connector& connector, std::string token, transport::HttpClient& http)
    : m_connector(&connector), m_token(std::move(token)), m_http(&http) {}

core::Result<nlohmann::json> ZendeskApi::get(const std::string& path, const Query& query) {
  return send(transport::HttpMethod::get, path, query, nullptr, 200, {}, nullptr);
}

core::Result<nlohmann::json> ZendeskApi::get_unless_gone(const std::string& path, const Query& query, bool& gone) {
  return send(transport::HttpMethod::get, path, query, nullptr, 200, {}, &gone);
}

core::Result<nlohmann::json> ZendeskApi::post(const std::string& path, const nlohmann::json& body,
                                              const std::string& idempotency_key) {
  return send(transport::HttpMethod::post, path, {}, &body, 201, idempotency_key, nullptr);
}

core::Result<nlohmann::json> ZendeskApi::put(const std::string& path, const nlohmann::json& body, bool* gone,
                                             ZendeskRefusal* refusal) {
  return send(transport::HttpMethod::put, path, {}, &body, 200, {}, gone, refusal);
}

bool ZendeskRefusal::closed_ticket() const {
  return status == 422 && std::find(fields.begin(), fields.end(), "status") != fields.end();
}

core::Result<nlohmann::json> ZendeskApi::send(transport::HttpMethod method, const std::string& path, const Query& query,
                                              const nlohmann::json* body, long expected,
                                              const std::string& idempotency_key, bool* gone,
                                              ZendeskRefusal* refusal) {
  const auto method_name = transport::to_string(method);
  auto built = detail::tool_request(*m_connector, "/api/v2", path, query);
  if (!built) return tl::unexpected(built.error());
  auto& request = *built;
  request.method = method;
  // API token authentication: the user is `<email>/token` (`<email>` alone is a password login).
  request.basic_auth = std::make_pair(m_connector->email + "/token", m_token);
  if (body != nullptr) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body->dump();
  }
  if (!idempotency_key.empty()) request.headers.emplace_back("Idempotency-Key", idempotency_key);
  if (method == transport::HttpMethod::get) {
    // Zendesk's limits are per minute (the incremental export: 10 a minute), so its Retry-After may
    // ask for up to a minute: waited for, once more than the default.
    request.retry_max_delay = std::chrono::seconds(61);
    request.max_attempts = 4;
  } else {
    // A PUT that adds a comment or time is not idempotent: sent once, and an ambiguous failure is
    // settled by the outbox's look-up of the marker, never by a blind resend.
    request.max_attempts = 1;
  }
  if (refusal != nullptr) *refusal = ZendeskRefusal{};
  auto response = detail::send_tool_request(*m_connector, *m_http, request, path, m_requests);
  if (!response) return tl::unexpected(response.error());
  if (response->status == 404 && gone != nullptr) {
    *gone = true;
    return nlohmann::json();
  }
  if (response->status != expected) {
    if (refusal != nullptr) {
      refusal->status = response->status;
      if (response->status == 422) {
        auto parsed = nlohmann::json::parse(response->body, nullptr, false);
        for (const auto& item : detail::object_of(parsed, "details").items()) refusal->fields.push_back(item.key());
      }
    }
    return tl::unexpected(zendesk_error_for_status(*m_connector, method_name, path, response->status, response->body));
  }
  auto parsed = nlohmann::json::parse(response->body, nullptr, false);
  if (!parsed.is_object()) {
    return core::fail(core::ErrorKind::http,
                      fmt::format("connector {}: {} {}: the answer is not a JSON object (is connectors.{}.url the "
                                  "account's https://<subdomain>.zendesk.com?)",
                                  m_connector->name, method_name, path, m_connector->name));
  }
  return parsed;
}

} // namespace tma::connectors
