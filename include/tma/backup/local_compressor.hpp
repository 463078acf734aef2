#pragma once
// Compression on tma's side (`backup.compress_on: local`, or `auto` when the server lacks the
// tool): the real `gzip -c` / `zstd -c -q` runs on this machine between the remote stream and the
// artifact. Memory stays bounded: chunks wait in a queue of at most `k_queue_limit` bytes.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/transport/process.hpp>

namespace tma::backup {

class LocalCompressor {
public:
  static constexpr std::size_t k_queue_limit = 8 * 1024 * 1024;

  /// Start `argv` (stdin fed by `push`, stdout to `sink`) on a thread of its own.
  LocalCompressor(std::vector<std::string> argv, transport::OutputSink sink);
  /// Ends the input and waits for the compressor (it is stopped if `finish` was not called).
  ~LocalCompressor();
  LocalCompressor(const LocalCompressor&) = delete;
  LocalCompressor& operator=(const LocalCompressor&) = delete;

  /// Queue `chunk` for the compressor's stdin (waits while the queue is full). False once the
  /// compressor has ended or its sink refused data: the producer should stop.
  bool push(std::string_view chunk);
  /// End of input: wait for the compressor and check it exited 0.
  core::Result<void> finish();

private:
  std::size_t feed(char* buffer, std::size_t size); // the compressor's stdin source
  void close_input();

  std::vector<std::string> m_argv;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<std::string> m_queue;
  std::size_t m_front_pos = 0;
  std::size_t m_queued = 0;
  bool m_closed = false; ///< no more input will come
  bool m_ended = false;  ///< the compressor process is gone
  std::optional<core::Result<transport::ProcessResult>> m_result;
  std::thread m_worker;
};

} // namespace tma::backup
