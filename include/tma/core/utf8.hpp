#pragma once
// UTF-8 checks and the neutralising of control characters: what reaches a terminal is text to read,
// never a command to the terminal (escape sequences, a bell, a carriage return that hides a line).

#include <cstddef>
#include <string>
#include <string_view>

namespace tma::core {

/// Offset of the first byte that does not begin a well-formed UTF-8 sequence (overlong forms,
/// surrogates and code points above U+10FFFF are not well-formed), or npos when `text` is valid.
std::size_t invalid_utf8_offset(std::string_view text);

inline bool is_valid_utf8(std::string_view text) { return invalid_utf8_offset(text) == std::string_view::npos; }

/// `text` with invalid bytes written as `\xE9`, for error messages about such text.
std::string escape_invalid_utf8(std::string_view text);

/// Whether `text` holds a C0/C1 control character, DEL, a Unicode line/paragraph separator or a
/// bidirectional override (what `printable` rewrites); `allow_newline` lets `\n` and `\t` through.
bool has_control_characters(std::string_view text, bool allow_newline = false);

enum class Newlines { keep, escape };

/// `text` safe to print: every control character (C0 but `\n` and `\t` when `newlines` is keep,
/// DEL, C1, U+2028/U+2029, bidirectional overrides) becomes a visible escape (`\x1b`, `\n`,
/// `\u202e`), and every invalid UTF-8 byte `\xE9`. Valid text without them is returned unchanged.
std::string printable(std::string_view text, Newlines newlines = Newlines::keep);

} // namespace tma::core
