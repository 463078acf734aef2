#pragma once
// Shared helpers for parsers of CMS tool output: locating the JSON document in output that PHP
// notices may precede, and reading WP-CLI's loosely typed fields. Pure functions.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <tma/core/error.hpp>

namespace tma::cms {

/// Parse the JSON document in `output` produced by `what` (e.g. `wp plugin list --format=json`).
/// Lines before the first line starting with `[` or `{` (PHP `Deprecated:`/`Notice:` noise printed to
/// stdout) are skipped. Empty output or invalid JSON is an `ErrorKind::cms` error naming `what` and
/// quoting the start of the output.
core::Result<nlohmann::json> parse_tool_json(std::string_view output, std::string_view what);

/// A field read as text whatever its JSON type: strings as is, numbers printed, `null`/`false`/absent
/// as "" (WP-CLI turns nulls into "" and some fields are booleans on some rows).
std::string loose_string(const nlohmann::json& object, std::string_view key);

/// The first `max` bytes of `text` on one line, for error messages; never cuts a UTF-8 sequence and
/// is always valid UTF-8 (see valid_utf8).
std::string excerpt(std::string_view text, std::size_t max = 80);

/// `text` with every byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD, so that
/// text scraped from pages or tool output (Latin-1 readmes, binary garbage) can go into JSON, whose
/// serialiser rejects invalid UTF-8.
std::string valid_utf8(std::string_view text);

} // namespace tma::cms
