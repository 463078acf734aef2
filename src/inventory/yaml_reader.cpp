#include "inventory/yaml_reader.hpp"

#include "inventory/shapes.hpp"

#include <algorithm>

#include <fmt/format.h>

#include <tma/core/redact.hpp>
#include <tma/core/text.hpp>
#include <tma/core/units.hpp>
#include <tma/core/utf8.hpp>
#include <tma/inventory/interpolate.hpp>

namespace tma::inventory::detail {
namespace {

std::string_view node_kind(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Map: return "a mapping";
  case YAML::NodeType::Sequence: return "a list";
  case YAML::NodeType::Null: return "empty";
  case YAML::NodeType::Scalar: return "a scalar";
  case YAML::NodeType::Undefined: return "missing";
  }
  return "unknown";
}

// The raw scalar text, expanded; every error recorded.
std::optional<std::string> scalar(LoadContext& ctx, const YAML::Node& node, const std::string& key,
                                  std::string_view expected) {
  if (!node.IsScalar()) {
    ctx.error(node, key, fmt::format("expected {}, got {}", expected, node_kind(node)));
    return std::nullopt;
  }
  const auto& raw = node.Scalar();
  if (raw.find('\0') != std::string::npos) {
    ctx.error(node, key, "value contains a NUL byte");
    return std::nullopt;
  }
  auto expanded = interpolate(raw, ctx.env);
  if (!expanded) {
    ctx.error(node, key, expanded.error());
    return std::nullopt;
  }
  for (const auto& secret : expanded->expansions) {
    if (secret.size() < core::k_min_secret_length) {
      ctx.warn(node, key,
               fmt::format("a value from the environment is shorter than {} characters and will not be redacted",
                           core::k_min_secret_length));
    }
    core::register_secret(secret);
  }
  // After expansion: a `${VAR}` or a YAML escape ("\e", "\x00") can bring what the raw file may not.
  if (!core::is_valid_utf8(expanded->value)) {
    ctx.error(node, key, "value is not valid UTF-8");
    return std::nullopt;
  }
  if (core::has_control_characters(expanded->value, true)) {
    ctx.error(node, key, "value contains a control character (only newlines and tabs are allowed)");
    return std::nullopt;
  }
  return std::move(expanded->value);
}

} // namespace

Mark LoadContext::mark(const YAML::Node& node) const {
  auto m = node.Mark();
  if (m.is_null()) return Mark{file, 0, 0};
  return Mark{file, m.line + 1, m.column + 1};
}

void LoadContext::error(const YAML::Node& node, const std::string& key, const std::string& message) {
  errors.push_back(Diagnostic{mark(node), key, core::redact(message)});
}

void LoadContext::warn(const YAML::Node& node, const std::string& key, const std::string& message) {
  warnings.push_back(Diagnostic{mark(node), key, core::redact(message)});
}

std::string join_key(const std::string& parent, const std::string& child) {
  return parent.empty() ? child : parent + "." + child;
}

std::optional<std::string> read_string(LoadContext& ctx, const YAML::Node& node, const std::string& key) {
  return scalar(ctx, node, key, "a string");
}

std::optional<int> read_int(LoadContext& ctx, const YAML::Node& node, const std::string& key, int min, int max) {
  auto text = scalar(ctx, node, key, "an integer");
  if (!text) return std::nullopt;
  auto parsed = parse_int(*text);
  if (!parsed) {
    ctx.error(node, key, fmt::format("expected an integer, got '{}'", *text));
    return std::nullopt;
  }
  int value = *parsed;
  if (value < min || value > max) {
    ctx.error(node, key, fmt::format("{} is out of range ({}..{})", value, min, max));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> read_bool(LoadContext& ctx, const YAML::Node& node, const std::string& key) {
  auto text = scalar(ctx, node, key, "true or false");
  if (!text) return std::nullopt;
  if (*text == "true") return true;
  if (*text == "false") return false;
  ctx.error(node, key, fmt::format("expected true or false, got '{}'", *text));
  return std::nullopt;
}

std::optional<core::Seconds> read_duration(LoadContext& ctx, const YAML::Node& node, const std::string& key,
                                           DurationBounds bounds) {
  auto text = scalar(ctx, node, key, "a duration");
  if (!text) return std::nullopt;
  auto value = core::parse_duration(*text);
  if (!value) {
    ctx.error(node, key, value.error());
    return std::nullopt;
  }
  if (*value < bounds.min || *value > bounds.max) {
    ctx.error(node, key,
              fmt::format("duration '{}' is out of range ({}..{})", *text, core::format_duration(bounds.min),
                          core::format_duration(bounds.max)));
    return std::nullopt;
  }
  return *value;
}

std::optional<core::Date> read_date(LoadContext& ctx, const YAML::Node& node, const std::string& key) {
  auto text = scalar(ctx, node, key, "a date");
  if (!text) return std::nullopt;
  auto value = core::parse_date(*text);
  if (!value) {
    ctx.error(node, key, value.error());
    return std::nullopt;
  }
  return *value;
}

std::optional<core::Cents> read_money(LoadContext& ctx, const YAML::Node& node, const std::string& key) {
  auto text = scalar(ctx, node, key, "an amount");
  if (!text) return std::nullopt;
  auto value = core::parse_money(*text);
  if (!value) {
    ctx.error(node, key, value.error());
    return std::nullopt;
  }
  return *value;
}

std::optional<std::vector<std::string>> read_string_list(LoadContext& ctx, const YAML::Node& node,
                                                         const std::string& key, bool allow_scalar) {
  if (allow_scalar && node.IsScalar()) {
    auto one = read_string(ctx, node, key);
    if (!one) return std::nullopt;
    return std::vector<std::string>{*one};
  }
  if (!node.IsSequence()) {
    ctx.error(node, key, fmt::format("expected a list of strings, got {}", node_kind(node)));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    auto item = read_string(ctx, node[i], fmt::format("{}[{}]", key, i));
    if (item) out.push_back(*item);
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::string> read_choice(LoadContext& ctx, const YAML::Node& node, const std::string& key,
                                       const std::vector<std::string>& choices) {
  auto text = scalar(ctx, node, key, "a string");
  if (!text) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), *text) != choices.end()) return text;
  auto message = fmt::format("'{}' is not one of {}", *text, core::join(choices, ", "));
  if (auto hint = core::suggest(*text, choices)) message += fmt::format(" (did you mean '{}'?)", *hint);
  ctx.error(node, key, message);
  return std::nullopt;
}

bool check_name(LoadContext& ctx, const YAML::Node& node, const std::string& key, const std::string& name) {
  if (is_name(name)) return true;
  if (!name.empty() && name[0] == '-') {
    ctx.error(node, key, fmt::format("name '{}' must not start with '-'", name));
  } else {
    ctx.error(node, key,
              fmt::format("name '{}' may only contain letters, digits, '.', '_' and '-', starting with a letter or digit",
                          name));
  }
  return false;
}

std::vector<Entry> named_entries(LoadContext& ctx, const YAML::Node& node, const std::string& key) {
  std::vector<Entry> out;
  if (!node.IsMap()) {
    ctx.error(node, key, fmt::format("expected a mapping, got {}", node_kind(node)));
    return out;
  }
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      ctx.error(it->first, key, "keys must be plain names");
      continue;
    }
    auto name = it->first.Scalar();
    if (!seen.insert(name).second) {
      ctx.error(it->first, join_key(key, name), fmt::format("duplicate key '{}'", name));
      continue;
    }
    out.push_back(Entry{name, it->first, it->second});
  }
  return out;
}

MapReader::MapReader(LoadContext& ctx, const YAML::Node& node, std::string key)
    : m_ctx(ctx), m_node(node), m_key(std::move(key)) {
  if (!node.IsMap()) {
    ctx.error(node, m_key, fmt::format("expected a mapping, got {}", node_kind(node)));
    return;
  }
  m_ok = true;
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      ctx.error(it->first, m_key, "keys must be plain names");
      continue;
    }
    if (!seen.insert(it->first.Scalar()).second) {
      ctx.error(it->first, sub(it->first.Scalar()), fmt::format("duplicate key '{}'", it->first.Scalar()));
    }
  }
}

YAML::Node MapReader::get(const std::string& name) {
  m_known.insert(name);
  if (!m_ok) return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = m_node.begin(); it != m_node.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == name) return it->second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

bool MapReader::has(const std::string& name) const {
  if (!m_ok) return false;
  for (auto it = m_node.begin(); it != m_node.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == name) return true;
  }
  return false;
}

void MapReader::finish() {
  if (!m_ok) return;
  std::vector<std::string> known(m_known.begin(), m_known.end());
  for (auto it = m_node.begin(); it != m_node.end(); ++it) {
    if (!it->first.IsScalar() || m_known.count(it->first.Scalar())) continue;
    const auto& name = it->first.Scalar();
    auto message = std::string("unknown key");
    if (auto hint = core::suggest(name, known)) message += fmt::format(" (did you mean '{}'?)", *hint);
    m_ctx.error(it->first, sub(name), message);
  }
}

std::optional<std::string> MapReader::string(const std::string& name, bool required) {
  auto node = get(name);
  if (!node.IsDefined()) {
    if (required && m_ok) m_ctx.error(m_node, sub(name), "required key is missing");
    return std::nullopt;
  }
  return read_string(m_ctx, node, sub(name));
}

std::optional<int> MapReader::integer(const std::string& name, int min, int max) {
  auto node = get(name);
  if (!node.IsDefined()) return std::nullopt;
  return read_int(m_ctx, node, sub(name), min, max);
}

std::optional<bool> MapReader::boolean(const std::string& name) {
  auto node = get(name);
  if (!node.IsDefined()) return std::nullopt;
  return read_bool(m_ctx, node, sub(name));
}

std::optional<core::Seconds> MapReader::duration(const std::string& name, DurationBounds bounds) {
  auto node = get(name);
  if (!node.IsDefined()) return std::nullopt;
  return read_duration(m_ctx, node, sub(name), bounds);
}

std::optional<core::Date> MapReader::date(const std::string& name, bool required) {
  auto node = get(name);
  if (!node.IsDefined()) {
    if (required && m_ok) m_ctx.error(m_node, sub(name), "required key is missing");
    return std::nullopt;
  }
  return read_date(m_ctx, node, sub(name));
}

std::optional<core::Cents> MapReader::money(const std::string& name, bool required) {
  auto node = get(name);
  if (!node.IsDefined()) {
    if (required && m_ok) m_ctx.error(m_node, sub(name), "required key is missing");
    return std::nullopt;
  }
  return read_money(m_ctx, node, sub(name));
}

std::optional<std::vector<std::string>> MapReader::strings(const std::string& name, bool allow_scalar) {
  auto node = get(name);
  if (!node.IsDefined()) return std::nullopt;
  return read_string_list(m_ctx, node, sub(name), allow_scalar);
}

std::optional<std::string> MapReader::choice(const std::string& name, const std::vector<std::string>& choices) {
  auto node = get(name);
  if (!node.IsDefined()) return std::nullopt;
  return read_choice(m_ctx, node, sub(name), choices);
}

Secret MapReader::secret(const std::string& name) {
  Secret secret;
  auto value_node = get(name);
  auto command_node = get(name + "_command");
  if (value_node.IsDefined() && command_node.IsDefined()) {
    m_ctx.error(command_node, sub(name + "_command"), fmt::format("give either '{}' or '{}_command', not both", name, name));
    return secret;
  }
  if (value_node.IsDefined()) {
    secret.mark = m_ctx.mark(value_node);
    if (auto v = read_string(m_ctx, value_node, sub(name))) {
      secret.value = *v;
      core::register_secret(secret.value); // a literal secret in the file is still a secret
    }
  } else if (command_node.IsDefined()) {
    secret.mark = m_ctx.mark(command_node);
    if (auto argv = read_string_list(m_ctx, command_node, sub(name + "_command"))) {
      if (argv->empty()) m_ctx.error(command_node, sub(name + "_command"), "the command must not be empty");
      secret.command = *argv;
    }
  }
  return secret;
}

} // namespace tma::inventory::detail
