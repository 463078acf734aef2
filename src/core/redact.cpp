#include <tma/core/redact.hpp>

#include <algorithm>
#include <mutex>
#include <vector>

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

} // namespace

void register_secret(std::string_view value) {
  if (value.size() < k_min_secret_length) return;
  auto& reg = registry();
  std::lock_guard lock(reg.mutex);
  if (std::find(reg.secrets.begin(), reg.secrets.end(), value) != reg.secrets.end()) return;
  reg.secrets.emplace_back(value);
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
