#include "support/ticketing_lab.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "support/paths.hpp"
#include "support/run_program.hpp"

namespace tma::test {

FakeTicketing::FakeTicketing(const std::string& api, std::vector<std::string> extra, const std::string& seed) {
  std::vector<std::string> argv{lab_python(), std::string(TMA_LAB_DIR) + "/ticketing_server.py", "--api", api,
                                "--port-file", dir.file("port"), "--requests", dir.file("requests.jsonl"), "--state",
                                dir.file("state"), "--control"};
  if (!seed.empty()) argv.insert(argv.end(), {"--seed", dir.write("seed.json", seed)});
  argv.insert(argv.end(), extra.begin(), extra.end());
  process = LabProcess(argv, dir.file("server.log"));
  for (int i = 0; i < 200 && port == 0; ++i) {
    auto text = read_file(dir.file("port"));
    if (!text.empty() && text.back() == '\n') port = std::stoi(text);
    else std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (port == 0) FAIL("the fake " << api << " did not start: " << read_file(dir.file("server.log")));
}

std::string FakeTicketing::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

nlohmann::json FakeTicketing::call(transport::HttpMethod method, const std::string& path, const nlohmann::json& body,
                                   long expect) const {
  transport::HttpRequest r;
  r.method = method;
  r.url = url(path);
  r.max_attempts = 1;
  if (authorize) authorize(r);
  if (!body.is_null()) {
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = body.dump();
  }
  transport::CurlHttpClient client;
  auto response = client.send(r);
  if (!response) FAIL(path << ": " << response.error().message);
  INFO(path << " -> " << response->status << " " << response->body);
  if (expect != 0) REQUIRE(response->status == expect);
  return response->body.empty() ? nlohmann::json() : nlohmann::json::parse(response->body);
}

void FakeTicketing::advance(int seconds) const {
  call(transport::HttpMethod::post, "/__lab/clock", {{"advance", seconds}}, 200);
}

nlohmann::json FakeTicketing::state() const { return call(transport::HttpMethod::get, "/__lab/state", nullptr, 200); }

std::string FakeTicketing::requests_log() const { return read_file(dir.file("requests.jsonl")); }

std::size_t FakeTicketing::logged(const std::string& needle) const {
  std::size_t n = 0;
  auto log = requests_log();
  for (std::size_t at = 0; (at = log.find(needle, at)) != std::string::npos; ++at) ++n;
  return n;
}

std::string connector_inventory(const std::string& connectors_block, const std::string& timezone,
                                const std::string& more_clients) {
  return fmt::format(R"(version: 1
agency: {{name: Lab agency, timezone: {}}}
clients:
  acme:
    contract: {{model: on_demand, rate: 90}}
{}sites:
  acme-www:
    client: acme
    cms: static
    environments:
      prod: {{url: "https://www.acme.example"}}
connectors:
{})",
                     timezone, more_clients, connectors_block);
}

TicketingAgency::TicketingAgency(const std::string& inventory_text,
                                 std::map<std::string, std::optional<std::string>> secrets) {
  REQUIRE(run_program({"git", "-C", dir.path().string(), "init", "-q", "."}).exit_code == 0);
  inventory = dir.write("sites.yaml", inventory_text);
  env = {{"TMA_ACTOR", "Tester <tester@tma.invalid>"}, {"TMA_INVENTORY", std::nullopt}, {"NO_PROXY", "127.0.0.1"},
         {"no_proxy", "127.0.0.1"}, {"http_proxy", std::nullopt}, {"HTTP_PROXY", std::nullopt}};
  for (auto& [k, v] : secrets) env[k] = v;
}

Output TicketingAgency::tma(std::vector<std::string> args, std::map<std::string, std::optional<std::string>> extra) const {
  args.insert(args.begin(), {"-i", inventory});
  auto e = env;
  for (auto& [k, v] : extra) e[k] = v;
  return run_tma(args, e, dir.path().string());
}

nlohmann::json TicketingAgency::sync(std::vector<std::string> extra) const {
  std::vector<std::string> args{"connectors", "sync", "--format", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto out = tma(args);
  INFO(out.out << out.err);
  REQUIRE(out.exit_code == 0);
  return nlohmann::json::parse(out.out)["connectors"][0];
}

nlohmann::json TicketingAgency::requests() const {
  return nlohmann::json::parse(tma({"request", "list", "--format", "json"}).out)["requests"];
}

nlohmann::json TicketingAgency::hours(const std::string& from, const std::string& to) const {
  auto out = tma({"hours", "list", "--from", from, "--to", to, "--format", "json"});
  INFO(out.out << out.err);
  REQUIRE(out.exit_code == 0);
  return nlohmann::json::parse(out.out)["entries"];
}

} // namespace tma::test
