#pragma once
// Zendesk Support's API v2 as the connector uses it (docs/connectors.md, "Zendesk"): HTTP Basic
// with `<email>/token` and the API token (encoded by libcurl), JSON, reads only; each error status
// turned into a message that says what to fix. Answers' shapes: tests/lab/TICKETING.md (the strict
// fixture built from Zendesk's docs).

#include <string>

#include <nlohmann/json.hpp>

#include <tma/connectors/redmine_api.hpp> // Query
#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/http.hpp>

namespace tma::connectors {

/// Zendesk's own words in an error `body`, whatever its shape (§3.7): `{"error": "...",
/// "description": "...", "details": {field: [{description}]}}`, `{"error": {"title", "message"}}`,
/// or a short text/plain body. "" when there is nothing readable.
std::string zendesk_errors(const std::string& body);

/// The error for a Zendesk answer `status` to `method path`: 401 (the token refused), 403 (the
/// incremental export is for admins), 404, 400/422 (Zendesk's words), 429 (still limited after the
/// retries), others (`http`). Never quotes the token.
core::Error zendesk_error_for_status(const inventory::Connector& connector, std::string_view method,
                                     const std::string& path, long status, const std::string& body);

class ZendeskApi {
public:
  /// `token` is the resolved secret; `http` outlives the object.
  ZendeskApi(const inventory::Connector& connector, std::string token, transport::HttpClient& http);

  /// GET `/api/v2<path>` with `query`; the JSON object of a 200 answer. Retried on 429 (honouring
  /// Retry-After up to a minute: Zendesk's limits are per minute) and 5xx by the HTTP client.
  core::Result<nlohmann::json> get(const std::string& path, const Query& query = {});

  std::size_t requests() const { return m_requests; }

private:
  const inventory::Connector* m_connector;
  std::string m_token;
  transport::HttpClient* m_http;
  std::size_t m_requests = 0;
};

} // namespace tma::connectors
