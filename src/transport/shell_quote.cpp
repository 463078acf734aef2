#include <tma/transport/shell_quote.hpp>

namespace tma::transport {

std::string shell_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('\'');
  for (char c : text) {
    if (c == '\'') {
      // Close the quote, add an escaped quote, reopen: the only character single quotes cannot hold.
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) out.push_back(' ');
    out += shell_quote(arg);
  }
  return out;
}

std::string remote_command(const std::vector<std::string>& argv, std::string_view path) {
  if (path.empty()) return shell_join(argv);
  return "cd " + shell_quote(path) + " && " + shell_join(argv);
}

std::vector<std::string> shell_split_quoted(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  bool in_word = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\'') {
      in_word = true;
      auto end = text.find('\'', i + 1);
      if (end == std::string_view::npos) end = text.size();
      current.append(text.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '\\' && i + 1 < text.size()) {
      in_word = true;
      current.push_back(text[++i]);
    } else if (c == ' ') {
      if (in_word) words.push_back(std::move(current));
      current.clear();
      in_word = false;
    } else {
      in_word = true;
      current.push_back(c);
    }
  }
  if (in_word) words.push_back(std::move(current));
  return words;
}

} // namespace tma::transport
