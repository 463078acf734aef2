#include <tma/cms/json_text.hpp>

#include <tma/cms/component.hpp>
#include <tma/core/text.hpp>

namespace tma::cms {

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t length = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
    bool ok = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; ok && k < length; ++k) {
      ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    }
    if (ok && length >= 3) {
      auto c1 = static_cast<unsigned char>(text[i + 1]);
      // Overlong forms, UTF-16 surrogates and code points above U+10FFFF.
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0) && !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string excerpt(std::string_view text, std::size_t max) {
  std::string out;
  std::size_t i = 0;
  for (; i < text.size() && i < max; ++i) {
    char c = text[i];
    out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  }
  // Do not end in the middle of a multi-byte sequence: back up to its lead byte.
  if (i < text.size()) {
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) {
      out.pop_back();
    }
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) {
      out.pop_back();
    }
    out += "...";
  }
  return valid_utf8(out);
}

core::Result<nlohmann::json> parse_tool_json(std::string_view output, std::string_view what) {
  std::string_view trimmed = core::trim(output);
  if (trimmed.empty()) {
    return core::fail(core::ErrorKind::cms, std::string(what) + ": empty output where JSON was expected");
  }
  // Skip PHP notices printed to stdout before the document: start at the first line beginning with
  // `[` or `{`. Searching lines (not characters) avoids starting inside "PHP Warning: [..]".
  std::size_t start = std::string_view::npos;
  std::size_t pos = 0;
  while (pos < trimmed.size()) {
    std::size_t end = trimmed.find('\n', pos);
    std::string_view line = core::trim(trimmed.substr(pos, end == std::string_view::npos ? end : end - pos));
    if (!line.empty() && (line.front() == '[' || line.front() == '{')) {
      start = static_cast<std::size_t>(line.data() - trimmed.data());
      break;
    }
    if (end == std::string_view::npos) {
      break;
    }
    pos = end + 1;
  }
  if (start == std::string_view::npos) {
    return core::fail(core::ErrorKind::cms,
                      std::string(what) + ": no JSON in output: \"" + excerpt(trimmed) + "\"");
  }
  auto document = nlohmann::json::parse(trimmed.substr(start), nullptr, false);
  if (document.is_discarded()) {
    return core::fail(core::ErrorKind::cms,
                      std::string(what) + ": malformed JSON: \"" + excerpt(trimmed.substr(start)) + "\"");
  }
  return document;
}

std::string loose_string(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) {
    return "";
  }
  auto it = object.find(key);
  if (it == object.end() || it->is_null() || it->is_boolean()) {
    return "";
  }
  if (it->is_string()) {
    return it->get<std::string>();
  }
  if (it->is_number()) {
    return it->dump();
  }
  return "";
}

std::string_view to_string(ComponentKind kind) {
  switch (kind) {
  case ComponentKind::core: return "core";
  case ComponentKind::plugin: return "plugin";
  case ComponentKind::theme: return "theme";
  case ComponentKind::package: return "package";
  case ComponentKind::platform: return "platform";
  case ComponentKind::domain: return "domain";
  }
  return "plugin";
}

std::string_view to_string(UpdateState state) {
  switch (state) {
  case UpdateState::none: return "none";
  case UpdateState::available: return "available";
  case UpdateState::unavailable: return "unavailable";
  case UpdateState::higher_than_expected: return "version higher than expected";
  case UpdateState::not_applicable: return "n/a";
  case UpdateState::unknown: return "unknown";
  }
  return "unknown";
}

std::string_view to_string(Confidence confidence) {
  switch (confidence) {
  case Confidence::certain: return "certain";
  case Confidence::high: return "high";
  case Confidence::medium: return "medium";
  case Confidence::low: return "low";
  }
  return "low";
}

std::optional<ComponentKind> parse_component_kind(std::string_view text) {
  if (text == "core") return ComponentKind::core;
  if (text == "plugin") return ComponentKind::plugin;
  if (text == "theme") return ComponentKind::theme;
  if (text == "package") return ComponentKind::package;
  if (text == "platform") return ComponentKind::platform;
  if (text == "domain") return ComponentKind::domain;
  return std::nullopt;
}

} // namespace tma::cms
