#pragma once
// PRIVATE to src/connectors: readers of a tool's JSON that never throw. What a server sends is
// checked, not trusted: a missing or mistyped member reads as empty, and the caller decides.

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <tma/core/json.hpp>

namespace tma::connectors::detail {

inline const nlohmann::json* member(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}
// The connectors' name for core::json_string, kept so that it reads with the other *_of readers here.
inline std::string text_of(const nlohmann::json& object, const char* key) { return core::json_string(object, key); }
inline long long_of(const nlohmann::json& object, const char* key) {
  const auto* v = member(object, key);
  return v != nullptr && v->is_number_integer() ? v->get<long>() : 0;
}
inline bool bool_of(const nlohmann::json& object, const char* key) {
  const auto* v = member(object, key);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}
inline const nlohmann::json& array_of(const nlohmann::json& object, const char* key) {
  static const nlohmann::json empty = nlohmann::json::array();
  const auto* v = member(object, key);
  return v != nullptr && v->is_array() ? *v : empty;
}
/// A tool's numeric id as the journal keeps it (`"41"`): digits only, so that it can go into a URL
/// path or a number. Journals are synced between machines: their text is checked, not trusted.
inline std::optional<long> numeric_id(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}
inline const nlohmann::json& object_of(const nlohmann::json& object, const char* key) {
  static const nlohmann::json empty = nlohmann::json::object();
  const auto* v = member(object, key);
  return v != nullptr && v->is_object() ? *v : empty;
}

/// `object[key].name` ("" when absent): how tools name a linked object.
inline std::string name_of(const nlohmann::json& object, const char* key) { return text_of(object_of(object, key), "name"); }

inline std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

} // namespace tma::connectors::detail
