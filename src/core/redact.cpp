#include <tma/core/redact.hpp>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <vector>

#include <fmt/format.h>

namespace tma::core {
namespace {

struct Registry {
  std::mutex mutex;
  std::vector<std::string> secrets; // longest first, so a secret containing another is replaced whole
};

Registry& registry() {
  static Registry instance;
  return instance;
}

// The secret as JSON writes it inside a string (nlohmann's escapes).
std::string json_escaped(std::string_view value) {
  std::string out;
  for (char c : value) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
      else out.push_back(c);
    }
  }
  return out;
}

// The secret percent-encoded as curl_easy_escape does (RFC 3986 unreserved characters kept).
std::string url_encoded(std::string_view value) {
  std::string out;
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') out.push_back(c);
    else out += fmt::format("%{:02X}", u);
  }
  return out;
}

// The secret inside single quotes as transport::shell_quote writes it (`'` becomes `'\''`).
std::string shell_quoted(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\'') out += "'\\''";
    else out.push_back(c);
  }
  return out;
}

} // namespace

void register_secret(std::string_view value) {
  if (value.size() < k_min_secret_length) return;
  auto& reg = registry();
  std::lock_guard lock(reg.mutex);
  if (std::find(reg.secrets.begin(), reg.secrets.end(), value) != reg.secrets.end()) return;
  // Every encoding tma's output may give the value: redaction runs on finished text, so a secret
  // holding `"` or `\` must also be found JSON-escaped, URL-encoded and shell-quoted.
  for (auto form : {std::string(value), json_escaped(value), url_encoded(value), shell_quoted(value)}) {
    if (std::find(reg.secrets.begin(), reg.secrets.end(), form) == reg.secrets.end()) reg.secrets.push_back(form);
  }
  std::stable_sort(reg.secrets.begin(), reg.secrets.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string redact(std::string_view text) {
  auto& reg = registry();
  std::lock_guard lock(reg.mutex);
  std::string out(text);
  for (const auto& secret : reg.secrets) {
    for (auto pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos + k_redacted.size())) {
      out.replace(pos, secret.size(), k_redacted);
    }
  }
  return out;
}

void clear_secrets_for_testing() {
  auto& reg = registry();
  std::lock_guard lock(reg.mutex);
  reg.secrets.clear();
}

} // namespace tma::core
