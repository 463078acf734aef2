#include "visual/devtools.hpp"

#include <array>
#include <cstdint>

#include <fmt/format.h>

#include <tma/core/json.hpp>

namespace tma::visual::detail {

using nlohmann::json;

core::Result<void> FrameReader::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    auto nul = bytes.find('\0');
    auto part = bytes.substr(0, nul);
    if (m_partial.size() + part.size() > m_max) {
      return core::fail(core::ErrorKind::remote,
                        fmt::format("a message from the browser is larger than {} MiB", m_max / (1024 * 1024)));
    }
    m_partial.append(part);
    if (nul == std::string_view::npos) break;
    m_ready.push_back(std::move(m_partial));
    m_partial.clear();
    bytes.remove_prefix(nul + 1);
  }
  return {};
}

std::optional<std::string> FrameReader::next() {
  if (m_ready.empty()) return std::nullopt;
  auto message = std::move(m_ready.front());
  m_ready.pop_front();
  return message;
}

double number_of(const json& object, const char* key) {
  if (!object.is_object()) return 0.0;
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<double>() : 0.0;
}

std::string encode_frame(const json& message) {
  // ensure_ascii: the frame is plain ASCII whatever a URL or selector holds; invalid UTF-8 is
  // replaced rather than thrown on.
  auto text = message.dump(-1, ' ', true, json::error_handler_t::replace);
  text.push_back('\0');
  return text;
}

std::string Conversation::command(std::string_view method, json params, std::string_view session_id) {
  m_awaited = m_next_id++;
  m_awaited_method = std::string(method);
  m_reply.reset();
  json message = {{"id", m_awaited}, {"method", m_awaited_method}, {"params", std::move(params)}};
  if (!session_id.empty()) message["sessionId"] = std::string(session_id);
  return encode_frame(message);
}

core::Result<void> Conversation::receive(std::string_view text) {
  auto message = json::parse(text, nullptr, false);
  if (message.is_discarded() || !message.is_object()) {
    return core::fail(core::ErrorKind::remote, "the browser sent a message that is not a JSON object");
  }
  auto id = message.find("id");
  if (id == message.end()) {
    Event event{core::json_string(message, "method"), message.value("params", json::object()),
                core::json_string(message, "sessionId")};
    if (!event.params.is_object()) event.params = json::object();
    if (on_event && !event.method.empty()) on_event(event);
    return {};
  }
  if (!id->is_number_integer() || id->get<long>() != m_awaited || m_awaited == 0) return {}; // a forgotten command
  m_awaited = 0;
  auto error = message.find("error");
  if (error != message.end()) {
    const json& e = *error;
    std::string what = core::json_string(e, "message");
    long code = e.is_object() && e.contains("code") && e["code"].is_number_integer() ? e["code"].get<long>() : 0;
    std::string data = core::json_string(e, "data");
    if (what.empty()) what = "no message";
    auto detail = data.empty() ? std::string() : fmt::format(" ({})", data);
    m_reply = core::fail(core::ErrorKind::remote, fmt::format("{} failed: {}{} [code {}]", m_awaited_method, what, detail, code));
    return {};
  }
  auto result = message.find("result");
  m_reply = result != message.end() && result->is_object() ? *result : json::object();
  return {};
}

std::optional<core::Result<json>> Conversation::take_reply() {
  auto reply = std::move(m_reply);
  m_reply.reset();
  return reply;
}

void Conversation::forget() {
  m_awaited = 0;
  m_reply.reset();
}

std::string mask_expression(std::string_view selector) {
  // The selector is data: a JSON string is a valid JavaScript string literal (ASCII-only here, so
  // even U+2028 cannot end it), and querySelectorAll throws a SyntaxError for an invalid selector,
  // which comes back as {error}.
  auto literal = json(std::string(selector)).dump(-1, ' ', true, json::error_handler_t::replace);
  return fmt::format("(() => {{ let nodes; try {{ nodes = document.querySelectorAll({}); }} "
                     "catch (e) {{ return {{error: String(e && e.message || e)}}; }} "
                     "nodes.forEach(e => e.style.setProperty('visibility', 'hidden', 'important')); "
                     "return {{count: nodes.length}}; }})()",
                     literal);
}

std::string animations_off_script() {
  return "(() => { const add = () => { const style = document.createElement('style'); "
         "style.textContent = '*, *::before, *::after { animation: none !important; transition: none !important; "
         "caret-color: transparent !important; }'; document.documentElement.appendChild(style); }; "
         "if (document.documentElement) add(); "
         "else new MutationObserver((_, observer) => { if (document.documentElement) { observer.disconnect(); add(); } })"
         ".observe(document, {childList: true}); })()";
}

std::string main_text_expression() {
  return "(() => { const main = document.querySelector('main') || document.querySelector('[role=main]') || "
         "document.querySelector('article') || document.querySelector('#content') || document.body; "
         "return main ? main.innerText : ''; })()";
}

core::Result<json> evaluated_value(const json& result, std::string_view what) {
  auto details = result.find("exceptionDetails");
  if (details != result.end() && details->is_object()) {
    std::string text = core::json_string(*details, "text");
    auto exception = details->find("exception");
    if (exception != details->end() && exception->is_object()) {
      auto description = core::json_string(*exception, "description");
      if (!description.empty()) text = description;
    }
    return core::fail(core::ErrorKind::remote, fmt::format("{}: the page's script failed: {}", what, text));
  }
  auto remote = result.find("result");
  if (remote == result.end() || !remote->is_object()) return json();
  return remote->value("value", json());
}

core::Error navigation_error(std::string_view url, std::string_view error_text, long http_status) {
  // Chromium's net error names (net/base/net_error_list.h) for a site that cannot be reached at all.
  static constexpr std::array<std::string_view, 12> unreachable = {
      "ERR_CONNECTION_REFUSED", "ERR_CONNECTION_RESET",    "ERR_CONNECTION_CLOSED",     "ERR_CONNECTION_TIMED_OUT",
      "ERR_CONNECTION_FAILED",  "ERR_NAME_NOT_RESOLVED",   "ERR_NAME_RESOLUTION_FAILED", "ERR_ADDRESS_UNREACHABLE",
      "ERR_ADDRESS_INVALID",    "ERR_INTERNET_DISCONNECTED", "ERR_TIMED_OUT",            "ERR_NETWORK_CHANGED"};
  bool cannot_reach = false;
  for (auto name : unreachable) {
    auto at = error_text.find(name);
    // The whole name: ERR_CONNECTION_FAILED must not match ERR_CONNECTION_FAILED_SOMETHING.
    if (at != std::string_view::npos && at + name.size() == error_text.size()) cannot_reach = true;
  }
  auto status = http_status > 0 ? fmt::format(" (HTTP {})", http_status) : std::string();
  return core::Error{cannot_reach ? core::ErrorKind::unreachable : core::ErrorKind::http,
                     fmt::format("{}: the browser could not load the page: {}{}", url, error_text, status)};
}

std::optional<std::string> decode_base64(std::string_view text) {
  // Hand-written: visual/ links no library that decodes base64 (OpenSSL's is linked only to the
  // folders that sign or encode mail), and core/ takes no new dependency for it.
  static constexpr auto table = [] {
    std::array<std::int8_t, 256> t{};
    t.fill(-1);
    constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < alphabet.size(); ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    return t;
  }();
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t group = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool in_padding = i >= text.size() - padding;
    auto value = in_padding ? std::int8_t{0} : table[static_cast<unsigned char>(text[i])];
    if (value < 0) return std::nullopt;
    group = (group << 6) | static_cast<std::uint32_t>(value);
    if (i % 4 == 3) {
      out.push_back(static_cast<char>((group >> 16) & 0xff));
      out.push_back(static_cast<char>((group >> 8) & 0xff));
      out.push_back(static_cast<char>(group & 0xff));
      group = 0;
    }
  }
  out.resize(out.size() - padding);
  return out;
}

std::optional<PngSize> png_size(std::string_view bytes) {
  // Signature (8 bytes), then the IHDR chunk: length (4), "IHDR" (4), width (4), height (4), big-endian.
  static constexpr std::string_view signature("\x89PNG\r\n\x1a\n", 8);
  if (bytes.size() < 24 || bytes.substr(0, 8) != signature || bytes.substr(12, 4) != "IHDR") return std::nullopt;
  auto read32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  auto width = read32(16);
  auto height = read32(20);
  if (width == 0 || height == 0 || width > 0x7fffffff || height > 0x7fffffff) return std::nullopt;
  return PngSize{static_cast<int>(width), static_cast<int>(height)};
}

} // namespace tma::visual::detail

namespace tma::visual::detail {

std::vector<std::string> browser_arguments(const std::string& program, const std::string& profile_dir, bool as_root) {
  std::vector<std::string> argv = {
      program,
      "--headless",
      "--disable-gpu",
      "--remote-debugging-pipe", // fd 3 in, fd 4 out: no port to find, guard or leak
      "--user-data-dir=" + profile_dir,
      "--no-first-run",
      "--no-default-browser-check",
      "--hide-scrollbars",
      "--mute-audio",
      "--disable-extensions",
      "--disable-background-networking", // no update, safe-browsing or suggestion traffic of its own
      "--disable-component-update",
      "--disable-sync",
      "--disable-default-apps",
      "--metrics-recording-only",
      "--password-store=basic",     // no keyring over D-Bus
      "--disable-dev-shm-usage",    // a small /dev/shm (containers) must not crash a tall page
      "--force-color-profile=srgb", // the same colours on every machine
  };
  if (as_root) argv.emplace_back("--no-sandbox");
  argv.emplace_back("about:blank");
  return argv;
}

} // namespace tma::visual::detail
