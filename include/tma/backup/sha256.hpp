#pragma once
// SHA-256 of backup artifacts (OpenSSL libcrypto; docs/backup.md says why), in the calling thread
// or on a thread of its own so that hashing a stream overlaps with receiving and writing it.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <openssl/evp.h>

namespace tma::backup {

/// Incremental SHA-256.
class Sha256 {
public:
  Sha256();
  void update(std::string_view data);
  /// Lowercase hex digest; the hasher cannot be updated afterwards.
  std::string hex();

private:
  struct Free {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> m_ctx;
};

/// SHA-256 of a stream, hashed on a worker thread while the caller does something else with the
/// same bytes (writes them to the artifact file): `begin(chunk)`, the caller's work, `end()`.
/// Nothing is copied and memory does not grow; on a machine with a free CPU the hash (about 0.9 s
/// per GiB here) leaves the stream's critical path. Small chunks are hashed inline.
class OverlappedSha256 {
public:
  static constexpr std::size_t k_inline_below = 64 * 1024;

  OverlappedSha256();
  ~OverlappedSha256();
  OverlappedSha256(const OverlappedSha256&) = delete;
  OverlappedSha256& operator=(const OverlappedSha256&) = delete;

  /// Start hashing `chunk`, which must stay valid and unchanged until `end()` returns.
  void begin(std::string_view chunk);
  /// Wait until the chunk given to `begin` is hashed.
  void end();
  /// The digest (after the last `end()`); the hasher cannot be updated afterwards.
  std::string hex();

private:
  void work();

  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::string_view m_pending; ///< the chunk the worker is to hash (never empty); empty when done
  bool m_closing = false;
  Sha256 m_hash;
  std::thread m_worker;
};

} // namespace tma::backup
