#include <tma/core/utf8.hpp>

#include <fmt/format.h>

namespace tma::core {
namespace {

// Length of the well-formed UTF-8 sequence at `pos` and its code point; 0 when the byte there does
// not begin one (RFC 3629, table 3-7 of the Unicode standard).
std::size_t sequence_at(std::string_view text, std::size_t pos, char32_t& code_point) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF; // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;       // overlong
    else if (lead == 0xED) high = 0x9F; // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;       // overlong
    else if (lead == 0xF4) high = 0x8F; // above U+10FFFF
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  if (byte(pos + 1) < low || byte(pos + 1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return 0;
  }
  code_point = lead & (0xFF >> (length + 1));
  for (std::size_t i = 1; i < length; ++i) code_point = (code_point << 6) | (byte(pos + i) & 0x3F);
  return length;
}

bool is_control(char32_t c, Newlines newlines) {
  if (c == '\n' || c == '\t') return newlines == Newlines::escape;
  return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || c == 0x2028 || c == 0x2029 ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

std::string escape_of(char32_t c) {
  switch (c) {
  case '\n': return "\\n";
  case '\r': return "\\r";
  case '\t': return "\\t";
  default: break;
  }
  // DEL and above as `\u007f`: the same spelling is a valid JSON escape, so JSON stays JSON.
  return c < 0x7F ? fmt::format("\\x{:02x}", static_cast<unsigned>(c)) : fmt::format("\\u{:04x}", static_cast<unsigned>(c));
}

} // namespace

std::size_t invalid_utf8_offset(std::string_view text) {
  char32_t code_point = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    auto length = sequence_at(text, pos, code_point);
    if (length == 0) return pos;
    pos += length;
  }
  return std::string_view::npos;
}

std::string escape_invalid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char32_t code_point = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    auto length = sequence_at(text, pos, code_point);
    if (length == 0) {
      out += fmt::format("\\x{:02X}", static_cast<unsigned char>(text[pos]));
      ++pos;
    } else {
      out.append(text.substr(pos, length));
      pos += length;
    }
  }
  return out;
}

bool has_control_characters(std::string_view text, bool allow_newline) {
  auto newlines = allow_newline ? Newlines::keep : Newlines::escape;
  char32_t code_point = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    auto length = sequence_at(text, pos, code_point);
    if (length == 0) {
      ++pos;
      continue;
    }
    if (is_control(code_point, newlines)) return true;
    pos += length;
  }
  return false;
}

std::string printable(std::string_view text, Newlines newlines) {
  std::string out;
  out.reserve(text.size());
  char32_t code_point = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    auto length = sequence_at(text, pos, code_point);
    if (length == 0) {
      out += fmt::format("\\x{:02X}", static_cast<unsigned char>(text[pos]));
      ++pos;
      continue;
    }
    if (is_control(code_point, newlines)) out += escape_of(code_point);
    else out.append(text.substr(pos, length));
    pos += length;
  }
  return out;
}

} // namespace tma::core
