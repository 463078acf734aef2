#include "visual/devtools_pipe.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include <tma/core/signals.hpp>
#include <tma/core/units.hpp>

namespace tma::visual::detail {

namespace {

// How often a wait wakes up without I/O to check Ctrl-C and the browser.
constexpr std::chrono::milliseconds k_tick{100};
constexpr std::size_t k_read_chunk = 256 * 1024;

// The end of the browser's stderr for an error message: its last lines, at most 600 bytes.
std::string stderr_excerpt(const std::string& tail) {
  std::string_view text(tail);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  if (text.size() > 600) text.remove_prefix(text.size() - 600);
  return std::string(text);
}

} // namespace

DevToolsPipe::DevToolsPipe(transport::ChildProcess& child, std::size_t commands_pipe, std::size_t replies_pipe,
                           std::string browser_name)
    : m_child(child), m_commands_pipe(commands_pipe), m_replies_pipe(replies_pipe), m_browser_name(std::move(browser_name)) {}

core::Result<void> DevToolsPipe::broken(core::ErrorKind kind, std::string what) {
  m_child.drain_stderr();
  auto message = fmt::format("{}: {}", m_browser_name, what);
  if (!m_child.running()) message += fmt::format(" ({})", m_child.ending());
  auto tail = stderr_excerpt(m_child.stderr_tail());
  if (!tail.empty()) message += fmt::format("; its stderr ends with: {}", tail);
  m_broken = core::Error{kind, message};
  return tl::unexpected(*m_broken);
}

core::Result<void> DevToolsPipe::pump(Clock::time_point deadline) {
  if (m_broken) return tl::unexpected(*m_broken);
  int write_fd = m_child.pipe_fd(m_commands_pipe);
  int read_fd = m_child.pipe_fd(m_replies_pipe);
  std::array<pollfd, 3> fds{};
  nfds_t count = 0;
  fds[count++] = {read_fd, POLLIN, 0};
  if (m_child.stderr_fd() >= 0) fds[count++] = {m_child.stderr_fd(), POLLIN, 0};
  if (!m_pending.empty()) fds[count++] = {write_fd, POLLOUT, 0};
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  auto wait = std::clamp(left, std::chrono::milliseconds{0}, k_tick);
  int ready = ::poll(fds.data(), count, static_cast<int>(wait.count()));
  if (ready < 0 && errno != EINTR) return broken(core::ErrorKind::io, fmt::format("poll: {}", std::strerror(errno)));
  if (ready <= 0) {
    if (!m_child.running()) return broken(core::ErrorKind::remote, "the browser ended");
    return {};
  }
  for (nfds_t i = 0; i < count; ++i) {
    if (fds[i].revents == 0) continue;
    if (fds[i].fd == m_child.stderr_fd()) {
      m_child.drain_stderr();
    } else if (fds[i].fd == write_fd && !m_pending.empty()) {
      ssize_t n = ::write(write_fd, m_pending.data(), m_pending.size());
      if (n > 0) {
        m_pending_started = true;
        m_pending.erase(0, static_cast<std::size_t>(n));
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return broken(core::ErrorKind::remote, fmt::format("writing to its DevTools pipe failed: {}", std::strerror(errno)));
      }
    } else if (fds[i].fd == read_fd) {
      m_chunk.resize(k_read_chunk);
      while (true) {
        ssize_t n = ::read(read_fd, m_chunk.data(), m_chunk.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n <= 0) {
          m_child.wait_exit(std::chrono::milliseconds{1000}); // a browser that ended: say how
          return broken(core::ErrorKind::remote, "the browser closed its DevTools pipe");
        }
        auto fed = m_reader.feed(std::string_view(m_chunk.data(), static_cast<std::size_t>(n)));
        if (!fed) return broken(fed.error().kind, fed.error().message);
        while (auto message = m_reader.next()) {
          auto received = m_conversation.receive(*message);
          if (!received) return broken(received.error().kind, received.error().message);
        }
      }
    }
  }
  return {};
}

core::Result<bool> DevToolsPipe::wait_until(Clock::time_point deadline, const std::function<bool()>& done) {
  while (true) {
    if (done()) return true;
    if (m_broken) return tl::unexpected(*m_broken);
    if (core::interrupted()) return core::fail(core::ErrorKind::interrupted, fmt::format("{}: interrupted", m_browser_name));
    if (Clock::now() >= deadline) return false;
    auto pumped = pump(deadline);
    if (!pumped) return tl::unexpected(pumped.error());
  }
}

core::Result<nlohmann::json> DevToolsPipe::call(std::string_view method, nlohmann::json params, std::string_view session_id,
                                                Clock::time_point deadline) {
  if (m_broken) return tl::unexpected(*m_broken);
  if (m_pending_started && !m_pending.empty()) {
    // An earlier command stopped half-written (Ctrl-C): the browser would read the two as one.
    auto result = broken(core::ErrorKind::remote, "a command to it was cut off half-way");
    return tl::unexpected(result.error());
  }
  auto started = Clock::now();
  m_pending = m_conversation.command(method, std::move(params), session_id);
  m_pending_started = false;
  std::optional<core::Result<nlohmann::json>> reply;
  auto answered = wait_until(deadline, [&] {
    reply = m_conversation.take_reply();
    return reply.has_value();
  });
  if (!answered) return tl::unexpected(answered.error());
  if (!*answered) {
    m_conversation.forget();
    // A command half written would leave the pipe out of step: the browser cannot be used any more.
    if (!m_pending.empty()) {
      auto result = broken(core::ErrorKind::timeout, fmt::format("{} could not be sent", method));
      return tl::unexpected(result.error());
    }
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    return core::fail(core::ErrorKind::timeout,
                      fmt::format("{}: no answer to {} within {}", m_browser_name, method, core::format_elapsed(waited)));
  }
  return std::move(*reply);
}

} // namespace tma::visual::detail
