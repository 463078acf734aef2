#pragma once
// Redmine's REST API as the connector uses it (docs/connectors.md): JSON over HTTP with the key in
// `X-Redmine-API-Key` (never in a URL), one page of 100 at a time, and each error status turned
// into a message that says what to fix. Answers' shapes: tests/fixtures/redmine/ (captured from a
// real Redmine 5.0).

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/http.hpp>

namespace tma::connectors {

/// Redmine answers at most 100 items per page whatever `limit` asks.
inline constexpr int k_page_size = 100;

using Query = std::vector<std::pair<std::string, std::string>>;

/// The error for a Redmine answer `status` to `method path` (`body` is its body): 401 (key refused),
/// 403 (the key's user lacks a permission), 404 (unknown or invisible project or issue), 422 (the
/// data was refused: Redmine's own `errors` listed), others (`http`). Kinds: config for 401/403/404,
/// usage for 422, http otherwise. Never quotes the key.
core::Error error_for_status(const std::string& connector, std::string_view method, const std::string& path,
                             long status, const std::string& body);

class RedmineApi {
public:
  /// `api_key` is the resolved secret; `http` outlives the object.
  RedmineApi(const inventory::Connector& connector, std::string api_key, transport::HttpClient& http);

  /// GET `path` with `query`; the JSON object of a 200 answer.
  core::Result<nlohmann::json> get(const std::string& path, const Query& query = {});
  /// GET `path`: the JSON object, or nullopt when Redmine says 404 (deleted, or never existed).
  core::Result<std::optional<nlohmann::json>> find(const std::string& path, const Query& query = {});
  /// POST `body` to `path`; the JSON object of the 201 answer. Never retried here: the caller
  /// records its attempt first and checks for the created object before trying again.
  core::Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body);
  /// PUT `body` to `path`; true on 200 or 204, false on 404 (the object was deleted). Sent once.
  core::Result<bool> put(const std::string& path, const nlohmann::json& body);

  /// Requests sent so far (for the summary and the bench).
  std::size_t requests() const { return m_requests; }
  const std::string& base_url() const { return m_connector->url; }

private:
  core::Result<transport::HttpResponse> send(transport::HttpMethod method, const std::string& path,
                                             const Query& query, const nlohmann::json* body);
  core::Result<nlohmann::json> json_of_get(const std::string& path, const transport::HttpResponse& response) const;

  const inventory::Connector* m_connector;
  std::string m_api_key;
  transport::HttpClient* m_http;
  std::size_t m_requests = 0;
};

} // namespace tma::connectors
