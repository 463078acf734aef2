// `tma inventory check`: validate the inventory and print what it holds.
#include <fmt/format.h>

#include <tma/connectors/check.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/report/sites.hpp>
#include <tma/transport/secret.hpp>

#include "cli/commands.hpp"

namespace tma::cli {

void setup_inventory(CLI::App& app, Context& context) {
  auto* inventory = app.add_subcommand("inventory", "Validate the inventory (sites.yaml)");
  inventory->require_subcommand(1);
  auto* check = inventory->add_subcommand("check", "Validate every key; print counts and warnings (exit 78 on errors)");
  auto format = std::make_shared<report::Format>(report::Format::table);
  auto secrets = std::make_shared<bool>(false);
  auto tools = std::make_shared<bool>(false);
  add_format(*check, *format);
  check->add_flag("--secrets", *secrets, "Also run every *_command secret and report those that fail (values stay hidden)");
  check->add_flag("--connectors", *tools,
                  "Also ask each connector's tool about the names its mapping uses (projects, trackers, priorities, "
                  "activities, the hours issue); read-only");
  check->callback([&context, format, secrets, tools] {
    auto path = inventory::inventory_path(context.global.inventory);
    auto result = inventory::load_inventory(path);
    std::vector<inventory::Diagnostic> no_diagnostics;
    if (result && *secrets) {
      auto ran = transport::check_secret_commands(result->inventory);
      for (const auto& message : ran.errors) no_diagnostics.push_back(inventory::Diagnostic{{}, "", message});
      if (!ran.errors.empty()) result = tl::unexpected(no_diagnostics);
      else if (*format != report::Format::json) report::print(fmt::format("{} secret command{} ran\n", ran.ran, ran.ran == 1 ? "" : "s"));
    }
    if (result && *tools) {
      // One tool down or refusing the secret fails the check, and the other connectors are still asked.
      std::vector<inventory::Diagnostic> problems;
      transport::CurlHttpClient http;
      for (const auto& connector : result->inventory.connectors) {
        auto checked = connectors::check_mapping(connector, http);
        problems.insert(problems.end(), checked.problems.begin(), checked.problems.end());
        if (!checked.not_checked.empty()) {
          if (*format != report::Format::json) {
            report::print(fmt::format("connector {}: mapping not checked: {}\n", connector.name, checked.not_checked));
          }
        } else if (checked.error) {
          problems.push_back(inventory::Diagnostic{connector.mark, "connectors." + connector.name, checked.error->message});
        } else if (*format != report::Format::json && checked.problems.empty()) {
          report::print(fmt::format("connector {}: mapping ok ({} HTTP requests)\n", connector.name, checked.http_requests));
        }
      }
      if (!problems.empty()) result = tl::unexpected(std::move(problems));
    }
    const auto& errors = result ? no_diagnostics : result.error();
    const auto& warnings = result ? result->warnings : no_diagnostics;
    auto counts = result ? std::optional(report::count(result->inventory)) : std::nullopt;
    if (*format == report::Format::json) {
      report::print_json(report::inventory_check_json(path, counts ? &*counts : nullptr, warnings, errors));
    } else if (result) {
      report::print(fmt::format("{}: ok: {} client{}, {} site{}, {} environment{}, {} warning{}\n", path,
                                counts->clients, counts->clients == 1 ? "" : "s", counts->sites,
                                counts->sites == 1 ? "" : "s", counts->environments,
                                counts->environments == 1 ? "" : "s", warnings.size(), warnings.size() == 1 ? "" : "s"));
      if (!context.global.quiet) {
        for (const auto& w : warnings) report::print("warning: " + w.str() + "\n");
      }
    } else {
      for (const auto& e : errors) report::eprint("tma: error: " + e.str() + "\n");
      report::eprint(fmt::format("tma: {} error{} in {}\n", errors.size(), errors.size() == 1 ? "" : "s", path));
    }
    context.exit_code = result ? core::exit_code::ok : core::exit_code::config;
  });
}

} // namespace tma::cli
