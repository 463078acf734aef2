#include <tma/visual/pool.hpp>

namespace tma::visual {

CapturerPool::CapturerPool(CapturerFactory factory, int max) : m_factory(std::move(factory)), m_max(max < 1 ? 1 : max) {}

CapturerPool::Lease::~Lease() {
  if (m_capturer) m_pool->give_back(std::move(m_capturer));
}

core::Result<CapturerPool::Lease> CapturerPool::acquire() {
  {
    std::unique_lock lock(m_mutex);
    m_returned.wait(lock, [this] { return !m_idle.empty() || m_existing < m_max; });
    if (!m_idle.empty()) {
      auto capturer = std::move(m_idle.back());
      m_idle.pop_back();
      return Lease(*this, std::move(capturer));
    }
    ++m_existing; // this worker's place while its browser starts, outside the lock
  }
  auto started = m_factory();
  std::lock_guard lock(m_mutex);
  if (!started) {
    --m_existing;
    m_returned.notify_one();
    return tl::unexpected(started.error());
  }
  ++m_started;
  return Lease(*this, std::move(*started));
}

void CapturerPool::give_back(std::unique_ptr<Capturer> capturer) {
  std::lock_guard lock(m_mutex);
  m_idle.push_back(std::move(capturer));
  m_returned.notify_one();
}

int CapturerPool::started() const {
  std::lock_guard lock(m_mutex);
  return m_started;
}

} // namespace tma::visual
