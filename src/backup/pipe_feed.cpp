#include <tma/backup/pipe_feed.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>
#include <mutex>
#include <cstring>

#include <fmt/format.h>

namespace tma::backup {

namespace {
constexpr int k_pipe_size = 1024 * 1024; // /proc/sys/fs/pipe-max-size's default
} // namespace

core::Result<std::unique_ptr<PipeFeed>> PipeFeed::start(Consumer consumer) {
  // A write to a consumer that is gone must fail with EPIPE, not kill tma (as in the process runner).
  static std::once_flag once;
  std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return core::fail(core::ErrorKind::io, fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  }
  // A bulk stream: a 1 MiB pipe (best effort; the per-user pipe quota may keep the kernel's 64 KiB)
  // takes one of the producer's 1 MiB chunks in one write, so producer and consumer wake each
  // other a few thousand times per GiB instead of tens of thousands.
  (void)::fcntl(fds[1], F_SETPIPE_SZ, k_pipe_size);
  auto feed = std::make_unique<PipeFeed>(Key{});
  feed->m_write = fds[1];
  int read_end = fds[0];
  feed->m_thread = std::thread([read_end, consumer = std::move(consumer)] {
    Input input;
    input.fd = read_end;
    input.source = [read_end](char* buffer, std::size_t size) -> std::size_t {
      for (;;) {
        ssize_t n = ::read(read_end, buffer, size);
        if (n < 0 && errno == EINTR) continue;
        return n > 0 ? static_cast<std::size_t>(n) : 0;
      }
    };
    consumer(input);
    // Closing the read end makes the producer's next write fail (EPIPE; tma ignores SIGPIPE)
    // instead of blocking on a consumer that is gone.
    ::close(read_end);
  });
  return feed;
}

PipeFeed::~PipeFeed() { finish(); }

bool PipeFeed::push(std::string_view chunk) {
  while (!chunk.empty()) {
    if (m_write < 0) return false;
    ssize_t n = ::write(m_write, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    chunk.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void PipeFeed::finish() {
  if (m_write >= 0) {
    ::close(m_write);
    m_write = -1;
  }
  if (m_thread.joinable()) m_thread.join();
}

} // namespace tma::backup
