#include <tma/journal/line.hpp>

#include <tma/core/timezone.hpp>

namespace tma::journal {
namespace {

// Strings go through nlohmann's own serializer, so escaping is exactly that of `dump()`.
void append_string(std::string& out, const std::string& text) { out += nlohmann::json(text).dump(); }

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
  out += event.data.dump();
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
