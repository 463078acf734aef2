#include "cli/app.hpp"

#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <tma/core/clock.hpp>
#include <tma/core/error.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/core/log.hpp>
#include <tma/core/redact.hpp>
#include <tma/core/signals.hpp>
#include <tma/core/utf8.hpp>
#include <tma/core/version.hpp>
#include <tma/report/output.hpp>

#include "cli/commands.hpp"
#include "cli/front_door.hpp"

namespace tma::cli {
namespace {

// Every argument is checked at the door: an hour description or incident title that is not UTF-8
// could not be recorded as JSON (the event was lost with an internal error), and a control
// character in it would reach the terminal and forge lines in listings.
void check_arguments(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (!core::is_valid_utf8(arg)) {
      throw core::UsageError(fmt::format("argument {} is not valid UTF-8: '{}'", i, core::escape_invalid_utf8(arg)));
    }
    if (core::has_control_characters(arg)) {
      throw core::UsageError(fmt::format("argument {} contains a control character (a newline, tab or escape): '{}'",
                                         i, core::printable(arg, core::Newlines::escape)));
    }
  }
}

} // namespace

namespace {

// Parse and run the subcommand; the single place where errors become messages and exit codes.
int dispatch(CLI::App& app, int argc, char** argv, Context& context) {
  try {
    check_arguments(argc, argv);
    std::vector<std::string> args(argv + 1, argv + argc);
    if (auto done = before_parse(app, args)) return *done;
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    report::eprint(fmt::format("tma: error: {}\n", describe_parse_error(app, e)));
    return core::exit_code::usage;
  } catch (const core::TmaError& e) {
    report::eprint(fmt::format("tma: error: {}\n", e.what()));
    return e.exit_code();
  } catch (const std::exception& e) {
    report::eprint(fmt::format("tma: internal error: {}\n", e.what()));
    return core::exit_code::internal;
  }
  if (core::interrupted()) return core::exit_code::interrupted;
  return context.exit_code;
}

} // namespace

int run(int argc, char** argv) {
  core::install_signal_handlers();
  core::stop_with_parent_if_asked();
  try {
    core::init_wall_clock();
  } catch (const core::TmaError& e) {
    report::eprint(fmt::format("tma: error: {}\n", e.what()));
    return e.exit_code();
  }
  Context context;
  CLI::App app{"tma: maintenance orchestrator for a portfolio of web sites", "tma"};
  app.set_version_flag("--version,-V", std::string("tma ") + std::string(core::version()));
  app.require_subcommand(0, 1); // `tma` alone prints the help (before_parse)
  app.fallthrough(); // global options may follow the subcommand name
  app.add_option("--inventory,-i", context.global.inventory,
                 "Inventory file (default: $TMA_INVENTORY, else ./sites.yaml)")
      ->type_name("FILE");
  app.add_flag("--verbose,-v", context.global.verbose, "More detail on stderr (repeat for debug)");
  app.add_flag("--quiet,-q", context.global.quiet, "Only errors on stderr");
  app.add_flag("--no-color", context.global.no_color, "No colour (also when NO_COLOR is set)");
  app.parse_complete_callback([&] {
    using core::log::Level;
    if (context.global.quiet) core::log::set_level(Level::error);
    else if (context.global.verbose >= 2) core::log::set_level(Level::debug);
    else if (context.global.verbose == 1) core::log::set_level(Level::info);
  });

  setup_inventory(app, context);
  setup_sites(app, context);
  setup_ping(app, context);
  setup_check(app, context);
  setup_health(app, context);
  setup_perf(app, context);
  setup_visual(app, context);
  setup_init(app, context);
  setup_journal(app, context);
  setup_sync(app, context);
  setup_hours(app, context);
  setup_summary(app, context);
  setup_report(app, context);
  setup_incident(app, context);
  setup_request(app, context);
  setup_connectors(app, context);
  setup_notify(app, context);
  setup_backup(app, context);
  setup_backups(app, context);
  setup_restore(app, context);
  setup_update(app, context);
  setup_run(app, context);
  setup_completion(app, context);
  setup_help(app); // last: it walks the whole tree for the footers

  // The journal records the exit code the process returns, whatever path led to it.
  return context.finish_run(dispatch(app, argc, argv, context));
}

} // namespace tma::cli
