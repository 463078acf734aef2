// `tma sites`: list the selected sites.
#include <tma/report/sites.hpp>

#include "cli/commands.hpp"

namespace tma::cli {

void setup_sites(CLI::App& app, Context& context) {
  auto* sites = app.add_subcommand("sites", "List sites: client, cms, environments, tags, schedules");
  auto selection = std::make_shared<inventory::Selection>();
  auto format = std::make_shared<report::Format>(report::Format::table);
  auto fields = std::make_shared<std::vector<std::string>>();
  add_selection(*sites, *selection);
  add_format(*sites, *format, false, true);
  add_fields(*sites, *fields);
  sites->callback([&context, selection, format, fields] {
    // -v: one row per environment (the second table of the text output) instead of per site; csv
    // and --fields then address that table.
    bool per_environment = context.global.verbose > 0;
    auto table_of = [per_environment](const std::vector<const inventory::Site*>& list) {
      return per_environment ? report::environments_table(list) : report::sites_table(list);
    };
    selected_columns(table_of({}), *format, *fields);
    auto chosen = selected_sites(context, *selection, inventory::EmptySelection::all_sites);
    if (selection->env) {
      // --env keeps the sites that have that environment, like every other command.
      auto targets = inventory::select_targets(chosen, *selection);
      if (!targets) throw core::UsageError(targets.error().message);
      std::vector<const inventory::Site*> with_env;
      for (const auto& t : *targets) with_env.push_back(t.site);
      chosen = with_env;
    }
    context.print_warnings();
    if (*format == report::Format::json) {
      report::print_json(report::sites_json(chosen));
    } else if (*format == report::Format::csv || !fields->empty()) {
      report::print(render_listing(table_of(chosen), *format, *fields, context.colour()));
    } else {
      report::print(report::sites_table(chosen).render(context.colour()));
      if (per_environment) report::print("\n" + report::environments_table(chosen).render(context.colour()));
    }
  });
}

} // namespace tma::cli
