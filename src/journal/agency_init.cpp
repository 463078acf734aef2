#include <tma/journal/agency_init.hpp>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include <tma/journal/git_journal.hpp>

#include <tma/core/atomic_file.hpp>
#include "journal/git_handles.hpp"

namespace tma::journal {

namespace {

constexpr std::string_view k_starter = R"(# tma inventory: the agency, its clients and their sites.
# Every key is described in docs/inventory.md. Replace the example values, then run
# `tma inventory check`. Secrets go in ${VARIABLES}, never in this file.
version: 1

agency:
  name: My Agency
  timezone: Europe/Paris        # calendar months for hours, schedules, report dates
  currency: EUR

defaults:                       # merged into every site unless the site says otherwise
  ssh:                          # user and port: from a site's target, else from your ~/.ssh/config
    connect_timeout: 10s
  backup:                       # `tma backup --due` (from cron) takes one when due, into ./backups
    schedule: "daily 02:30"
    keep: {daily: 7, weekly: 4, monthly: 12}

clients:
  example:                      # the client id used in commands (--client example)
    name: Example Client
    lang: en                    # en | fr: language of the client's reports
    contacts: [{name: Jane Doe, email: jane.doe@example.com}]
    contract:                   # subscription | on_demand | hour_bank
      model: on_demand
      rate: 90.00               # per hour
      increment: 15m            # each entry rounded up to this
      minimum: 30m

sites:
  example-www:                  # the site name used in commands (--site example-www)
    client: example
    cms: wordpress              # wordpress | drupal | composer | static
    preprod: none               # no preprod on purpose; or add one below: updates are tried there first
    environments:
      prod:
        url: https://www.example.com
        ssh: deploy@www.example.com
        path: /var/www/example/current
)";

core::Result<std::string> read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::fail(core::ErrorKind::io, fmt::format("cannot read {}", path.string()));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}


} // namespace

std::string_view starter_inventory() { return k_starter; }

core::Result<InitReport> init_agency(const std::filesystem::path& directory, const std::string& ref) {
  git::ensure_initialised();
  InitReport report;
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return core::fail(core::ErrorKind::io, fmt::format("cannot create {}: {}", directory.string(), ec.message()));
  report.directory = std::filesystem::canonical(directory, ec);
  if (ec) report.directory = directory;

  git_repository* raw = nullptr;
  int rc = git_repository_open_ext(&raw, report.directory.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr);
  git::Repository repo(raw);
  if (rc == GIT_ENOTFOUND) {
    rc = git_repository_init(&raw, report.directory.c_str(), 0);
    repo.reset(raw);
    if (rc < 0) return git::failure(rc, fmt::format("cannot create a git repository in {}", report.directory.string()));
    report.created_repository = true;
  } else if (rc < 0) {
    return git::failure(rc, fmt::format("cannot open {}", report.directory.string()));
  }

  auto inventory = report.directory / "sites.yaml";
  if (!std::filesystem::exists(inventory, ec)) {
    auto written = core::write_atomically(inventory, k_starter);
    if (!written) return tl::unexpected(written.error());
    report.wrote_inventory = true;
  }

  auto gitignore = report.directory / ".gitignore";
  std::string current;
  if (std::filesystem::exists(gitignore, ec)) {
    auto text = read_text(gitignore);
    if (!text) return tl::unexpected(text.error());
    current = std::move(*text);
  }
  std::string added;
  for (auto line : k_gitignore_lines) {
    std::istringstream lines(current);
    bool present = false;
    for (std::string l; std::getline(lines, l);) present = present || l == line;
    if (!present) added += std::string(line) + "\n";
  }
  if (!added.empty()) {
    std::string header = current.empty() ? "# tma local state (backups, caches): never committed\n" : "";
    if (!current.empty() && current.back() != '\n') current += "\n";
    auto written = core::write_atomically(gitignore, current + header + added);
    if (!written) return tl::unexpected(written.error());
    report.updated_gitignore = true;
  }

  auto journal = init_journal_ref({report.directory, ref});
  if (!journal) return tl::unexpected(journal.error());
  return report;
}

} // namespace tma::journal
