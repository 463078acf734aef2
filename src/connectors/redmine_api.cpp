#include <tma/connectors/redmine_api.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <tma/transport/url.hpp>
#include "connectors/tool_request.hpp"

namespace tma::connectors {
namespace {

// Redmine's 422 body: `{"errors":["Subject cannot be blank", ...]}`.
std::string redmine_errors(const std::string& body) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("errors") || !parsed["errors"].is_array()) return {};
  std::vector<std::string> messages;
  for (const auto& e : parsed["errors"]) {
    if (e.is_string()) messages.push_back(e.get<std::string>());
  }
  return fmt::format("{}", fmt::join(messages, "; "));
}

} // namespace

core::Error error_for_status(const std::string& connector, std::string_view method, const std::string& path,
                             long status, const std::string& body) {
  auto where = fmt::format("connector {}: {} {}", connector, method, path);
  switch (status) {
  case 401:
    return {core::ErrorKind::config,
            fmt::format("{}: Redmine refused the API key (401): check connectors.{}.api_key (My account > API "
                        "access key) and that the REST API is enabled (Administration > Settings > API)",
                        where, connector)};
  case 403:
    return {core::ErrorKind::config,
            fmt::format("{}: the API key's user may not do this (403): give its role the permission in the project",
                        where)};
  case 404:
    return {core::ErrorKind::config,
            fmt::format("{}: not found (404): the project or issue does not exist, or the API key's user is not a "
                        "member who can see it",
                        where)};
  case 422: {
    auto errors = redmine_errors(body);
    return {core::ErrorKind::usage,
            fmt::format("{}: Redmine refused the data (422){}", where, errors.empty() ? "" : ": " + errors)};
  }
  default:
    return {core::ErrorKind::http, fmt::format("{}: HTTP {}", where, status)};
  }
}

RedmineApi::RedmineApi(const inventory::Connector& connector, std::string api_key, transport::HttpClient& http)
    : m_connector(&connector), m_api_key(std::move(api_key)), m_http(&http) {}

core::Result<transport::HttpResponse> RedmineApi::send(transport::HttpMethod method, const std::string& path,
                                                       const Query& query, const nlohmann::json* body) {
  auto built = detail::tool_request(*m_connector, "", path, query);
  if (!built) return tl::unexpected(built.error());
  auto& request = *built;
  request.method = method;
  request.headers.emplace_back("X-Redmine-API-Key", m_api_key);
  if (body != nullptr) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body->dump();
  }
  // A PUT with notes adds a note each time Redmine applies it: never repeated blindly here; the
  // outbox looks for its marker before trying again.
  if (method == transport::HttpMethod::put) request.max_attempts = 1;
  return detail::send_tool_request(*m_connector, *m_http, request, path, m_requests);
}

core::Result<std::optional<nlohmann::json>> RedmineApi::find(const std::string& path, const Query& query) {
  auto response = send(transport::HttpMethod::get, path, query, nullptr);
  if (!response) return tl::unexpected(response.error());
  if (response->status == 404) return std::optional<nlohmann::json>{};
  auto parsed = json_of_get(path, *response);
  if (!parsed) return tl::unexpected(parsed.error());
  return std::optional<nlohmann::json>{std::move(*parsed)};
}

core::Result<nlohmann::json> RedmineApi::get(const std::string& path, const Query& query) {
  auto response = send(transport::HttpMethod::get, path, query, nullptr);
  if (!response) return tl::unexpected(response.error());
  return json_of_get(path, *response);
}

core::Result<nlohmann::json> RedmineApi::json_of_get(const std::string& path, const transport::HttpResponse& response) const {
  if (response.status != 200) return tl::unexpected(error_for_status(m_connector->name, "GET", path, response.status, response.body));
  auto parsed = nlohmann::json::parse(response.body, nullptr, false);
  if (!parsed.is_object()) {
    return core::fail(core::ErrorKind::http,
                      fmt::format("connector {}: GET {}: the answer is not a JSON object (is connectors.{}.url "
                                  "Redmine's address?)",
                                  m_connector->name, path, m_connector->name));
  }
  return parsed;
}

core::Result<nlohmann::json> RedmineApi::post(const std::string& path, const nlohmann::json& body) {
  auto response = send(transport::HttpMethod::post, path, {}, &body);
  if (!response) return tl::unexpected(response.error());
  if (response->status != 201) return tl::unexpected(error_for_status(m_connector->name, "POST", path, response->status, response->body));
  auto parsed = nlohmann::json::parse(response->body, nullptr, false);
  if (!parsed.is_object()) {
    return core::fail(core::ErrorKind::http,
                      fmt::format("connector {}: POST {}: the answer is not a JSON object", m_connector->name, path));
  }
  return parsed;
}

core::Result<bool> RedmineApi::put(const std::string& path, const nlohmann::json& body) {
  auto response = send(transport::HttpMethod::put, path, {}, &body);
  if (!response) return tl::unexpected(response.error());
  if (response->status == 404) return false;
  if (response->status != 200 && response->status != 204) {
    return tl::unexpected(error_for_status(m_connector->name, "PUT", path, response->status, response->body));
  }
  return true;
}

} // namespace tma::connectors
