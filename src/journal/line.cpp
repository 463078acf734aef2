#include <tma/journal/line.hpp>

#include <algorithm>

#include <tma/core/timezone.hpp>

namespace tma::journal {
namespace {

// Printable ASCII other than `"` and `\` is written as is by `dump()`; anything else (escapes,
// UTF-8, invalid bytes) goes through nlohmann's own serializer, so the bytes are always dump()'s.
void append_string(std::string& out, const std::string& text) {
  bool plain = std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; });
  if (!plain) {
    // Invalid UTF-8 (a name from a server) becomes U+FFFD: an event is never lost to an exception.
    out += nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  out += '"';
  out += text;
  out += '"';
}

void append_optional(std::string& out, const std::string& text) {
  if (text.empty()) out += "null";
  else append_string(out, text);
}

} // namespace

void append_line(std::string& out, const Event& event) {
  // Keys in nlohmann's (sorted) order: actor, at, client, data, env, id, run, site, type.
  out += "{\"actor\":";
  append_string(out, event.actor);
  out += ",\"at\":\"";
  out += core::format_rfc3339_utc(event.at);
  out += "\",\"client\":";
  append_optional(out, event.client);
  out += ",\"data\":";
  out += event.data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out += ",\"env\":";
  append_optional(out, event.env);
  out += ",\"id\":";
  append_string(out, event.id);
  out += ",\"run\":";
  append_string(out, event.run);
  out += ",\"site\":";
  append_optional(out, event.site);
  out += ",\"type\":";
  append_string(out, event.type);
  out += '}';
}

} // namespace tma::journal
