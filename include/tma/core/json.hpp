#pragma once
// Readers of JSON that never throw, for the documents tma reads from disk, the journal and servers:
// their text is checked, not trusted.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tma::core {

/// `object[key]` when `object` is a JSON object holding a string at `key`; "" otherwise (no such
/// member, null, a number, a boolean, an array or object, or `object` itself no object). A number
/// is not turned into text: callers that accept `42` for `"42"` say so where they read it.
std::string json_string(const nlohmann::json& object, std::string_view key);

} // namespace tma::core
