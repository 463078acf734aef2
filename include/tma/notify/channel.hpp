#pragma once
// Channels: how a Message leaves tma. Webhooks are JSON POSTs through the transport HTTP client
// (Slack/Mattermost `{"text"}`, Microsoft Teams MessageCard, or tma's generic JSON signed with
// HMAC-SHA256 when the channel has a `secret`); email is SMTP through libcurl (STARTTLS required
// unless `tls: false`), plain text with an HTML alternative. Payload and MIME building are pure
// functions; the `Sender` interface has the real implementation and a recording fake for tests.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/notify/message.hpp>
#include <tma/transport/http.hpp>

namespace tma::notify {

/// Header carrying the journal event id on every webhook (receivers drop duplicates by it).
inline constexpr std::string_view k_event_header = "X-Tma-Event-Id";
/// Header carrying `sha256=<hex HMAC-SHA256(secret, body)>` on signed generic webhooks.
inline constexpr std::string_view k_signature_header = "X-Tma-Signature";

/// A webhook request body and its headers.
struct WebhookPayload {
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// The payload of `message` for a channel of `type` (`slack`, `mattermost`, `teams`, `webhook`);
/// `secret` (may be empty) signs generic webhooks. Fails (config) on an unknown type.
core::Result<WebhookPayload> webhook_payload(const std::string& type, const Message& message, const std::string& secret);

/// Lowercase hex HMAC-SHA256 of `data` with `key` (OpenSSL's libcrypto).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

/// An email ready for SMTP: envelope and the RFC 5322 message.
struct Email {
  std::string from;                    ///< envelope sender (address only)
  std::vector<std::string> recipients; ///< envelope recipients
  std::string data;                    ///< headers + MIME body, CRLF line ends
};

/// Build the email of `message` from `from` (`Name <addr>` or `addr`) to `to`: multipart/alternative
/// (text/plain then text/html, UTF-8, base64), `Subject` RFC 2047-encoded when not ASCII, `Date`
/// from `date`, `Message-ID` and `X-Tma-Event-Id` from the event id. CR and LF are removed from
/// every header value. Fails (config) on an address holding `<>`, CR/LF or no `@`.
core::Result<Email> build_email(const std::string& from, const std::vector<std::string>& to, const Message& message,
                                std::chrono::system_clock::time_point date);

/// `addr` from `Name <addr>`, or the text itself.
std::string address_of(const std::string& mailbox);

/// Sends one message through one channel.
class Sender {
public:
  virtual ~Sender() = default;
  /// Send `message` through `channel` to `recipients` (email only). Errors are values; their
  /// messages never contain the channel's secrets.
  virtual core::Result<void> send(const inventory::NotifyChannel& channel, const std::vector<std::string>& recipients,
                                  const Message& message) = 0;
};

/// SMTP settings not in the inventory model.
struct SmtpOptions {
  std::optional<std::string> ca_file;            ///< extra trust anchor for STARTTLS (tests, private CAs)
  std::chrono::milliseconds timeout{30'000};
};

/// The real sender: webhooks through `http`, email through libcurl SMTP.
class ChannelSender final : public Sender {
public:
  explicit ChannelSender(transport::HttpClient& http, SmtpOptions smtp = {});
  core::Result<void> send(const inventory::NotifyChannel& channel, const std::vector<std::string>& recipients,
                          const Message& message) override;

private:
  transport::HttpClient* m_http;
  SmtpOptions m_smtp;
};

/// Send `email` over SMTP to `url` (`smtp://host:port` or `smtps://`), with `username`/`password`
/// when set; `tls` requires STARTTLS (the send fails if the server does not offer it).
core::Result<void> send_smtp(const std::string& url, const std::string& username, const std::string& password,
                             bool tls, const Email& email, const SmtpOptions& options);

/// The value of `secret`: its literal, or the stdout (trailing newline removed) of its command,
/// registered for redaction. Empty for an empty secret.
core::Result<std::string> secret_value(const inventory::Secret& secret);

} // namespace tma::notify
