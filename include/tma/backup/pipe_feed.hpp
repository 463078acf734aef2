#pragma once
// A consumer of a byte stream that runs on a thread of its own and is fed through a pipe, so that
// one producer (the SSH channel of a backup) can feed several consumers at once (restic, the
// content check) with bounded memory: `push` blocks while a consumer is behind, as a shell pipe
// does, and nothing is buffered beyond the pipe.

#include <functional>
#include <memory>
#include <string_view>
#include <thread>

#include <tma/core/error.hpp>
#include <tma/transport/process.hpp>

namespace tma::backup {

class PipeFeed {
public:
  /// The stream, two ways: `source` reads it (0 at its end) for a consumer in tma; `fd` is the
  /// pipe's read end itself, for a consumer that is a process (`ProcessOptions::stdin_fd`): the
  /// bytes then go from tma's write straight to the process, with no copy by a thread of tma.
  struct Input {
    transport::InputSource source;
    int fd = -1;
  };
  /// Runs with the stream's Input. When it returns, the pipe is closed and `push` fails from then
  /// on: a consumer that stops early (or whose process died) never blocks the producer.
  using Consumer = std::function<void(const Input& input)>;

  /// Start `consumer` on its own thread.
  static core::Result<std::unique_ptr<PipeFeed>> start(Consumer consumer);
  /// Ends the stream (the consumer sees its end) and waits for the consumer.
  ~PipeFeed();
  PipeFeed(const PipeFeed&) = delete;
  PipeFeed& operator=(const PipeFeed&) = delete;

  /// Hand `chunk` to the consumer; blocks while the pipe is full. False when the consumer has
  /// stopped reading (it returned, or its process died).
  bool push(std::string_view chunk);
  /// End the stream and wait until the consumer has returned. Idempotent.
  void finish();

  struct Key { explicit Key() = default; }; ///< only `start` makes a PipeFeed
  explicit PipeFeed(Key) {}

private:
  int m_write = -1;
  std::thread m_thread;
};

} // namespace tma::backup
