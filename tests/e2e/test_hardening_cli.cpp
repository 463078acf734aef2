// Hostile input end to end (issue 16): the built binary on inventories that used to crash, pass the
// check and fail later, or leak a secret once JSON-escaped.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using tma::test::run_tma;

namespace {

const std::string k_minimal = R"(clients:
  acme:
    contract: {model: on_demand, rate: 90}
sites:
  www:
    client: acme
    cms: wordpress
    environments:
      prod: {url: "https://acme.example", ssh: "deploy@web1", path: /srv/www}
)";

} // namespace

TEST_CASE("a secret holding a quote and a backslash never appears in JSON output", "[e2e]") {
  const std::string canary = "CNRY\"q\\zz";
  tma::test::TempDir dir;
  // An HTTP-only environment on a closed loopback port: tma check fails fast, and prints the URL.
  auto path = dir.write("sites.yaml", R"(clients:
  acme:
    contract: {model: on_demand, rate: 90}
sites:
  www:
    client: acme
    cms: wordpress
    environments:
      prod: {url: "http://127.0.0.1:9/?k=${TMA_CANARY}"}
)");
  std::map<std::string, std::optional<std::string>> env{{"TMA_CANARY", canary}};
  const std::string escaped = nlohmann::json(canary).dump(); // "CNRY\"q\\zz"
  for (const auto& args : std::vector<std::vector<std::string>>{{"sites", "-v", "-i", path, "--format", "json"},
                                                                {"check", "-v", "-i", path, "--format", "json"}}) {
    auto r = run_tma(args, env);
    INFO(args[0] << ": " << r.out << r.err);
    CHECK((r.exit_code == 0 || r.exit_code == 2 || r.exit_code == 4));
    for (const auto& form : {canary, escaped.substr(1, escaped.size() - 2), std::string("CNRY")}) {
      CHECK(r.out.find(form) == std::string::npos);
      CHECK(r.err.find(form) == std::string::npos);
    }
    auto doc = nlohmann::json::parse(r.out);
    CHECK(doc.dump().find("?k=***") != std::string::npos);
  }
}

TEST_CASE("hostile inventories fail tma inventory check with exit 78 and a position", "[e2e]") {
  tma::test::TempDir dir;
  struct Row {
    std::string name;
    std::string text;
    std::string message;
  };
  auto huge = std::string(30000, 'a');
  auto minimal_with = [&](const std::string& from, const std::string& to) {
    auto text = k_minimal;
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  const Row rows[] = {
      // Used to overflow the stack inside std::regex (SIGSEGV).
      {"long-host.yaml", minimal_with("web1", huge + "!"), ":9:48: sites.www.environments.prod.ssh: '"},
      {"long-option.yaml", k_minimal + "    ssh: {options: [\"Ciphers=" + huge + " x\"]}\n",
       ":10:21: sites.www.ssh.options[0]: ssh option 'Ciphers': the value may only hold"},
      {"timeout.yaml", "defaults: {command_timeout: 20000d}\n" + k_minimal,
       ":1:29: defaults.command_timeout: duration '20000d' is out of range (1s..7d)"},
      {"path.yaml", minimal_with("/srv/www", "/srv/caf\xe9"), ":9:77: invalid UTF-8 (byte 0xE9)"},
      {"xauth.yaml", k_minimal + "    ssh: {options: [ForwardX11=yes, XAuthLocation=/tmp/evil.sh]}\n",
       ":10:21: sites.www.ssh.options[0]: ssh option 'ForwardX11' is not one tma passes on"},
      {"ref.yaml", "journal: {ref: refs/../../x}\n" + k_minimal, ":1:16: journal.ref: 'refs/../../x' is not a valid git reference"},
      {"two-docs.yaml", k_minimal + "---\nclients: {}\n", ":11:1: a second YAML document"},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    auto path = dir.write(row.name, row.text);
    auto r = run_tma({"inventory", "check", "-i", path});
    CHECK(r.exit_code == 78);
    CHECK(r.err.find(path + row.message) != std::string::npos);
  }
}
