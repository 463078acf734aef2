#include <tma/connectors/jira_api.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <tma/transport/url.hpp>
#include "connectors/tool_request.hpp"

namespace tma::connectors {
namespace {

// Jira's ErrorCollection: `{"errorMessages": [...], "errors": {"field": "message"}}`; either part
// may be missing. Anything else (a proxy's page, a text 401) gives nothing.
std::string jira_errors(const std::string& body) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (!parsed.is_object()) return {};
  std::vector<std::string> messages;
  if (auto it = parsed.find("errorMessages"); it != parsed.end() && it->is_array()) {
    for (const auto& m : *it) {
      if (m.is_string()) messages.push_back(m.get<std::string>());
    }
  }
  if (auto it = parsed.find("errors"); it != parsed.end() && it->is_object()) {
    for (const auto& [field, message] : it->items()) {
      if (message.is_string()) messages.push_back(field + ": " + message.get<std::string>());
    }
  }
  return fmt::format("{}", fmt::join(messages, "; "));
}

} // namespace

core::Error jira_error_for_status(const inventory::Connector& connector, std::string_view method,
                                  const std::string& path, long status, const std::string& body) {
  auto where = fmt::format("connector {}: {} {}", connector.name, method, path);
  switch (status) {
  case 401:
    return {core::ErrorKind::config,
            connector.data_center
                ? fmt::format("{}: Jira refused the personal access token (401): check connectors.{}.api_token "
                              "(Profile > Personal Access Tokens)",
                              where, connector.name)
                : fmt::format("{}: Jira refused the API token (401): check connectors.{}.api_token and that "
                              "connectors.{}.email is the account it belongs to (id.atlassian.com > Security > API "
                              "tokens)",
                              where, connector.name, connector.name)};
  case 403:
    return {core::ErrorKind::config,
            fmt::format("{}: the token's account may not do this (403): give it the project permission", where)};
  case 404:
    return {core::ErrorKind::config,
            fmt::format("{}: not found (404): the issue or project does not exist, or the token's account cannot "
                        "see it",
                        where)};
  case 400:
  case 422: {
    auto errors = jira_errors(body);
    return {core::ErrorKind::usage,
            fmt::format("{}: Jira refused the request ({}){}", where, status, errors.empty() ? "" : ": " + errors)};
  }
  default:
    return {core::ErrorKind::http, fmt::format("{}: HTTP {}", where, status)};
  }
}

JiraApi::JiraApi(const inventory::Connector& connector, std::string token, transport::HttpClient& http)
    : m_connector(&connector), m_token(std::move(token)), m_root(connector.data_center ? "/rest/api/2" : "/rest/api/3"),
      m_http(&http) {}

core::Result<nlohmann::json> JiraApi::get(const std::string& path, const Query& query) {
  return send(transport::HttpMethod::get, path, query, nullptr, 200);
}

core::Result<nlohmann::json> JiraApi::post(const std::string& path, const nlohmann::json& body, long expected,
                                           bool* gone) {
  return send(transport::HttpMethod::post, path, {}, &body, expected, false, gone);
}

core::Result<nlohmann::json> JiraApi::create(const std::string& path, const nlohmann::json& body,
                                             std::vector<std::string>& refused_fields) {
  refused_fields.clear();
  return send(transport::HttpMethod::post, path, {}, &body, 201, false, nullptr, &refused_fields);
}

core::Result<nlohmann::json> JiraApi::get_unless_gone(const std::string& path, const Query& query, bool& gone) {
  return send(transport::HttpMethod::get, path, query, nullptr, 200, true, &gone);
}

core::Result<nlohmann::json> JiraApi::post_read(const std::string& path, const nlohmann::json& body) {
  return send(transport::HttpMethod::post, path, {}, &body, 200, true);
}

core::Result<nlohmann::json> JiraApi::send(transport::HttpMethod method, const std::string& path, const Query& query,
                                           const nlohmann::json* body, long expected, bool read_only, bool* gone,
                                           std::vector<std::string>* refused_fields) {
  const auto method_name = transport::to_string(method);
  auto built = detail::tool_request(*m_connector, m_root, path, query);
  if (!built) return tl::unexpected(built.error());
  auto& request = *built;
  request.method = method;
  request.read_only_post = method == transport::HttpMethod::post && read_only;
  if (m_connector->data_center) request.headers.emplace_back("Authorization", "Bearer " + m_token);
  else request.basic_auth = std::make_pair(m_connector->email, m_token);
  if (body != nullptr) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body->dump();
  }
  auto response = detail::send_tool_request(*m_connector, *m_http, request, path, m_requests);
  if (!response) return tl::unexpected(response.error());
  if (response->status == 404 && gone != nullptr) {
    *gone = true;
    return nlohmann::json();
  }
  if (response->status != expected) {
    if (refused_fields != nullptr && (response->status == 400 || response->status == 422)) {
      auto parsed = nlohmann::json::parse(response->body, nullptr, false);
      if (auto it = parsed.find("errors"); !parsed.is_discarded() && parsed.is_object() && it != parsed.end() &&
                                            it->is_object()) {
        for (const auto& item : it->items()) refused_fields->push_back(item.key());
      }
    }
    return tl::unexpected(jira_error_for_status(*m_connector, method_name, path, response->status, response->body));
  }
  // 204: a transition or an edit, no body.
  if (response->body.empty() && expected == 204) return nlohmann::json();
  auto parsed = nlohmann::json::parse(response->body, nullptr, false);
  if (parsed.is_discarded()) {
    return core::fail(core::ErrorKind::http,
                      fmt::format("connector {}: {} {}: the answer is not JSON (is connectors.{}.url Jira's address?)",
                                  m_connector->name, method_name, path, m_connector->name));
  }
  return parsed;
}

} // namespace tma::connectors
