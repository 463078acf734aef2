#pragma once
// Options every subcommand shares, declared once so they behave the same everywhere:
// global flags (-i, -v, -q, --no-color), selection (--site/--client/--tag/--all/--env), --format.

#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include <tma/inventory/load.hpp>
#include <tma/journal/journal.hpp>
#include <tma/inventory/select.hpp>
#include <tma/report/output.hpp>
#include <tma/run/runner.hpp>

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

  /// This invocation's journal: the inventory's (`journal:` settings), opened on first use;
  /// throws ConfigError when its repository cannot be opened.
  journal::Journal& journal();
  /// Start this invocation's journal run (one per invocation) on journal(), or on `store`, which
  /// then becomes this invocation's journal. The run stays open after the command returns:
  /// app.cpp records its `run.finished` with the exit code the process returns (finish_run), so
  /// the journal never states an exit code the process did not have. The run's events are committed
  /// then, in one commit; commands that must commit earlier (journal before acting, before
  /// notifying) call `flush()`.
  journal::Run& start_run(std::string command);
  journal::Run& start_run(std::unique_ptr<journal::Journal> store, std::string command);
  /// Finish the run, if one was started, with exit code `code`; returns the exit code to use: `code`,
  /// or a failure (bit 2) when `run.finished` could not be recorded, after an error on stderr.
  int finish_run(int code);

private:
  std::optional<inventory::Loaded> m_loaded;
  std::unique_ptr<journal::Journal> m_journal;
  std::optional<journal::Run> m_run; ///< declared after m_journal: destroyed before it
};

/// The runner's options for `--jobs`/`--per-host`: its progress line on stderr when stderr is a
/// TTY, never under `-q`.
run::RunOptions run_options(const Context& context, int jobs, int per_host);

/// Add --site, --client, --tag, --all, --env to `command`, filling `selection`.
void add_selection(CLI::App& command, inventory::Selection& selection);

/// Add `--format table|json` (plus markdown when `markdown` is true, csv when `csv` is true) to `command`.
void add_format(CLI::App& command, report::Format& format, bool markdown = false, bool csv = false);

/// Check that an option's value is one of `names`; the error lists them and suggests the closest
/// (`--by: 'compnent' is not one of site, component (did you mean 'component'?)`).
CLI::Validator one_of(std::vector<std::string> names);

/// Add `--fields NAME,...` to a listing command: the columns of its table and csv output, in that
/// order (field names: report::field_name of the headers). Not for json: its schema stays whole.
void add_fields(CLI::App& command, std::vector<std::string>& fields);

/// `table` with `--fields` applied (all of it when `fields` is empty). Throws UsageError for an
/// unknown field, or for --fields with a format other than table and csv. Commands call it first
/// on an empty table of the same shape, so a typo costs no run.
report::Table selected_columns(const report::Table& table, report::Format format, const std::vector<std::string>& fields);

/// A listing's table as `format` asks (csv, else the aligned table), with `--fields` applied.
std::string render_listing(const report::Table& table, report::Format format, const std::vector<std::string>& fields,
                           bool colour);

/// Print a listing's table as `format` asks (see render_listing), ending with a newline; an empty
/// aligned table prints `nothing` instead (`No incidents match.`). JSON is the caller's.
void print_listing(const report::Table& table, report::Format format, const std::vector<std::string>& fields, bool colour,
                   std::string_view nothing);

/// Resolve `selection` against the loaded inventory; throws UsageError on unknown names.
std::vector<const inventory::Site*> selected_sites(Context& context, const inventory::Selection& selection,
                                                   inventory::EmptySelection empty);

} // namespace tma::cli
