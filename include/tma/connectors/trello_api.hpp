#pragma once
// Trello's REST API v1 as the connector uses it (docs/connectors.md, "Trello"): the API key and the
// token travel in `Authorization: OAuth oauth_consumer_key="…", oauth_token="…"`, never in the URL,
// so that no URL tma prints or logs carries them; answers are bare JSON arrays or objects, errors
// mostly text/plain. Answers' shapes: tests/lab/TICKETING.md (the strict fixture).

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <tma/connectors/redmine_api.hpp> // Query
#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/http.hpp>

namespace tma::connectors {

/// Whether `key` has the shape of a Trello API key (32 hexadecimal digits) and `token` that of a
/// token (`ATTA` and 60 more, or 64 legacy hexadecimal digits: letters and digits, 32..256). They go
/// into a header: anything else (a quote, a newline) is refused before a request is made.
bool is_trello_key(std::string_view key);
bool is_trello_token(std::string_view token);

/// The error for a Trello answer `status` to `method path`: 401 (`invalid key`, `invalid token`,
/// `unauthorized permission requested`, each with what to fix), 403, 404, 400 (Trello's text), 429
/// (its JSON `error` code), others (`http`). A body is quoted only when it is one of Trello's known
/// phrases or an error code's shape: never the key or the token.
core::Error trello_error_for_status(const inventory::Connector& connector, std::string_view method,
                                    const std::string& path, long status, const std::string& body);

/// `connectors.<name>.key` resolved, both it and the resolved `token` checked for their shapes before
/// either reaches a header; errors name the key, never the value.
core::Result<std::string> resolve_trello_key(const inventory::Connector& connector, const std::string& token);

class TrelloApi {
public:
  /// `key` and `token` are the resolved secrets; `http` outlives the object.
  TrelloApi(const inventory::Connector& connector, std::string key, std::string token, transport::HttpClient& http);

  /// GET `path` (under `/1`) with `query`; the JSON of a 200 answer. A 429 (no Retry-After from
  /// Trello) is retried after at least 10 s, as Trello asks.
  core::Result<nlohmann::json> get(const std::string& path, const Query& query = {});
  /// The same, with nullopt for a 404 (a card deleted since its action was listed).
  core::Result<std::optional<nlohmann::json>> find(const std::string& path, const Query& query = {});

  /// POST or PUT `path` with the JSON `body`; the JSON of a 200 answer (Trello answers its writes
  /// with 200). A 404 sets `gone` (the card was deleted) when given, else is an error. A 429 is
  /// resent after at least 10 s: Trello refused it before doing anything, so even a POST may be.
  core::Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body, bool* gone = nullptr);
  core::Result<nlohmann::json> put(const std::string& path, const nlohmann::json& body, bool* gone = nullptr);

  std::size_t requests() const { return m_requests; }

private:
  core::Result<std::optional<nlohmann::json>> send(const std::string& path, const Query& query, bool absent_ok);
  core::Result<nlohmann::json> write(transport::HttpMethod method, const std::string& path, const nlohmann::json& body,
                                     bool* gone);

  const inventory::Connector* m_connector;
  std::string m_authorization;
  transport::HttpClient* m_http;
  std::size_t m_requests = 0;
};

} // namespace tma::connectors
