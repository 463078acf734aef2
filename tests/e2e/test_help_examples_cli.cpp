// Every example printed in tma's help is a command line the same help accepts: each option it
// uses is one of its command's (or a global one), and each required option is there. Read from
// the binary's own help output, as a user reads it.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/run_tma.hpp"

namespace {

struct CommandHelp {
  std::set<std::string> options;                    ///< `-s`, `--site`, ...
  std::vector<std::set<std::string>> required;      ///< the names of each REQUIRED option
  std::vector<std::string> subcommands;
  std::vector<std::string> examples;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string first_word(const std::string& text) {
  auto start = text.find_first_not_of(' ');
  if (start == std::string::npos) return "";
  return text.substr(start, text.find(' ', start) - start);
}

// CLI11's help: option lines start with two spaces and a dash ("  -s,--site NAME REQUIRED  ..."),
// section titles end with ':' at column 0, a blank line ends the examples.
CommandHelp parse_help(const std::string& text) {
  CommandHelp help;
  std::string section;
  for (const auto& line : lines_of(text)) {
    if (!line.empty() && line[0] != ' ') {
      section = line;
      continue;
    }
    if (line.rfind("  -", 0) == 0) {
      std::set<std::string> names;
      std::istringstream parts(first_word(line));
      for (std::string name; std::getline(parts, name, ',');) names.insert(name);
      help.options.insert(names.begin(), names.end());
      if (line.find(" REQUIRED") != std::string::npos) help.required.push_back(names);
    } else if (line.size() > 2 && line[2] == ' ') {
      continue; // a description wrapped onto its own line
    } else if (section == "Subcommands:" && line.size() > 2) {
      help.subcommands.push_back(first_word(line));
    } else if (section == "Examples:" && line.size() > 2) {
      help.examples.push_back(line.substr(2));
    }
  }
  return help;
}

// Shell words of an example: quotes grouped, a `# comment` dropped.
std::vector<std::string> words_of(const std::string& example) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : example) {
    if (quote != 0) {
      if (c == quote) quote = 0;
      else word += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else if (c == '#' && !in_word) {
      break;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

std::string joined(const std::vector<std::string>& path) {
  std::string out;
  for (const auto& w : path) out += (out.empty() ? "" : " ") + w;
  return out;
}

void walk(const std::vector<std::string>& path, std::map<std::string, CommandHelp>& out) {
  std::vector<std::string> args{"help"};
  args.insert(args.end(), path.begin(), path.end());
  auto shown = path.empty() ? tma::test::run_tma({}) : tma::test::run_tma(args);
  INFO(joined(path) << "\n" << shown.out << shown.err);
  REQUIRE(shown.exit_code == 0);
  auto help = parse_help(shown.out);
  out[joined(path)] = help;
  for (const auto& sub : help.subcommands) {
    auto next = path;
    next.push_back(sub);
    walk(next, out);
  }
}

} // namespace

TEST_CASE("every example in tma's help uses its command's options and gives the required ones", "[e2e]") {
  std::map<std::string, CommandHelp> commands;
  walk({}, commands);
  const auto& globals = commands.at("").options;
  REQUIRE(globals.count("--inventory") == 1);
  REQUIRE(commands.count("restore") == 1);
  CHECK(commands.at("restore").required.size() == 2); // --site and --to: the parse reads them

  int examples = 0;
  for (const auto& [path, help] : commands) {
    for (const auto& example : help.examples) {
      INFO("tma help " << path << ": " << example);
      ++examples;
      auto words = words_of(example);
      REQUIRE(!words.empty());
      REQUIRE(words[0] == "tma");
      // The command the example runs: the longest path of known commands its first words spell.
      std::vector<std::string> command;
      std::size_t i = 1;
      while (i < words.size()) {
        auto next = command;
        next.push_back(words[i]);
        if (!commands.count(joined(next))) break;
        command = next;
        ++i;
      }
      if (!path.empty()) CHECK(joined(command) == path); // a command's examples run that command
      const auto& target = commands.at(joined(command));
      std::set<std::string> given;
      for (; i < words.size(); ++i) {
        const auto& word = words[i];
        if (word.size() < 2 || word[0] != '-') continue; // a value or a positional
        const auto name = word.substr(0, word.find('='));
        CHECK((target.options.count(name) == 1 || globals.count(name) == 1));
        given.insert(name);
      }
      for (const auto& names : target.required) {
        bool present = false;
        for (const auto& name : names) present = present || given.count(name) == 1;
        CHECK(present);
      }
    }
  }
  CHECK(examples >= 30);
}

TEST_CASE("tma help alone prints tma's help, as tma alone does", "[e2e]") {
  auto alone = tma::test::run_tma({});
  auto help = tma::test::run_tma({"help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out == alone.out);
  CHECK(help.out.find("Subcommands:") != std::string::npos);
}
