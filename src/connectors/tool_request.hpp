#pragma once
// PRIVATE to src/connectors: what every request a connector sends to its tool has in common, the same
// for each tool's API class: the URL from `connectors.<name>.url`, the inventory's HTTP settings,
// JSON accepted (tool_request); no redirect, the size cap, the count, the error's prefix
// (send_tool_request). The caller adds the method, its authentication, the body and its retries.

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include <tma/connectors/redmine_api.hpp> // Query
#include <tma/inventory/model.hpp>
#include <tma/transport/http.hpp>
#include <tma/transport/secret.hpp>
#include <tma/transport/url.hpp>

namespace tma::connectors::detail {

/// A request to `root + path` of `connector`'s tool with `query`; `path` alone names it in errors.
inline core::Result<transport::HttpRequest> tool_request(const inventory::Connector& connector, const std::string& root,
                                                         const std::string& path, const Query& query) {
  auto url = transport::url_with_query(connector.url, root + path, query);
  if (!url) {
    return core::fail(core::ErrorKind::config, fmt::format("connector {}: cannot build a URL from connectors.{}.url and "
                                                           "'{}'",
                                                           connector.name, connector.name, path));
  }
  auto request = transport::request_for(connector.http, *url);
  request.headers.emplace_back("Accept", "application/json");
  return request;
}

/// Send `request` (made by tool_request) as every connector does: never following a redirect (a
/// login page or a misconfigured proxy, never the tool's JSON), a body of at most 64 MiB, each
/// attempt counted in `requests`, a transport error prefixed with `connector <name>: <METHOD> <path>:`.
/// Any HTTP status is an answer: the caller reads it in its tool's error shape.
inline core::Result<transport::HttpResponse> send_tool_request(const inventory::Connector& connector,
                                                               transport::HttpClient& http,
                                                               transport::HttpRequest& request, const std::string& path,
                                                               std::size_t& requests) {
  request.max_redirects = 0;
  request.max_bytes = 64 * 1024 * 1024;
  auto response = http.send(request);
  if (!response) {
    ++requests;
    auto error = response.error();
    error.message =
        fmt::format("connector {}: {} {}: {}", connector.name, transport::to_string(request.method), path, error.message);
    return tl::unexpected(std::move(error));
  }
  requests += static_cast<std::size_t>(std::max(1, response->attempts));
  return response;
}

/// The inventory key that holds `connector`'s secret: Redmine's `api_key`, Trello's `token`, the
/// `api_token` of Jira and Zendesk. One rule, so that a sync and `inventory check` name the same key.
inline const char* secret_key_name(const inventory::Connector& connector) {
  if (connector.type == "redmine") return "api_key";
  if (connector.type == "trello") return "token";
  return "api_token";
}

/// `connector.api_key` resolved; its errors name `connectors.<name>.<secret_key_name>`, never the value.
inline core::Result<std::string> resolve_connector_secret(const inventory::Connector& connector) {
  return transport::resolve_secret(connector.api_key,
                                   fmt::format("connectors.{}.{}", connector.name, secret_key_name(connector)));
}

} // namespace tma::connectors::detail
