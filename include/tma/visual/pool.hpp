// Browsers shared by the workers of one command: at most `max` started (`--browsers`), each used by
// one worker at a time (a Capturer is not thread-safe) and reused by the next, closed at the end.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/visual/capture.hpp>

namespace tma::visual {

/// Starts one browser (start_chromium in tma, a fake in tests).
using CapturerFactory = std::function<core::Result<std::unique_ptr<Capturer>>()>;

class CapturerPool {
public:
  CapturerPool(CapturerFactory factory, int max);
  CapturerPool(const CapturerPool&) = delete;
  CapturerPool& operator=(const CapturerPool&) = delete;

  /// A browser lent to one worker; given back to the pool when destroyed.
  class Lease {
  public:
    Lease(CapturerPool& pool, std::unique_ptr<Capturer> capturer) : m_pool(&pool), m_capturer(std::move(capturer)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    Capturer& operator*() const { return *m_capturer; }
    Capturer* operator->() const { return m_capturer.get(); }

  private:
    CapturerPool* m_pool;
    std::unique_ptr<Capturer> m_capturer;
  };

  /// An idle browser, or a new one while fewer than `max` exist; otherwise waits for one to be given
  /// back. A browser that fails to start is an error for this worker and frees its place.
  core::Result<Lease> acquire();
  int started() const;

private:
  void give_back(std::unique_ptr<Capturer> capturer);

  CapturerFactory m_factory;
  int m_max;
  mutable std::mutex m_mutex;
  std::condition_variable m_returned;
  std::vector<std::unique_ptr<Capturer>> m_idle;
  int m_existing = 0; ///< idle + lent + starting
  int m_started = 0;
};

} // namespace tma::visual
