#include "cli/front_door.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include <tma/core/error.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/core/text.hpp>
#include <tma/core/version.hpp>
#include <tma/report/output.hpp>

namespace tma::cli {
namespace {

const char* k_exit_codes = R"(Exit codes: 0 ok; bits 1 findings (--fail-on, failed smoke test), 2 a site failed, 4 a site
unreachable; 64 usage; 75 locked by another tma; 78 inventory error; 130 interrupted.)";

const char* k_global = "Global options (before or after the command): -i, --inventory FILE; -v, --verbose; "
                       "-q, --quiet; --no-color.";

// Two or three examples per command, by path; commands without an entry show none.
const std::map<std::string, std::vector<std::string>>& examples() {
  static const std::map<std::string, std::vector<std::string>> table{
      {"", {"tma inventory check", "tma check --all --format json", "tma update --site acme-www --dry-run"}},
      {"inventory check", {"tma inventory check", "tma inventory check -i clients/sites.yaml --secrets"}},
      {"sites", {"tma sites --client acme", "tma sites --tag critical-path --format json"}},
      {"ping", {"tma ping --all", "tma ping --site 'acme-*' --env prod"}},
      {"check", {"tma check --all", "tma check --all --env prod --by component",
                 "tma check --client acme --fail-on any --junit check.xml"}},
      {"health", {"tma health --all", "tma health --all --record   # from cron, every few minutes"}},
      {"perf", {"tma perf --site acme-www", "tma perf --all --env prod --format json --fail-on never"}},
      {"backup", {"tma backup --site acme-www", "tma backup --all --due   # from cron, nightly"}},
      {"backups", {"tma backups --site acme-www", "tma backups --all --format json"}},
      {"restore", {"tma restore --site acme-www --from prod --to preprod --db-only",
                   "tma restore --site acme-www --to prod --backup 20261102T023000Z --yes"}},
      {"update", {"tma update --site acme-www --dry-run", "tma update --env preprod --all --yes",
                  "tma update --promote --all --yes"}},
      {"hours log", {"tma hours log --client acme 1h30 \"plugin conflict on checkout\""}},
      {"hours summary", {"tma hours summary --month 2026-11"}},
      {"incident open", {"tma incident open --site acme-www --severity major \"checkout down\""}},
      {"summary", {"tma summary --client acme --month 2026-11"}},
      {"report", {"tma report --client acme --month 2026-11", "tma report --all --quarter 2026-Q4 --format pdf",
                  "tma report --client acme --format json --out - | jq .glance"}},
      {"run", {"tma run --due   # every 5 minutes from cron or a systemd timer",
               "tma run --due --dry-run", "tma run --due --sync --shard $CI_NODE_INDEX/$CI_NODE_TOTAL"}},
      {"schedule", {"tma schedule", "tma schedule --job update --format json"}},
      {"journal", {"tma journal --since 7d", "tma journal --type update.finished --format json"}},
      {"completion", {"tma completion bash > /etc/bash_completion.d/tma", "tma completion fish > ~/.config/fish/completions/tma.fish"}},
  };
  return table;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::string current;
  for (char c : text) {
    if (c == ' ') {
      if (!current.empty()) words.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

std::string path_text(const std::vector<std::string>& path) { return core::join(path, " "); }

std::string footer_for(const std::vector<std::string>& path) {
  std::string out;
  auto found = examples().find(path_text(path));
  if (found != examples().end()) {
    out += "Examples:\n";
    for (const auto& e : found->second) out += "  " + e + "\n";
    out += "\n";
  }
  if (!path.empty()) out += std::string(k_global) + "\n";
  out += k_exit_codes;
  out += "\n";
  return out;
}

bool visible(const CLI::App* app) { return !app->get_group().empty() && !app->get_name().empty(); }

void walk(const CLI::App& app, std::vector<std::string> path, std::vector<CommandNode>& out) {
  out.push_back({path, &app});
  for (const auto* sub : app.get_subcommands([](const CLI::App* a) { return visible(a); })) {
    auto next = path;
    next.push_back(sub->get_name());
    walk(*sub, std::move(next), out);
  }
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const auto* sub : app.get_subcommands([](const CLI::App* a) { return visible(a); })) names.push_back(sub->get_name());
  return names;
}

// The command being parsed when an error struck: the deepest parsed subcommand.
CLI::App* deepest(CLI::App& app) {
  CLI::App* current = &app;
  for (;;) {
    auto parsed = current->get_subcommands();
    if (parsed.empty()) return current;
    current = parsed.back();
  }
}

std::string display(const std::vector<std::string>& path) {
  return path.empty() ? std::string("tma") : "tma " + path_text(path);
}

std::vector<std::string> path_of(const CLI::App* app) {
  std::vector<std::string> path;
  for (auto* a = app; a != nullptr && a->get_parent() != nullptr; a = a->get_parent()) path.insert(path.begin(), a->get_name());
  return path;
}

std::string roff_escape(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

} // namespace

std::vector<CommandNode> command_tree(const CLI::App& root) {
  std::vector<CommandNode> out;
  walk(root, {}, out);
  return out;
}

std::vector<std::string> option_names(const CLI::App& command) {
  std::vector<std::string> names;
  for (const auto* opt : command.get_options([](const CLI::Option* o) { return o->nonpositional() && !o->get_group().empty(); })) {
    for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
    for (const auto& s : opt->get_snames()) names.push_back("-" + s);
  }
  return names;
}

bool option_takes_value(const CLI::App& command, const std::string& name) {
  for (const auto* opt : command.get_options()) {
    if (opt->check_name(name)) return opt->get_items_expected_max() > 0;
  }
  return false;
}

void setup_help(CLI::App& app) {
  auto* help = app.add_subcommand("help", "Show the help of tma or of one command (tma help hours log)");
  auto words = std::make_shared<std::vector<std::string>>();
  help->add_option("command", *words, "The command, and its subcommand")->type_name("COMMAND");
  auto man = std::make_shared<bool>(false);
  help->add_flag("--man", *man, "Print the manual page (roff), as the build installs it")->group("");
  help->callback([&app, words, man] {
    if (*man) {
      report::print(render_man_page(app));
      return;
    }
    const CLI::App* target = &app;
    std::vector<std::string> path;
    for (const auto& word : *words) {
      const CLI::App* next = nullptr;
      for (const auto* sub : target->get_subcommands([](const CLI::App* a) { return visible(a); })) {
        if (sub->get_name() == word) next = sub;
      }
      if (next == nullptr) {
        auto hint = core::suggest(word, command_names(*target));
        throw core::UsageError(fmt::format("'{}' is not a command of {}{}", word, display(path),
                                           hint ? fmt::format(" (did you mean '{}'?)", *hint) : std::string()));
      }
      target = next;
      path.push_back(word);
    }
    // Not target->help(): CLI11 hands that to the subcommand being parsed, which for `tma help`
    // alone is `help` itself.
    report::print(target->get_formatter()->make_help(target, target->get_name(), CLI::AppFormatMode::Normal));
  });
  for (const auto& node : command_tree(app)) {
    const_cast<CLI::App*>(node.app)->footer(footer_for(node.path));
  }
}

std::optional<int> before_parse(CLI::App& app, const std::vector<std::string>& args) {
  // The first word that is neither an option nor the value of -i/--inventory names the command.
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "-i" || a == "--inventory") {
      ++i;
      continue;
    }
    if (a == "--") break;
    if (!a.empty() && a[0] == '-') {
      if (a == "-h" || a == "--help" || a == "-V" || a == "--version") return std::nullopt;
      continue;
    }
    // Hidden commands (`__complete`) run too; only visible ones are suggested.
    if (!app.get_subcommands([&a](const CLI::App* sub) { return sub->get_name() == a; }).empty()) return std::nullopt;
    auto names = command_names(app);
    auto hint = core::suggest(a, names);
    report::eprint(fmt::format("tma: error: unknown command '{}'{}\nRun 'tma help' for the list of commands.\n", a,
                               hint ? fmt::format(" (did you mean '{}'?)", *hint) : std::string()));
    return core::exit_code::usage;
  }
  // No command at all: the help, on stdout, as `tma help` prints it.
  report::print(app.help());
  return 0;
}

std::string describe_parse_error(CLI::App& app, const CLI::ParseError& error) {
  auto* command = deepest(app);
  auto where = display(path_of(command));
  std::string text = error.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr) {
    auto colon = text.find(": ");
    auto words = words_of(colon == std::string::npos ? text : text.substr(colon + 2));
    std::string out;
    for (auto it = words.rbegin(); it != words.rend(); ++it) {
      const auto& word = *it;
      if (word.empty()) continue;
      if (!out.empty()) out += "\n";
      if (word[0] == '-') {
        auto name = word.substr(0, word.find('='));
        auto hint = core::suggest(name, option_names(*command));
        out += fmt::format("{} has no option '{}'{}", where, name,
                           hint ? fmt::format(" (did you mean '{}'?)", *hint) : std::string());
      } else {
        auto hint = core::suggest(word, command_names(*command));
        out += fmt::format("{}: unexpected argument '{}'{}", where, word,
                           hint ? fmt::format(" (did you mean '{}'?)", *hint) : std::string());
      }
    }
    return out + fmt::format("\nRun '{} --help' for its options.", where);
  }
  if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && text.find("subcommand") != std::string::npos) {
    return fmt::format("{} needs a subcommand: {}\nRun '{} --help' for usage.", where, core::join(command_names(*command), ", "),
                       where);
  }
  return fmt::format("{}\nRun '{} --help' for usage.", text, where);
}

std::string render_man_page(const CLI::App& root) {
  std::string out;
  out += fmt::format(".TH TMA 1 \"\" \"tma {}\" \"User Commands\"\n", core::version());
  out += ".SH NAME\ntma \\- maintenance orchestrator for a portfolio of web sites\n";
  out += ".SH SYNOPSIS\n.B tma\n[\\fB\\-i\\fR \\fIFILE\\fR] [\\fB\\-v\\fR|\\fB\\-q\\fR] [\\fB\\-\\-no\\-color\\fR] "
         "\\fICOMMAND\\fR [\\fIOPTIONS\\fR]\n";
  out += ".SH DESCRIPTION\n" + roff_escape(root.get_description()) +
         ". It reads a YAML inventory of clients and sites (sites.yaml) and checks versions and "
         "vulnerabilities, takes and restores backups, updates preprod then prod, monitors health, and "
         "records hours and incidents against each contract.\n";
  out += ".SH COMMANDS\n";
  for (const auto& node : command_tree(root)) {
    if (node.path.empty() || node.path.front() == "help") continue;
    out += ".TP\n.B tma " + roff_escape(path_text(node.path)) + "\n" + roff_escape(node.app->get_description()) + "\n";
    for (const auto* opt : node.app->get_options([](const CLI::Option* o) { return !o->get_group().empty(); })) {
      if (opt->get_lnames().empty() && opt->get_snames().empty() && !opt->get_positional()) continue;
      auto name = opt->get_name(true, true);
      auto value = opt->get_items_expected_max() > 0 && opt->nonpositional()
                       ? " " + (opt->get_option_text().empty() ? std::string("VALUE") : opt->get_option_text())
                       : std::string();
      out += ".RS\n.TP\n\\fB" + roff_escape(name) + "\\fR" + roff_escape(value) + "\n" + roff_escape(opt->get_description()) +
             "\n.RE\n";
    }
  }
  out += ".SH EXIT STATUS\n" + roff_escape(k_exit_codes) + "\n";
  out += ".SH ENVIRONMENT\n.TP\n.B TMA_INVENTORY\nThe inventory when \\-i is not given (else sites.yaml in the current "
         "directory or its parents).\n.TP\n.B NO_COLOR\nNo colour in tables.\n.TP\n.B TMA_CACHE_DIR\nWhere answers of "
         "WordPress.org and the vulnerability feed are cached.\n";
  out += ".SH SEE ALSO\n.BR ssh (1),\n.BR ssh_config (5);\nthe documentation in /usr/share/doc/tma.\n";
  return out;
}

} // namespace tma::cli
