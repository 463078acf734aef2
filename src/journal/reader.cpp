#include "journal/reader.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include <fmt/format.h>

#include <tma/core/log.hpp>

namespace tma::journal {

namespace {

constexpr long long k_day = 86400;

std::optional<int> number(std::string_view text, std::size_t digits) {
  if (text.size() != digits) return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

long long day_of(SysSeconds t) {
  long long s = t.time_since_epoch().count();
  return s / k_day - (s % k_day < 0 ? 1 : 0);
}

// A line can only match when it contains one of `values` as a JSON string: cheap to test
// before paying for a full parse (site and client names need no JSON escaping). Not for long
// lists (a month-end summary of an agency's hour-bank clients): searching each line for dozens of
// names costs more than parsing the lines of the right type, which Filter::matches then sorts out.
bool may_contain(std::string_view line, const std::vector<std::string>& values, bool prefix) {
  constexpr std::size_t k_max_values = 8;
  if (values.empty() || values.size() > k_max_values) return true;
  for (const auto& v : values) {
    std::string needle = "\"" + v;
    if (!prefix) needle += "\"";
    if (line.find(needle) != std::string_view::npos) return true;
  }
  return false;
}

} // namespace

bool may_match_type(std::string_view line, const std::vector<std::string>& types) {
  if (types.empty()) return true;
  // tma writes keys sorted and compact, so `"type"` is the last key and its value ends the line:
  // one search from the end reads it, where looking for each wanted type in the whole line costs
  // a comparison at every quote of the payload, times the number of types. A line that does not
  // end that way (written by hand, another writer) is left to the parser.
  constexpr std::string_view k_key = "\"type\":\"";
  auto tail = line;
  while (!tail.empty() && (tail.back() == '\r' || tail.back() == ' ' || tail.back() == '\t')) tail.remove_suffix(1);
  if (tail.size() < k_key.size() + 2 || tail.substr(tail.size() - 2) != "\"}") return true;
  tail.remove_suffix(2);
  auto quote = tail.rfind('"');
  if (quote == std::string_view::npos || quote + 1 < k_key.size() || tail.substr(quote + 1 - k_key.size(), k_key.size()) != k_key) {
    return true;
  }
  auto value = tail.substr(quote + 1);
  if (value.find('\\') != std::string_view::npos) return true; // escaped: let the parser decode it
  for (const auto& t : types) {
    std::string_view wanted = t;
    if (wanted.ends_with(".*")) wanted.remove_suffix(1);
    if (wanted.ends_with('.') ? value.starts_with(wanted) : value == wanted) return true;
  }
  return false;
}

namespace {

// tma writes keys sorted, so `"at"` is the second key, after the actor string (which cannot hold
// an unescaped quote): its first occurrence is the event's time. A time outside the filter's
// range skips the line without a full parse; anything unexpected falls through to the parser.
bool may_be_in_range(std::string_view line, const Filter& filter) {
  if (!filter.since && !filter.until) return true;
  constexpr std::string_view k_key = "\",\"at\":\"";
  auto pos = line.find(k_key);
  if (pos == std::string_view::npos || pos + k_key.size() + 20 > line.size()) return true;
  auto at = core::parse_rfc3339(line.substr(pos + k_key.size(), 20));
  if (!at) return true;
  if (filter.since && *at < *filter.since) return false;
  if (filter.until && *at >= *filter.until) return false;
  return true;
}

// Children of `tree` as (name, oid) for subtrees whose name is an `digits`-digit number,
// sorted newest (largest) first.
std::vector<std::pair<int, git_oid>> numbered_subtrees(const git_tree* tree, std::size_t digits) {
  std::vector<std::pair<int, git_oid>> out;
  std::size_t count = git_tree_entrycount(tree);
  for (std::size_t i = 0; i < count; ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(tree, i);
    if (git_tree_entry_type(e) != GIT_OBJECT_TREE) continue;
    if (auto n = number(git_tree_entry_name(e), digits)) out.emplace_back(*n, *git_tree_entry_id(e));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  return out;
}

core::Result<git::Tree> lookup_tree(git_repository* repo, const git_oid& id) {
  git_tree* raw = nullptr;
  int rc = git_tree_lookup(&raw, repo, &id);
  if (rc < 0) return git::failure(rc, "cannot read journal tree");
  return git::Tree(raw);
}

bool newer(const Located& a, const Located& b) {
  if (a.event.at != b.event.at) return a.event.at > b.event.at;
  if (a.file != b.file) return a.file > b.file;
  return a.line > b.line;
}

} // namespace

void parse_line(std::string_view line, const std::string& path, std::size_t line_no, const Filter& filter,
                std::vector<Located>& out) {
  if (line.empty()) return;
  if (!may_match_type(line, filter.types) || !may_contain(line, filter.sites, false) ||
      !may_contain(line, filter.clients, false) || !may_contain(line, filter.envs, false) ||
      !may_contain(line, filter.runs, true)) {
    return;
  }
  if (!may_be_in_range(line, filter)) return;
  auto json = nlohmann::json::parse(line, nullptr, false);
  auto event = json.is_discarded() ? core::Result<Event>(core::fail(core::ErrorKind::io, "not valid JSON"))
                                   : event_from_json(std::move(json));
  if (!event) {
    core::log::warning("journal {}:{}: skipped: {}", path, line_no, event.error().message);
    return;
  }
  if (filter.matches(*event)) out.push_back({std::move(*event), path, line_no});
}

void parse_run_file(std::string_view content, const std::string& path, const Filter& filter,
                    std::vector<Located>& out) {
  std::size_t line_no = 0;
  while (!content.empty()) {
    auto end = content.find('\n');
    std::string_view line = content.substr(0, end);
    content = end == std::string_view::npos ? std::string_view() : content.substr(end + 1);
    parse_line(line, path, ++line_no, filter, out);
  }
}

DayWindow day_window(const Filter& filter) {
  // A file under day D holds events from D up to D + k_max_segment_span (one day), so days
  // before since's day minus one cannot hold a match, nor days after until's day.
  DayWindow window;
  if (filter.since) window.min_day = day_of(*filter.since) - 1;
  if (filter.until) window.max_day = day_of(*filter.until - std::chrono::seconds(1));
  return window;
}

core::Result<void> scan_tree(git_repository* repo, const std::string& ref_name, const Filter& filter,
                             const Visitor& visit) {
  auto tip = git::resolve_ref(repo, ref_name);
  if (!tip) return tl::unexpected(tip.error());
  if (!*tip) return {};
  git_commit* raw_commit = nullptr;
  int rc = git_commit_lookup(&raw_commit, repo, &**tip);
  git::Commit commit(raw_commit);
  if (rc < 0) return git::failure(rc, "cannot read journal commit");
  git_tree* raw_root = nullptr;
  rc = git_commit_tree(&raw_root, commit.get());
  git::Tree root(raw_root);
  if (rc < 0) return git::failure(rc, "cannot read journal tree");
  const git_tree_entry* journal_entry = git_tree_entry_byname(root.get(), "journal");
  if (journal_entry == nullptr || git_tree_entry_type(journal_entry) != GIT_OBJECT_TREE) return {};
  auto journal_tree = lookup_tree(repo, *git_tree_entry_id(journal_entry));
  if (!journal_tree) return tl::unexpected(journal_tree.error());

  auto [min_day, max_day] = day_window(filter);

  std::vector<Located> pending;
  auto emit_from = [&](std::optional<long long> threshold) {
    // Events at or after `threshold` cannot be outranked by any file still unread.
    auto split = std::partition(pending.begin(), pending.end(), [&](const Located& l) {
      return !threshold || l.event.at.time_since_epoch().count() >= *threshold;
    });
    std::sort(pending.begin(), split, newer);
    for (auto it = pending.begin(); it != split; ++it) {
      if (!visit(it->event)) return false;
    }
    pending.erase(pending.begin(), split);
    return true;
  };

  for (const auto& [year, year_id] : numbered_subtrees(journal_tree->get(), 4)) {
    if (min_day && core::days_from_civil({year, 12, 31}) < *min_day) break;
    if (max_day && core::days_from_civil({year, 1, 1}) > *max_day) continue;
    auto year_tree = lookup_tree(repo, year_id);
    if (!year_tree) return tl::unexpected(year_tree.error());
    for (const auto& [month, month_id] : numbered_subtrees(year_tree->get(), 2)) {
      if (month < 1 || month > 12) continue;
      auto m = static_cast<unsigned>(month);
      long long first = core::days_from_civil({year, m, 1});
      long long last = core::days_from_civil(m == 12 ? core::Date{year + 1, 1, 1} : core::Date{year, m + 1, 1}) - 1;
      if (min_day && last < *min_day) break;
      if (max_day && first > *max_day) continue;
      auto month_tree = lookup_tree(repo, month_id);
      if (!month_tree) return tl::unexpected(month_tree.error());
      for (const auto& [day, day_id] : numbered_subtrees(month_tree->get(), 2)) {
        long long d = first + day - 1;
        if (min_day && d < *min_day) break;
        if (max_day && d > *max_day) continue;
        auto day_tree = lookup_tree(repo, day_id);
        if (!day_tree) return tl::unexpected(day_tree.error());
        std::string prefix = fmt::format("journal/{:04}/{:02}/{:02}/", year, month, day);
        std::size_t count = git_tree_entrycount(day_tree->get());
        for (std::size_t i = 0; i < count; ++i) {
          const git_tree_entry* e = git_tree_entry_byindex(day_tree->get(), i);
          std::string_view name = git_tree_entry_name(e);
          if (git_tree_entry_type(e) != GIT_OBJECT_BLOB || name.size() < 6 ||
              name.substr(name.size() - 6) != ".jsonl") {
            continue;
          }
          git_blob* raw_blob = nullptr;
          rc = git_blob_lookup(&raw_blob, repo, git_tree_entry_id(e));
          git::Blob blob(raw_blob);
          if (rc < 0) return git::failure(rc, fmt::format("cannot read {}{}", prefix, name));
          std::string_view content(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                                   static_cast<std::size_t>(git_blob_rawsize(blob.get())));
          parse_run_file(content, prefix + std::string(name), filter, pending);
        }
        if (!emit_from((d + 1) * k_day)) return {};
      }
    }
  }
  emit_from(std::nullopt);
  return {};
}

} // namespace tma::journal
