#include <tma/backup/local_compressor.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <tma/core/text.hpp>

namespace tma::backup {

LocalCompressor::LocalCompressor(std::vector<std::string> argv, transport::OutputSink sink)
    : m_argv(std::move(argv)) {
  m_worker = std::thread([this, sink = std::move(sink)] {
    transport::ProcessOptions options;
    options.on_stdout = sink;
    options.bulk_stdout = true;
    options.stdin_source = [this](char* buffer, std::size_t size) { return feed(buffer, size); };
    auto result = transport::run_process(m_argv, options);
    std::lock_guard lock(m_mutex);
    m_result = std::move(result);
    m_ended = true;
    m_changed.notify_all();
  });
}

LocalCompressor::~LocalCompressor() {
  close_input();
  if (m_worker.joinable()) m_worker.join();
}

void LocalCompressor::close_input() {
  std::lock_guard lock(m_mutex);
  m_closed = true;
  m_changed.notify_all();
}

bool LocalCompressor::push(std::string_view chunk) {
  if (chunk.empty()) return true;
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [this] { return m_ended || m_queued < k_queue_limit; });
  if (m_ended) return false;
  m_queue.emplace_back(chunk);
  m_queued += chunk.size();
  m_changed.notify_all();
  return true;
}

std::size_t LocalCompressor::feed(char* buffer, std::size_t size) {
  std::unique_lock lock(m_mutex);
  // Waiting here is bounded by the producer: it either pushes more or ends the input.
  m_changed.wait(lock, [this] { return !m_queue.empty() || m_closed; });
  if (m_queue.empty()) return 0; // end of input
  auto& front = m_queue.front();
  std::size_t n = std::min(size, front.size() - m_front_pos);
  std::copy_n(front.data() + m_front_pos, n, buffer);
  m_front_pos += n;
  if (m_front_pos == front.size()) {
    m_queued -= front.size();
    m_queue.pop_front();
    m_front_pos = 0;
    m_changed.notify_all();
  }
  return n;
}

core::Result<void> LocalCompressor::finish() {
  close_input();
  if (m_worker.joinable()) m_worker.join();
  const auto& what = m_argv.front();
  if (!m_result || !*m_result) {
    return core::fail(core::ErrorKind::io, fmt::format("local {}: {}", what,
                                                       m_result ? m_result->error().message : "did not run"));
  }
  const auto& r = **m_result;
  if (r.ending == transport::Ending::sink_stopped) {
    return core::fail(core::ErrorKind::io, fmt::format("local {}: the artifact refused more data", what));
  }
  if (!r.ok()) {
    return core::fail(core::ErrorKind::io, fmt::format("local {} failed ({}): {}", what, r.describe(),
                                                       core::trim(r.stderr_tail)));
  }
  return {};
}

} // namespace tma::backup
