#include <tma/inventory/select.hpp>

#include <algorithm>
#include <cstdint>
#include <set>

#include <fmt/format.h>

#include <tma/core/text.hpp>

namespace tma::inventory {
namespace {

std::string unknown(std::string_view what, const std::string& name, const std::vector<std::string>& candidates) {
  auto message = fmt::format("unknown {} '{}'", what, name);
  if (auto hint = core::suggest(name, candidates)) message += fmt::format(" (did you mean '{}'?)", *hint);
  return message;
}

} // namespace

tl::expected<Shard, std::string> parse_shard(std::string_view text) {
  auto expected = fmt::format("bad shard '{}': expected K/N with 1 <= K <= N <= 1000 (e.g. 2/4)", text);
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return tl::unexpected(expected);
  auto number = [](std::string_view digits) -> std::optional<int> {
    if (digits.empty() || digits.size() > 4) return std::nullopt;
    int value = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    return value;
  };
  auto k = number(text.substr(0, slash));
  auto n = number(text.substr(slash + 1));
  if (!k || !n || *n < 1 || *n > 1000 || *k < 1 || *k > *n) return tl::unexpected(expected);
  return Shard{*k, *n};
}

int shard_of(std::string_view site_name, int count) {
  std::uint64_t hash = 14695981039346656037ULL; // FNV-1a 64: simple and fixed forever
  for (unsigned char c : site_name) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  // FNV's low bits are poorly mixed (modulo 8, similar names crowd some shards by 15 %): MurmurHash3's
  // 64-bit finalizer spreads every input bit over all output bits.
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  hash ^= hash >> 33;
  return static_cast<int>(hash % static_cast<std::uint64_t>(count)) + 1;
}

core::Result<std::vector<const Site*>> select_sites(const Inventory& inventory, const Selection& selection,
                                                    EmptySelection empty) {
  if (!selection.any() && empty == EmptySelection::error) {
    return core::fail(core::ErrorKind::usage, "no sites selected: give --site NAME, --client NAME, --tag TAG or --all");
  }
  std::vector<std::string> site_names, client_ids, tags;
  for (const auto& s : inventory.sites) {
    site_names.push_back(s.name);
    tags.insert(tags.end(), s.tags.begin(), s.tags.end());
  }
  for (const auto& c : inventory.clients) client_ids.push_back(c.id);
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());

  // Every name given must mean something: a typo must not silently select nothing.
  for (const auto& pattern : selection.sites) {
    bool matched = std::any_of(site_names.begin(), site_names.end(),
                               [&](const std::string& n) { return core::glob_match(pattern, n); });
    if (!matched) {
      if (core::has_glob(pattern)) return core::fail(core::ErrorKind::usage, fmt::format("no site matches '{}'", pattern));
      return core::fail(core::ErrorKind::usage, unknown("site", pattern, site_names));
    }
  }
  for (const auto& id : selection.clients) {
    if (!inventory.client(id)) return core::fail(core::ErrorKind::usage, unknown("client", id, client_ids));
  }
  for (const auto& tag : selection.tags) {
    if (!std::binary_search(tags.begin(), tags.end(), tag)) return core::fail(core::ErrorKind::usage, unknown("tag", tag, tags));
  }

  std::vector<const Site*> out;
  for (const auto& site : inventory.sites) {
    bool keep = true;
    if (!selection.sites.empty()) {
      keep = keep && std::any_of(selection.sites.begin(), selection.sites.end(),
                                 [&](const std::string& p) { return core::glob_match(p, site.name); });
    }
    if (!selection.clients.empty()) {
      keep = keep && std::find(selection.clients.begin(), selection.clients.end(), site.client) != selection.clients.end();
    }
    if (!selection.tags.empty()) {
      keep = keep && std::any_of(selection.tags.begin(), selection.tags.end(), [&](const std::string& t) {
               return std::find(site.tags.begin(), site.tags.end(), t) != site.tags.end();
             });
    }
    if (keep) out.push_back(&site);
  }
  if (out.empty()) return core::fail(core::ErrorKind::usage, "the selection matches no site (filters combine with AND)");
  if (selection.shard) {
    std::erase_if(out, [&](const Site* site) { return shard_of(site->name, selection.shard->count) != selection.shard->index; });
  }
  return out;
}

core::Result<std::vector<Target>> select_targets(const std::vector<const Site*>& sites, const Selection& selection) {
  std::vector<Target> out;
  std::set<std::string> env_names;
  for (const auto* site : sites) {
    for (const auto& env : site->environments) {
      env_names.insert(env.name);
      if (!selection.env || env.name == *selection.env) out.push_back(Target{site, &env});
    }
  }
  if (selection.env && out.empty()) {
    return core::fail(core::ErrorKind::usage,
                      unknown("environment", *selection.env, std::vector<std::string>(env_names.begin(), env_names.end())) +
                          " for the selected sites");
  }
  return out;
}

} // namespace tma::inventory
