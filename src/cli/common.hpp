#pragma once
// Options every subcommand shares, declared once so they behave the same everywhere:
// global flags (-i, -v, -q, --no-color), selection (--site/--client/--tag/--all/--env), --format.

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include <tma/inventory/load.hpp>
#include <tma/inventory/select.hpp>
#include <tma/report/output.hpp>

namespace tma::cli {

struct GlobalOptions {
  std::optional<std::string> inventory;
  int verbose = 0;
  bool quiet = false;
  bool no_color = false;
};

/// State shared by the subcommands of one invocation.
class Context {
public:
  GlobalOptions global;
  int exit_code = 0;

  /// The inventory, loaded on first use; throws ConfigError listing every problem.
  const inventory::Loaded& loaded();
  const inventory::Inventory& inventory() { return loaded().inventory; }
  bool colour() const;
  /// Print warnings of the loaded inventory on stderr (unless -q).
  void print_warnings();

private:
  std::optional<inventory::Loaded> m_loaded;
};

/// Add --site, --client, --tag, --all, --env to `command`, filling `selection`.
void add_selection(CLI::App& command, inventory::Selection& selection);

/// Add `--format table|json` (plus markdown when `markdown` is true) to `command`.
void add_format(CLI::App& command, report::Format& format, bool markdown = false);

/// Resolve `selection` against the loaded inventory; throws UsageError on unknown names.
std::vector<const inventory::Site*> selected_sites(Context& context, const inventory::Selection& selection,
                                                   inventory::EmptySelection empty);

} // namespace tma::cli
