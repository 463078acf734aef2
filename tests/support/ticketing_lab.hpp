#pragma once
// The strict ticketing fixtures (tests/lab/ticketing_server.py, tests/lab/TICKETING.md) started on a
// free loopback port, and an agency directory whose inventory maps a connector to one: what the
// Jira, Zendesk and Trello integration tests share.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/transport/http.hpp>

#include "support/lab.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

namespace tma::test {

/// One fake tool (`api`: jira-cloud, jira-dc, trello, zendesk) with its control endpoint.
struct FakeTicketing {
  TempDir dir;
  int port = 0;
  LabProcess process;
  /// Adds the tool's credentials to a request the test sends itself (set by the test).
  std::function<void(transport::HttpRequest&)> authorize;

  /// `extra`: more options (`--rate-limit 3`); `seed`: the JSON of a `--seed` state.
  explicit FakeTicketing(const std::string& api, std::vector<std::string> extra = {}, const std::string& seed = "");
  std::string url(const std::string& path = "") const;
  /// `method path` with `body` (JSON) and `authorize`'s credentials; the JSON answer (null when
  /// empty). `expect` 0 checks no status.
  nlohmann::json call(transport::HttpMethod method, const std::string& path, const nlohmann::json& body = nullptr,
                      long expect = 0) const;
  /// Move the server's clock (the tools leave the last minute out of their change lists).
  void advance(int seconds) const;
  /// The whole state (`GET /__lab/state`).
  nlohmann::json state() const;
  /// The request log (one JSON line per request) and how often `needle` occurs in it.
  std::string requests_log() const;
  std::size_t logged(const std::string& needle) const;
};

/// The inventory every connector test starts from: the client acme (on demand, 90/h), its static site
/// acme-www, then `connectors:` followed by `connectors_block` (its lines indented by two spaces).
/// `more_clients`: further entries of `clients:`, indented by two spaces.
std::string connector_inventory(const std::string& connectors_block, const std::string& timezone = "Europe/Paris",
                                const std::string& more_clients = "");

/// An agency directory (a git repository) with `sites.yaml`, and tma run in it with `env`.
struct TicketingAgency {
  TempDir dir;
  std::string inventory;
  std::map<std::string, std::optional<std::string>> env;

  /// `inventory_text` is written as sites.yaml; `secrets` join the environment (no proxy, an actor).
  TicketingAgency(const std::string& inventory_text, std::map<std::string, std::optional<std::string>> secrets);
  Output tma(std::vector<std::string> args, std::map<std::string, std::optional<std::string>> extra = {}) const;
  /// `tma connectors sync --format json [extra]`, required to exit 0: its first connector.
  nlohmann::json sync(std::vector<std::string> extra = {}) const;
  nlohmann::json requests() const;
  /// Hours between `from` and `to`.
  nlohmann::json hours(const std::string& from, const std::string& to) const;
};

} // namespace tma::test
