#include <tma/backup/sha256.hpp>

#include <fmt/format.h>

#include <tma/core/error.hpp>

namespace tma::backup {

Sha256::Sha256() : m_ctx(EVP_MD_CTX_new()) {
  if (!m_ctx || EVP_DigestInit_ex(m_ctx.get(), EVP_sha256(), nullptr) != 1) {
    throw core::TmaError(70, "OpenSSL: cannot initialise SHA-256");
  }
}

void Sha256::update(std::string_view data) { EVP_DigestUpdate(m_ctx.get(), data.data(), data.size()); }

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(m_ctx.get(), digest, &length);
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

OverlappedSha256::OverlappedSha256() : m_worker([this] { work(); }) {}

OverlappedSha256::~OverlappedSha256() {
  {
    std::lock_guard lock(m_mutex);
    m_closing = true;
  }
  m_changed.notify_all();
  m_worker.join();
}

void OverlappedSha256::begin(std::string_view chunk) {
  if (chunk.size() < k_inline_below) {
    // A thread hand-off costs more than hashing a few kB.
    m_hash.update(chunk);
    return;
  }
  {
    std::lock_guard lock(m_mutex);
    m_pending = chunk;
  }
  m_changed.notify_all();
}

void OverlappedSha256::end() {
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [this] { return m_pending.empty(); });
}

std::string OverlappedSha256::hex() {
  end();
  return m_hash.hex();
}

void OverlappedSha256::work() {
  std::unique_lock lock(m_mutex);
  while (true) {
    m_changed.wait(lock, [this] { return !m_pending.empty() || m_closing; });
    if (m_pending.empty()) return; // closing
    auto chunk = m_pending;
    lock.unlock();
    m_hash.update(chunk); // the caller waits in end() before touching m_hash or the chunk again
    lock.lock();
    m_pending = {};
    m_changed.notify_all();
  }
}

} // namespace tma::backup
