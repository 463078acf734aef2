#pragma once
// PRIVATE to src/visual: the pure half of the DevTools protocol as Chromium speaks it on
// --remote-debugging-pipe. Messages are JSON objects, each followed by a NUL byte; a command carries
// an `id` that its reply repeats (`result` or `error`); events carry a `method` and no id; messages
// of an attached page carry its `sessionId`. No I/O here: devtools_pipe.cpp moves the bytes.

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/core/error.hpp>

namespace tma::visual::detail {

/// The largest message tma accepts from the browser: a full-page PNG of 1280 x 16384 pixels
/// travels base64-encoded in one reply, usually a few MiB, rarely beyond 30.
inline constexpr std::size_t k_max_message = 64 * 1024 * 1024;

/// Cuts a byte stream into NUL-terminated messages, however the stream is split into reads.
class FrameReader {
public:
  explicit FrameReader(std::size_t max_message = k_max_message) : m_max(max_message) {}
  /// Take the bytes of one read. Fails when a message grows past the cap before its NUL.
  core::Result<void> feed(std::string_view bytes);
  /// The next complete message (without its NUL), if any.
  std::optional<std::string> next();

private:
  std::size_t m_max;
  std::string m_partial;          // the message whose NUL has not come yet
  std::deque<std::string> m_ready; // complete messages not handed out yet
};

/// A reader of the browser's JSON that never throws: a missing or mistyped member (or an `object`
/// that is no object) reads as 0. Its string members are read with core::json_string.
double number_of(const nlohmann::json& object, const char* key);

/// One message as it goes on the pipe: compact JSON, non-ASCII escaped, then NUL.
std::string encode_frame(const nlohmann::json& message);

/// An event from the browser (a message without an id).
struct Event {
  std::string method;
  nlohmann::json params;
  std::string session_id; // empty: the browser's own session
};

/// Numbers commands and matches the replies to the one command awaited, handing every event to
/// `on_event` as it comes. Replies to commands nobody waits for any more (one that timed out) are
/// dropped.
class Conversation {
public:
  /// The frame of a new command, which becomes the awaited one.
  std::string command(std::string_view method, nlohmann::json params, std::string_view session_id = {});
  /// Take one message from the browser.
  core::Result<void> receive(std::string_view text);
  /// The awaited command's outcome once its reply came: its `result`, or its `error` as a clear
  /// error naming the command.
  std::optional<core::Result<nlohmann::json>> take_reply();
  /// Stop waiting for the current command (it timed out).
  void forget();

  std::function<void(const Event&)> on_event;

private:
  long m_next_id = 1;
  long m_awaited = 0;
  std::string m_awaited_method;
  std::optional<core::Result<nlohmann::json>> m_reply;
};

/// The JavaScript that hides every element `selector` matches (visibility: hidden, important) and
/// answers {count} or, for an invalid selector, {error}. The selector goes in as a JSON string
/// literal: whatever it holds stays a string.
std::string mask_expression(std::string_view selector);

/// The JavaScript that injects the style turning animations, transitions and the caret off, now if
/// the document has a root element, else as soon as it has one.
std::string animations_off_script();

/// The visible text of the main content: the first of main, [role=main], article, #content, else
/// the body.
std::string main_text_expression();

/// The value of a Runtime.evaluate reply (returnByValue), or the exception the page threw.
core::Result<nlohmann::json> evaluated_value(const nlohmann::json& result, std::string_view what);

/// The error of a failed navigation (Page.navigate's errorText, "net::ERR_CONNECTION_REFUSED"):
/// unreachable when the site could not be reached, http otherwise.
core::Error navigation_error(std::string_view url, std::string_view error_text, long http_status);

/// The bytes of standard base64 `text` (with padding), or nullopt when it is not that.
std::optional<std::string> decode_base64(std::string_view text);

/// Width and height from a PNG's IHDR, or nullopt when `bytes` is no PNG.
struct PngSize {
  int width = 0;
  int height = 0;
};
std::optional<PngSize> png_size(std::string_view bytes);

} // namespace tma::visual::detail

namespace tma::visual::detail {

/// The command line of a headless Chromium on its DevTools pipe, with its profile in `profile_dir`.
/// `as_root`: Chromium's sandbox refuses root, so only then is it turned off.
std::vector<std::string> browser_arguments(const std::string& program, const std::string& profile_dir, bool as_root);

} // namespace tma::visual::detail
