// The http backup method against the lab's real HTTP server: success (with an archive), failure,
// timeout, and a retried trigger that reuses its run id.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include <tma/backup/engine.hpp>
#include <tma/core/signals.hpp>

#include "support/lab.hpp"

using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct HttpSite {
  tma::test::TempDir dir;
  tma::inventory::Inventory inventory;
  tma::inventory::Site site;
  tma::transport::CurlHttpClient http;
  tma::journal::MemoryJournal journal;
  tma::backup::Services services;

  explicit HttpSite(const tma::test::LabHttp& server) {
    inventory.directory = dir.path().string();
    inventory.storage["local"] = {"local", "local", "backups", "", {}};
    site.name = "shop";
    site.client = "lab";
    site.backup.method = tma::inventory::BackupMethod::http;
    tma::inventory::HttpRequestSpec trigger;
    trigger.url = server.url("/trigger");
    trigger.headers["X-Backup-Token"] = tma::inventory::Secret{"s3cret-token-value", {}, {}};
    site.backup.trigger = trigger;
    site.backup.status_url = server.url("/status/{id}");
    site.backup.done_field = "state";
    site.backup.done_value = "done";
    tma::inventory::Environment prod;
    prod.name = "prod";
    prod.url = server.url("/");
    site.environments.push_back(prod);
    services.http = &http;
    services.http_poll_interval = 100ms;
    services.http_poll_timeout = 1500ms;
    services.make_transport = [](const tma::inventory::Environment&) {
      return tma::core::Result<std::unique_ptr<tma::transport::Transport>>(
          tl::unexpected(tma::core::Error{tma::core::ErrorKind::internal, "no transport for http"}));
    };
  }
  tma::backup::BackupOutcome backup() {
    tma::journal::Run run(journal, "backup");
    services.run = &run;
    auto outcome = tma::backup::run_backup(inventory, site, site.environments.front(), {}, services);
    services.run = nullptr;
    return outcome;
  }
  std::size_t listed() {
    tma::backup::LocalStore store((dir.path() / "backups").string());
    return store.list("shop", "prod")->backups.size();
  }
};

} // namespace

TEST_CASE("http backup: trigger, poll, store the archive", "[integration][backup]") {
  // One server hands out the archive; the other runs the backup and names the archive's URL.
  tma::test::LabHttp server(json{{"/dump.sql", {{"body", "CREATE TABLE t (a INT);\n-- Dump completed on 2026-11-29 01:02:03\n"}}}});
  tma::test::LabHttp real(json{
      {"/trigger", {{"body", R"({"id":"r-42"})"}}},
      {"/status/r-42",
       {{"fail_times", 2}, {"fail_status", 202}, {"body", json{{"state", "done"}, {"archive", server.url("/dump.sql")}}.dump()}}}});
  HttpSite shop(real);
  auto outcome = shop.backup();
  INFO((outcome.error ? outcome.error->message : ""));
  REQUIRE(outcome.ok());
  CHECK(outcome.manifest->remote_id == "r-42");
  REQUIRE(outcome.manifest->artifacts.size() == 1);
  CHECK(outcome.manifest->artifacts[0].name == "dump.sql");
  CHECK(outcome.manifest->artifacts[0].kind == tma::backup::ArtifactKind::database);
  CHECK(shop.listed() == 1);
  auto requests = real.requests();
  REQUIRE(requests.size() >= 4); // trigger + 3 polls
  CHECK(requests[0].at("method") == "POST");
  CHECK(requests[0].at("headers").at("X-Backup-Token") == "s3cret-token-value");
  CHECK(real.hits("/status/r-42") == 3);
  // The secret never reaches the journal.
  for (const auto& e : shop.journal.events()) CHECK(e.data.dump().find("s3cret") == std::string::npos);
}

TEST_CASE("http backup: the remote side reports a failure", "[integration][backup]") {
  tma::test::LabHttp server(json{{"/trigger", {{"body", R"({"id":"r-7"})"}}},
                                 {"/status/r-7", {{"body", R"({"state":"failed","message":"quota exceeded"})"}}}});
  HttpSite shop(server);
  auto outcome = shop.backup();
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->message.find("quota exceeded") != std::string::npos);
  CHECK(shop.listed() == 0);
  auto events = shop.journal.events();
  CHECK(std::any_of(events.begin(), events.end(), [](const auto& e) { return e.type == "backup.failed"; }));
}

TEST_CASE("http backup: polling times out", "[integration][backup]") {
  tma::test::LabHttp server(json{{"/trigger", {{"body", R"({"id":"r-9"})"}}},
                                 {"/status/r-9", {{"body", R"({"state":"running"})"}}}});
  HttpSite shop(server);
  auto outcome = shop.backup();
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->kind == tma::core::ErrorKind::timeout);
  CHECK(shop.listed() == 0);
}

TEST_CASE("http backup: Ctrl-C during a poll interval stops the wait", "[integration][backup]") {
  tma::test::LabHttp server(json{{"/trigger", {{"body", R"({"id":"r-7"})"}}},
                                 {"/status/r-7", {{"body", R"({"state":"running"})"}}}});
  HttpSite shop(server);
  // An hour between polls: the backup ends only if Ctrl-C cuts the wait short (else ctest's timeout).
  shop.services.http_poll_interval = 1h;
  shop.services.http_poll_timeout = 3h;
  tma::core::set_interrupted_for_testing(false);
  std::thread ctrl_c([&server] {
    while (server.hits("/status/r-7") == 0) std::this_thread::sleep_for(10ms);
    std::this_thread::sleep_for(50ms); // in the wait after the first poll
    tma::core::set_interrupted_for_testing(true);
  });
  auto outcome = shop.backup();
  ctrl_c.join();
  tma::core::set_interrupted_for_testing(false);
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->kind == tma::core::ErrorKind::interrupted);
  CHECK(server.hits("/status/r-7") == 1);
  CHECK(shop.listed() == 0);
}

TEST_CASE("http backup: a failed trigger is retried with the same run id", "[integration][backup]") {
  tma::test::LabHttp server(json{{"/trigger", {{"fail_times", 2}, {"fail_status", 503}, {"body", R"({"id":"r-1"})"}}},
                                 {"/status/r-1", {{"body", R"({"state":"done"})"}}}});
  HttpSite shop(server);
  auto outcome = shop.backup();
  INFO((outcome.error ? outcome.error->message : ""));
  REQUIRE(outcome.ok());
  CHECK(server.hits("/trigger") == 3);
  std::set<std::string> run_ids;
  for (const auto& r : server.requests()) {
    if (r.at("path") == "/trigger") run_ids.insert(r.at("headers").at("X-Tma-Run").get<std::string>());
  }
  CHECK(run_ids.size() == 1);
  CHECK(outcome.manifest->remote_id == "r-1");
  CHECK(outcome.manifest->artifacts.empty());
  CHECK(shop.listed() == 1);
}
