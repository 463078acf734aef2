#pragma once
// Jira's REST API as the connector uses it (docs/connectors.md, "Jira"): Cloud's v3 with HTTP Basic
// (the account's email and an API token, encoded by libcurl), or Data Center's v2 with a personal
// access token as `Bearer`; JSON both ways; each error status turned into a message that says what
// to fix. Answers' shapes: tests/lab/TICKETING.md (the strict fixture built from Atlassian's docs).

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/connectors/redmine_api.hpp> // Query
#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/http.hpp>

namespace tma::connectors {

/// The error for a Jira answer `status` to `method path`: 401 (the token refused: its body may be
/// text, never parsed), 403, 404, 400/422 (Jira's `errorMessages` and `errors` listed), others
/// (`http`). Never quotes the token.
core::Error jira_error_for_status(const inventory::Connector& connector, std::string_view method,
                                  const std::string& path, long status, const std::string& body);

class JiraApi {
public:
  /// `token` is the resolved secret; `http` outlives the object.
  JiraApi(const inventory::Connector& connector, std::string token, transport::HttpClient& http);

  /// GET `path` (under `/rest/api/3` or `/rest/api/2`) with `query`; the JSON of a 200 answer.
  core::Result<nlohmann::json> get(const std::string& path, const Query& query = {});
  /// POST `body` to `path` and expect `expected` (201 for a create, 204 for a transition: then
  /// null). Sent once. With `gone`, a 404 sets it and answers null instead of failing.
  core::Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body, long expected,
                                    bool* gone = nullptr);
  /// GET that answers null and sets `gone` on a 404 (an issue deleted in Jira).
  core::Result<nlohmann::json> get_unless_gone(const std::string& path, const Query& query, bool& gone);
  /// POST `body` to `path` expecting 201 (a create), sent once. When Jira refuses it (400, 422),
  /// `refused_fields` gets the fields its `errors` name (`priority` when the project has no
  /// priority field), so that the caller can send it again without them.
  core::Result<nlohmann::json> create(const std::string& path, const nlohmann::json& body,
                                      std::vector<std::string>& refused_fields);
  /// POST `body` to a `path` that only reads (`/worklog/list`): retried on 429 and 5xx like a GET.
  core::Result<nlohmann::json> post_read(const std::string& path, const nlohmann::json& body);

  std::size_t requests() const { return m_requests; }
  /// `<url>/browse/<key>`: where a person opens the issue.
  std::string browse_url(const std::string& key) const { return m_connector->url + "/browse/" + key; }
  /// `/rest/api/3` (Cloud) or `/rest/api/2` (Data Center).
  const std::string& api_root() const { return m_root; }

private:
  core::Result<nlohmann::json> send(transport::HttpMethod method, const std::string& path, const Query& query,
                                    const nlohmann::json* body, long expected, bool read_only = true,
                                    bool* gone = nullptr, std::vector<std::string>* refused_fields = nullptr);

  const inventory::Connector* m_connector;
  std::string m_token;
  std::string m_root;
  transport::HttpClient* m_http;
  std::size_t m_requests = 0;
};

} // namespace tma::connectors
