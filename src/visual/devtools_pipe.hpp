#pragma once
// PRIVATE to src/visual: the DevTools conversation with a browser over its pipe (fd 3: commands in,
// fd 4: replies and events out), every wait bounded by a deadline and by Ctrl-C. The framing and the
// matching of replies are devtools.hpp's; this file only moves bytes.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <tma/core/error.hpp>
#include <tma/transport/child_process.hpp>

#include "visual/devtools.hpp"

namespace tma::visual::detail {

using Clock = std::chrono::steady_clock;

class DevToolsPipe {
public:
  /// `child`'s extra pipe `commands_pipe` goes to the browser, `replies_pipe` comes from it.
  DevToolsPipe(transport::ChildProcess& child, std::size_t commands_pipe, std::size_t replies_pipe, std::string browser_name);

  /// Send a command and wait for its reply until `deadline` (a timeout error after it).
  core::Result<nlohmann::json> call(std::string_view method, nlohmann::json params, std::string_view session_id,
                                    Clock::time_point deadline);
  /// Read events until `done()` answers true (true) or `deadline` passes (false).
  core::Result<bool> wait_until(Clock::time_point deadline, const std::function<bool()>& done);
  /// Every event, as it arrives, while a call or a wait runs.
  void on_event(std::function<void(const Event&)> handler) { m_conversation.on_event = std::move(handler); }
  /// Whether the pipe still works: false once the browser closed it, sent garbage or died.
  bool healthy() const { return !m_broken; }

private:
  // One round of poll: write what is pending, read what came, dispatch it. Fails when the pipe broke.
  core::Result<void> pump(Clock::time_point deadline);
  core::Result<void> broken(core::ErrorKind kind, std::string what);

  transport::ChildProcess& m_child;
  std::size_t m_commands_pipe;
  std::size_t m_replies_pipe;
  std::string m_browser_name;
  FrameReader m_reader;
  Conversation m_conversation;
  std::string m_pending; // bytes of the current command not written yet
  bool m_pending_started = false; // part of m_pending was written: it cannot be dropped
  std::string m_chunk;   // the read buffer
  std::optional<core::Error> m_broken;
};

} // namespace tma::visual::detail
