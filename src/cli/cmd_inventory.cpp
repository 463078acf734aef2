// `tma inventory check`: validate the inventory and print what it holds.
#include <fmt/format.h>

#include <tma/core/exit_code.hpp>
#include <tma/report/sites.hpp>

#include "cli/commands.hpp"

namespace tma::cli {

void setup_inventory(CLI::App& app, Context& context) {
  auto* inventory = app.add_subcommand("inventory", "Validate the inventory (sites.yaml)");
  inventory->require_subcommand(1);
  auto* check = inventory->add_subcommand("check", "Validate every key; print counts and warnings (exit 78 on errors)");
  auto format = std::make_shared<report::Format>(report::Format::table);
  add_format(*check, *format);
  check->callback([&context, format] {
    auto path = inventory::inventory_path(context.global.inventory);
    auto result = inventory::load_inventory(path);
    std::vector<inventory::Diagnostic> no_diagnostics;
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
