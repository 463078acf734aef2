#include <tma/connectors/trello_api.hpp>

#include <array>
#include <regex>

#include <fmt/format.h>

#include <tma/core/signals.hpp>
#include <tma/transport/url.hpp>

#include "connectors/json_read.hpp"
#include "connectors/tool_request.hpp"

namespace tma::connectors {
namespace {

using namespace std::chrono_literals;

/// Trello's text bodies worth quoting (§2.7 of the reference the fixture follows); anything else
/// from the server is not repeated.
constexpr std::array<std::string_view, 7> k_known_texts{
    "invalid key", "invalid token", "unauthorized permission requested", "invalid id",
    "model not found", "The requested resource was not found.", "invalid value for idList"};

/// A POST Trello answered 429 is sent again this many times, after k_post_backoff and twice that.
constexpr int k_post_attempts = 4;
constexpr std::chrono::milliseconds k_post_backoff{11'000};

std::string trimmed(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  return std::string(text);
}

/// The body when it is one of Trello's known phrases, or a short `invalid value for <name>`.
std::string known_text(const std::string& body) {
  auto text = trimmed(body);
  for (auto known : k_known_texts) {
    if (text == known) return text;
  }
  static const std::regex invalid_value("invalid value for [A-Za-z_]{1,40}");
  return std::regex_match(text, invalid_value) ? text : std::string{};
}

/// `{"error":"API_TOKEN_LIMIT_EXCEEDED","message":…}` -> the code, when it has a code's shape.
std::string error_code(const std::string& body) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  auto code = detail::text_of(parsed, "error");
  static const std::regex shape("[A-Z][A-Z_]{0,63}");
  return std::regex_match(code, shape) ? code : std::string{};
}

} // namespace

bool is_trello_key(std::string_view key) {
  static const std::regex shape("[0-9a-f]{32}");
  return std::regex_match(key.begin(), key.end(), shape);
}

bool is_trello_token(std::string_view token) {
  static const std::regex shape("[A-Za-z0-9]{32,256}");
  return std::regex_match(token.begin(), token.end(), shape);
}

core::Error trello_error_for_status(const inventory::Connector& connector, std::string_view method,
                                    const std::string& path, long status, const std::string& body) {
  auto where = fmt::format("connector {}: {} {}", connector.name, method, path);
  const auto text = known_text(body);
  switch (status) {
  case 401:
    if (text == "invalid key") {
      return {core::ErrorKind::config,
              fmt::format("{}: Trello refused the API key (401 invalid key): check connectors.{}.key (the key of "
                          "the Power-Up, trello.com/power-ups/admin > API Key)",
                          where, connector.name)};
    }
    if (text == "invalid token") {
      return {core::ErrorKind::config,
              fmt::format("{}: Trello refused the token (401 invalid token): check connectors.{}.token (revoked, "
                          "expired, or made for another API key than connectors.{}.key)",
                          where, connector.name, connector.name)};
    }
    return {core::ErrorKind::config,
            fmt::format("{}: Trello refused access (401{}): the board is not shared with the token's member, or the "
                        "token lacks the read scope",
                        where, text.empty() ? "" : " " + text)};
  case 403:
    return {core::ErrorKind::config,
            fmt::format("{}: Trello refused (403{}): the token's member may not do this on this board (or a plan "
                        "limit is reached)",
                        where, text.empty() ? "" : " " + text)};
  case 404:
    return {core::ErrorKind::config,
            fmt::format("{}: not found (404): the board or card does not exist, or the token's member cannot see it "
                        "(check the board ids in connectors.{}.projects)",
                        where, connector.name)};
  case 400:
    return {core::ErrorKind::usage,
            fmt::format("{}: Trello refused the request (400){}", where, text.empty() ? "" : ": " + text)};
  case 429: {
    auto code = error_code(body);
    return {core::ErrorKind::http,
            fmt::format("{}: Trello's rate limit (429{}) was still hit after waiting: try again in a minute, or "
                        "sync fewer boards at once",
                        where, code.empty() ? "" : " " + code)};
  }
  default:
    return {core::ErrorKind::http, fmt::format("{}: HTTP {}", where, status)};
  }
}

TrelloApi::TrelloApi(const inventory::Connector& connector, std::string key, std::string token,
                     transport::HttpClient& http)
    : m_connector(&connector),
      // Shapes checked by the caller (is_trello_key, is_trello_token): no quote can end the value.
      m_authorization(fmt::format(R"(OAuth oauth_consumer_key="{}", oauth_token="{}")", key, token)), m_http(&http) {}

core::Result<nlohmann::json> TrelloApi::get(const std::string& path, const Query& query) {
  auto found = send(path, query, false);
  if (!found) return tl::unexpected(found.error());
  return std::move(**found);
}

core::Result<std::optional<nlohmann::json>> TrelloApi::find(const std::string& path, const Query& query) {
  return send(path, query, true);
}

core::Result<std::optional<nlohmann::json>> TrelloApi::send(const std::string& path, const Query& query,
                                                            bool absent_ok) {
  auto built = detail::tool_request(*m_connector, "/1", path, query);
  if (!built) return tl::unexpected(built.error());
  auto& request = *built;
  request.headers.emplace_back("Authorization", m_authorization);
  // Trello's 429 has no Retry-After: back off at least 10 s (equal jitter: half of the base fixed),
  // since retrying sooner is punished (§2.6: a retry storm locks the key for the window).
  request.retry_base_delay = 20s;
  request.max_attempts = 4;
  auto response = detail::send_tool_request(*m_connector, *m_http, request, path, m_requests);
  if (!response) return tl::unexpected(response.error());
  if (response->status == 404 && absent_ok) return std::optional<nlohmann::json>{};
  if (response->status != 200) {
    return tl::unexpected(trello_error_for_status(*m_connector, "GET", path, response->status, response->body));
  }
  auto parsed = nlohmann::json::parse(response->body, nullptr, false);
  if (parsed.is_discarded()) {
    return core::fail(core::ErrorKind::http,
                      fmt::format("connector {}: GET {}: the answer is not JSON (is connectors.{}.url Trello's API?)",
                                  m_connector->name, path, m_connector->name));
  }
  return std::optional<nlohmann::json>(std::move(parsed));
}

core::Result<nlohmann::json> TrelloApi::post(const std::string& path, const nlohmann::json& body, bool* gone) {
  return write(transport::HttpMethod::post, path, body, gone);
}

core::Result<nlohmann::json> TrelloApi::put(const std::string& path, const nlohmann::json& body, bool* gone) {
  return write(transport::HttpMethod::put, path, body, gone);
}

core::Result<nlohmann::json> TrelloApi::write(transport::HttpMethod method, const std::string& path,
                                              const nlohmann::json& body, bool* gone) {
  const auto method_name = transport::to_string(method);
  for (int attempt = 1;; ++attempt) {
    auto built = detail::tool_request(*m_connector, "/1", path, {});
    if (!built) return tl::unexpected(built.error());
    auto& request = *built;
    request.method = method;
    request.headers.emplace_back("Authorization", m_authorization);
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body.dump();
    // A PUT (a move) may be repeated, on a 429 or a 5xx; a POST is never repeated by the transport
    // (a 503 after a write is ambiguous: the outbox looks for the marker instead).
    request.retry_base_delay = 20s;
    request.max_attempts = 4;
    auto response = detail::send_tool_request(*m_connector, *m_http, request, path, m_requests);
    if (!response) return tl::unexpected(response.error());
    if (response->status == 429 && method == transport::HttpMethod::post && attempt < k_post_attempts) {
      // Trello's rate limit refuses before doing anything: sending the same POST again is safe.
      if (!core::sleep_unless_interrupted(k_post_backoff * attempt)) {
        return core::fail(core::ErrorKind::interrupted,
                          fmt::format("connector {}: {} {}: interrupted", m_connector->name, method_name, path));
      }
      continue;
    }
    if (response->status == 404 && gone != nullptr) {
      *gone = true;
      return nlohmann::json();
    }
    if (response->status != 200) {
      return tl::unexpected(trello_error_for_status(*m_connector, method_name, path, response->status, response->body));
    }
    auto parsed = nlohmann::json::parse(response->body, nullptr, false);
    if (parsed.is_discarded()) {
      return core::fail(core::ErrorKind::http, fmt::format("connector {}: {} {}: the answer is not JSON",
                                                           m_connector->name, method_name, path));
    }
    return parsed;
  }
}

core::Result<std::string> resolve_trello_key(const inventory::Connector& connector, const std::string& token) {
  auto key = transport::resolve_secret(connector.trello_key, "connectors." + connector.name + ".key");
  if (!key) return tl::unexpected(key.error());
  if (!is_trello_key(*key)) {
    return core::fail(core::ErrorKind::config,
                      fmt::format("connectors.{}.key is not a Trello API key (32 hexadecimal digits)", connector.name));
  }
  if (!is_trello_token(token)) {
    return core::fail(core::ErrorKind::config,
                      fmt::format("connectors.{}.token is not a Trello token (32 to 256 letters and digits)",
                                  connector.name));
  }
  return key;
}

} // namespace tma::connectors
