#pragma once
// The front door: help for `tma`, `tma help [COMMAND...]`, every `--help` footer (examples, exit
// codes), did-you-mean for unknown commands and options, and parse errors in tma's words rather
// than CLI11's. Also the walk over the command tree that completions and the man page share.

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace tma::cli {

/// Add `tma help [COMMAND...]` and the footers (examples, global options, exit codes) of every
/// command. Call after every other command is set up.
void setup_help(CLI::App& app);

/// Before CLI11 parses: `tma` alone prints the help (exit 0); an unknown command name is a usage
/// error with a suggestion (exit 64). Empty when parsing should go on.
std::optional<int> before_parse(CLI::App& app, const std::vector<std::string>& args);

/// A parse error in tma's words: unknown options get a did-you-mean from the options of the command
/// being parsed; CLI11's internal wording of validators is replaced.
std::string describe_parse_error(CLI::App& app, const CLI::ParseError& error);

/// Every visible command of the tree, depth first: its path (`hours log`) and the app.
struct CommandNode {
  std::vector<std::string> path;
  const CLI::App* app = nullptr;
};
std::vector<CommandNode> command_tree(const CLI::App& root);

/// The long and short names (`--site`, `-s`) of the visible options of `command`.
std::vector<std::string> option_names(const CLI::App& command);

/// True when the option named `name` of `command` takes a value.
bool option_takes_value(const CLI::App& command, const std::string& name);

/// tma.1 in roff, from the command tree (generated at build time, installed by the package).
std::string render_man_page(const CLI::App& root);

} // namespace tma::cli
