#pragma once
// Private helpers of the inventory loader: typed reads of yaml-cpp nodes that record a Diagnostic
// (file:line:col + key path) instead of throwing, so one pass reports every mistake in the file.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include <tma/inventory/load.hpp>

namespace tma::inventory::detail {

/// State of one load: where diagnostics go, how `${VAR}` expands.
struct LoadContext {
  std::string file;
  EnvLookup env;
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;

  Mark mark(const YAML::Node& node) const;
  void error(const YAML::Node& node, const std::string& key, const std::string& message);
  void warn(const YAML::Node& node, const std::string& key, const std::string& message);
};

/// `parent.child`, or `child` at the top.
std::string join_key(const std::string& parent, const std::string& child);

/// A string scalar after `${VAR}` expansion; values expanded from the environment are registered
/// as secrets. Rejects non-scalars and NUL bytes. nullopt after recording an error.
std::optional<std::string> read_string(LoadContext& ctx, const YAML::Node& node, const std::string& key);
std::optional<int> read_int(LoadContext& ctx, const YAML::Node& node, const std::string& key, int min, int max);
std::optional<bool> read_bool(LoadContext& ctx, const YAML::Node& node, const std::string& key);
/// The range a duration key accepts: every duration is bounded at load, so none overflows later
/// (`200000d` as milliseconds) or reaches ssh as a value it rejects. docs/inventory.md lists them.
struct DurationBounds {
  core::Seconds min;
  core::Seconds max;
};
inline constexpr core::Seconds k_day{86400};
/// Any other duration (contract hours, SLA targets, TLS warnings, cache TTL): up to ten years.
inline constexpr DurationBounds k_duration_bounds{core::Seconds{0}, k_day * 3650};
inline constexpr DurationBounds k_command_timeout_bounds{core::Seconds{1}, k_day * 7};
inline constexpr DurationBounds k_connect_timeout_bounds{core::Seconds{1}, core::Seconds{3600}};
/// http.timeout and checks[].max_time.
inline constexpr DurationBounds k_request_timeout_bounds{core::Seconds{1}, k_day};

std::optional<core::Seconds> read_duration(LoadContext& ctx, const YAML::Node& node, const std::string& key,
                                           DurationBounds bounds = k_duration_bounds);
std::optional<core::Date> read_date(LoadContext& ctx, const YAML::Node& node, const std::string& key);
std::optional<core::Cents> read_money(LoadContext& ctx, const YAML::Node& node, const std::string& key);
/// A list of strings; a single scalar is accepted as a one-element list when `allow_scalar`.
std::optional<std::vector<std::string>> read_string_list(LoadContext& ctx, const YAML::Node& node,
                                                         const std::string& key, bool allow_scalar = false);
/// One of `choices`, with a did-you-mean in the error.
std::optional<std::string> read_choice(LoadContext& ctx, const YAML::Node& node, const std::string& key,
                                       const std::vector<std::string>& choices);
/// A name used as an identifier (site, client, env, storage): `[A-Za-z0-9][A-Za-z0-9._-]*`.
bool check_name(LoadContext& ctx, const YAML::Node& node, const std::string& key, const std::string& name);

/// Reads the keys of one mapping, checking type, duplicates and unknown keys (on destruction of
/// nothing: call `finish()`), so each section's code lists the keys it knows in one place.
class MapReader {
public:
  MapReader(LoadContext& ctx, const YAML::Node& node, std::string key);
  bool ok() const { return m_ok; }
  const std::string& key() const { return m_key; }
  const YAML::Node& node() const { return m_node; }
  LoadContext& context() { return m_ctx; }
  /// The value at `name` (marking it known), or an undefined node when absent.
  YAML::Node get(const std::string& name);
  bool has(const std::string& name) const;
  /// `key.name`.
  std::string sub(const std::string& name) const { return join_key(m_key, name); }
  /// Report keys that no get() asked for, with a suggestion from the known ones.
  void finish();

  std::optional<std::string> string(const std::string& name, bool required = false);
  std::optional<int> integer(const std::string& name, int min, int max);
  std::optional<bool> boolean(const std::string& name);
  std::optional<core::Seconds> duration(const std::string& name, DurationBounds bounds = k_duration_bounds);
  std::optional<core::Date> date(const std::string& name, bool required = false);
  std::optional<core::Cents> money(const std::string& name, bool required = false);
  std::optional<std::vector<std::string>> strings(const std::string& name, bool allow_scalar = false);
  std::optional<std::string> choice(const std::string& name, const std::vector<std::string>& choices);
  /// A secret given as `name: value` or `name_command: [argv...]` (both is an error).
  Secret secret(const std::string& name);

private:
  LoadContext& m_ctx;
  YAML::Node m_node;
  std::string m_key;
  bool m_ok = false;
  std::set<std::string> m_known;
};

} // namespace tma::inventory::detail

namespace tma::inventory::detail {

/// One entry of a mapping whose keys are names (sites, clients, environments...).
struct Entry {
  std::string name;
  YAML::Node key_node;
  YAML::Node value;
};

/// Entries of the mapping at `node` (an error if it is not one), duplicates reported once each.
std::vector<Entry> named_entries(LoadContext& ctx, const YAML::Node& node, const std::string& key);

} // namespace tma::inventory::detail
