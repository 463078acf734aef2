#include <tma/backup/tar_check.hpp>

#include <deque>

#include <fmt/format.h>

namespace tma::backup {

namespace {

constexpr std::size_t k_max_problems = 20;
constexpr std::size_t k_max_symlinks = 100000; ///< keeps memory bounded on a hostile archive
constexpr int k_max_link_hops = 40;            ///< as the kernel's ELOOP limit

std::vector<std::string> components(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    auto part = path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!part.empty() && part != ".") out.emplace_back(part);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

bool has_dot_dot(std::string_view path) {
  for (const auto& part : components(path)) {
    if (part == "..") return true;
  }
  return false;
}

std::string parent_dir(const std::string& name) {
  auto slash = name.rfind('/');
  return slash == std::string::npos ? std::string() : name.substr(0, slash);
}

} // namespace

std::string normalise_entry_name(std::string_view name) {
  std::string out;
  for (const auto& part : components(name)) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out.empty() ? std::string(".") : out;
}

bool stays_inside(std::string_view base, std::string_view path) {
  if (path.empty()) return true;
  if (path.front() == '/') return false;
  int depth = 0;
  for (auto p : {base, path}) {
    for (const auto& part : components(p)) {
      if (part == "..") {
        if (--depth < 0) return false;
      } else {
        ++depth;
      }
    }
  }
  return true;
}

void EntryChecker::problem(std::string text) {
  if (m_problems.size() < k_max_problems) m_problems.push_back(std::move(text));
}

std::string EntryChecker::through_symlink(const std::string& name) const {
  if (m_symlinks.empty()) return {};
  for (auto slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
    auto prefix = name.substr(0, slash);
    if (m_symlinks.count(prefix) != 0) return prefix;
  }
  return {};
}

bool EntryChecker::resolves_inside(const std::string& dir, const std::string& target) const {
  // Walk as the kernel would: each component that is a symbolic link of the archive is replaced by
  // its target, relative to the directory holding it; `..` above the root is an escape.
  std::vector<std::string> stack;
  std::deque<std::string> pending;
  for (auto& part : components(dir)) pending.push_back(std::move(part));
  for (auto& part : components(target)) pending.push_back(std::move(part));
  int hops = 0;
  std::string joined;
  while (!pending.empty()) {
    auto part = std::move(pending.front());
    pending.pop_front();
    if (part == "..") {
      if (stack.empty()) return false;
      stack.pop_back();
      continue;
    }
    stack.push_back(std::move(part));
    if (m_symlinks.empty()) continue;
    joined.clear();
    for (const auto& s : stack) {
      if (!joined.empty()) joined += '/';
      joined += s;
    }
    auto link = m_symlinks.find(joined);
    if (link == m_symlinks.end()) continue;
    if (++hops > k_max_link_hops || link->second.empty() || link->second.front() == '/') return false;
    stack.pop_back();
    auto parts = components(link->second);
    pending.insert(pending.begin(), parts.begin(), parts.end());
  }
  return true;
}

void EntryChecker::check(EntryType type, std::string_view raw_name, std::string_view link) {
  ++m_entries;
  std::string shown(raw_name);
  if (raw_name.empty()) return problem("entry without a name");
  if (raw_name.front() == '/') return problem(fmt::format("absolute path '{}'", shown));
  if (has_dot_dot(raw_name)) return problem(fmt::format("path with '..' '{}'", shown));
  auto name = normalise_entry_name(raw_name);
  switch (type) {
    case EntryType::device:
    case EntryType::fifo:
    case EntryType::socket: return problem(fmt::format("device, FIFO or socket '{}'", shown));
    case EntryType::other: return problem(fmt::format("unsupported entry type '{}'", shown));
    default: break;
  }
  if (auto via = through_symlink(name); !via.empty()) {
    return problem(fmt::format("'{}' goes through the symbolic link '{}'", shown, via));
  }
  if (m_symlinks.count(name) != 0) {
    return problem(fmt::format("'{}' comes again after a symbolic link of the same name", shown));
  }
  if (name == "." && type != EntryType::directory) return problem(fmt::format("'{}' is not a directory", shown));
  if (type == EntryType::hardlink) {
    std::string target(link);
    if (target.empty() || target.front() == '/' || has_dot_dot(target)) {
      return problem(fmt::format("hard link '{}' to '{}' outside the archive", shown, target));
    }
    if (auto via = through_symlink(normalise_entry_name(target)); !via.empty()) {
      return problem(fmt::format("hard link '{}' to '{}' goes through the symbolic link '{}'", shown, target, via));
    }
    return;
  }
  if (type == EntryType::symlink) {
    std::string target(link);
    if (target.empty() || target.front() == '/' || !resolves_inside(parent_dir(name), target)) {
      return problem(fmt::format("symbolic link '{}' -> '{}' points outside", shown, target));
    }
    if (m_symlinks.size() >= k_max_symlinks) {
      return problem(fmt::format("more than {} symbolic links", k_max_symlinks));
    }
    m_symlinks.emplace(name, std::move(target));
  }
}

void EntryChecker::finish() {
  for (const auto& [name, target] : m_symlinks) {
    if (!resolves_inside(parent_dir(name), target)) {
      problem(fmt::format("symbolic link '{}' -> '{}' points outside", name, target));
    }
  }
}

} // namespace tma::backup
