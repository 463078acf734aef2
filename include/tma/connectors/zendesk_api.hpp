#pragma once
// Zendesk Support's API v2 as the connector uses it (docs/connectors.md, "Zendesk"): HTTP Basic
// with `<email>/token` and the API token (encoded by libcurl), JSON both ways; each error status
// turned into a message that says what to fix. Answers' shapes: tests/lab/TICKETING.md (the strict
// fixture built from Zendesk's docs).

#include <string>
#include <vector>

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

/// Why Zendesk refused a write, for the caller to decide what follows: the status (409: a
/// `safe_update` conflict) and the fields the `details` of a 422 name (`status` for a closed ticket,
/// §0.1.8: matched on the field, never on the wording).
struct ZendeskRefusal {
  long status = 0; ///< 0 when no answer came
  std::vector<std::string> fields;
  bool closed_ticket() const;
  bool conflict() const { return status == 409; }
};

class ZendeskApi {
public:
  /// `token` is the resolved secret; `http` outlives the object.
  ZendeskApi(const inventory::Connector& connector, std::string token, transport::HttpClient& http);

  /// GET `/api/v2<path>` with `query`; the JSON object of a 200 answer. Retried on 429 (honouring
  /// Retry-After up to a minute: Zendesk's limits are per minute) and 5xx by the HTTP client.
  core::Result<nlohmann::json> get(const std::string& path, const Query& query = {});

  /// GET that answers null and sets `gone` on a 404 (a ticket deleted in Zendesk).
  core::Result<nlohmann::json> get_unless_gone(const std::string& path, const Query& query, bool& gone);
  /// POST `body` to `path`, expecting 201; sent once (a create is never retried blindly), with the
  /// `Idempotency-Key` header when `idempotency_key` is not empty (§3.5).
  core::Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body,
                                    const std::string& idempotency_key);
  /// PUT `body` to `path`, expecting 200; sent once. With `gone`, a 404 sets it and answers null.
  /// With `refusal`, an answer other than 200 (and the 404 of `gone`) is described there too.
  core::Result<nlohmann::json> put(const std::string& path, const nlohmann::json& body, bool* gone = nullptr,
                                   ZendeskRefusal* refusal = nullptr);

  std::size_t requests() const { return m_requests; }

private:
  core::Result<nlohmann::json> send(transport::HttpMethod method, const std::string& path, const Query& query,
                                    const nlohmann::json* body, long expected, const std::string& idempotency_key,
                                    bool* gone, ZendeskRefusal* refusal = nullptr);

  const inventory::Connector* m_connector;
  std::string m_token;
  transport::HttpClient* m_http;
  std::size_t m_requests = 0;
};

} // namespace tma::connectors
