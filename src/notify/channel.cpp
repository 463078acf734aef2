#include <tma/notify/channel.hpp>

#include <tma/core/clock.hpp>
#include <tma/transport/secret.hpp>

#include "notify/base64.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <tma/core/redact.hpp>
#include <tma/transport/process.hpp>

namespace tma::notify {

namespace {

core::Error config_error(std::string message) { return core::Error{core::ErrorKind::config, std::move(message)}; }

// Base64 body lines must stay under SMTP's 998-octet limit; 76 is the MIME convention.
std::string wrapped_base64(std::string_view data) {
  auto encoded = detail::base64_encode(data);
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + "\r\n";
  return out;
}

// Header injection: a value with CR or LF could add headers or end the header block.
std::string header_value(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c != '\r' && c != '\n') out += c;
  }
  return out;
}

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string encoded_word(std::string_view text) {
  if (is_ascii(text)) return std::string(text);
  return fmt::format("=?UTF-8?B?{}?=", detail::base64_encode(text));
}

core::Result<std::string> checked_address(const std::string& mailbox) {
  auto address = address_of(mailbox);
  // CR/LF anywhere could smuggle SMTP commands or headers: refuse rather than guess.
  bool bad = mailbox.find_first_of("\r\n") != std::string::npos || address.find_first_of("<>\r\n \t,") != std::string::npos || address.find('@') == std::string::npos;
  if (bad) return tl::unexpected(config_error(fmt::format("email: invalid address '{}'", header_value(mailbox))));
  return address;
}

std::string rfc5322_date(std::chrono::system_clock::time_point when) {
  static constexpr const char* k_days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr const char* k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto seconds = std::chrono::floor<std::chrono::seconds>(when);
  auto days = std::chrono::floor<std::chrono::days>(seconds);
  std::chrono::year_month_day ymd{days};
  std::chrono::hh_mm_ss hms{seconds - days};
  std::chrono::weekday weekday{days};
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", k_days[weekday.iso_encoding() - 1],
                     static_cast<unsigned>(ymd.day()), k_months[static_cast<unsigned>(ymd.month()) - 1],
                     static_cast<int>(ymd.year()), hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

} // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), digest, &length);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

core::Result<WebhookPayload> webhook_payload(const std::string& type, const Message& message, const std::string& secret) {
  WebhookPayload payload;
  nlohmann::json body;
  // The event id is in every body too: chat services drop custom headers.
  auto footer = fmt::format("(event {})", message.event_id);
  if (type == "slack" || type == "mattermost") {
    body = {{"text", fmt::format("*{}*\n{}{}", message.subject, message.text, footer)}};
  } else if (type == "teams") {
    std::string colour = message.severity == "critical" ? "D00000" : message.severity == "major" ? "FF8C00" : "0078D7";
    body = {{"@type", "MessageCard"},
            {"@context", "https://schema.org/extensions"},
            {"summary", message.subject},
            {"themeColor", colour},
            {"title", message.subject},
            {"text", message.text + footer}};
  } else if (type == "webhook") {
    body = to_json(message);
    body.erase("html");
    body.erase("attachment");
  } else {
    return tl::unexpected(config_error(fmt::format("unknown webhook type '{}'", type)));
  }
  payload.body = body.dump();
  payload.headers.emplace_back("Content-Type", "application/json");
  payload.headers.emplace_back(std::string(k_event_header), header_value(message.event_id));
  if (type == "webhook" && !secret.empty()) {
    payload.headers.emplace_back(std::string(k_signature_header), "sha256=" + hmac_sha256_hex(secret, payload.body));
  }
  return payload;
}

std::string address_of(const std::string& mailbox) {
  auto open = mailbox.rfind('<');
  auto close = mailbox.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open) {
    return mailbox.substr(open + 1, close - open - 1);
  }
  return mailbox;
}

// Attachment names and types go into MIME headers: an allow list keeps quotes and CR/LF out.
static bool is_attachment_name(const std::string& name) {
  return !name.empty() && name.size() <= 100 && name.front() != '.' &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
         });
}

static bool is_mime_type(const std::string& type) {
  auto slash = type.find('/');
  return slash != std::string::npos && slash > 0 && slash + 1 < type.size() && type.size() <= 100 &&
         std::all_of(type.begin(), type.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '/' || c == '.' || c == '+' || c == '-';
         });
}

core::Result<Email> build_email(const std::string& from, const std::vector<std::string>& to, const Message& message,
                                std::chrono::system_clock::time_point date) {
  Email email;
  auto sender = checked_address(from);
  if (!sender) return tl::unexpected(sender.error());
  email.from = *sender;
  if (to.empty()) return tl::unexpected(config_error("email: no recipients"));
  for (const auto& recipient : to) {
    auto address = checked_address(recipient);
    if (!address) return tl::unexpected(address.error());
    email.recipients.push_back(*address);
  }
  std::string to_header;
  for (const auto& r : email.recipients) to_header += (to_header.empty() ? "" : ", ") + r;
  // A boundary derived from the event id cannot collide with base64 text (it holds '=' and '_').
  auto boundary = "=_tma_" + detail::base64_encode(message.event_id).substr(0, 24) + "_=";
  std::string message_id = header_value(message.event_id);
  std::replace_if(message_id.begin(), message_id.end(), [](char c) { return c == '<' || c == '>' || c == ' '; }, '_');
  auto& d = email.data;
  d += "From: " + header_value(from) + "\r\n";
  d += "To: " + to_header + "\r\n";
  d += "Subject: " + encoded_word(header_value(message.subject)) + "\r\n";
  d += "Date: " + rfc5322_date(date) + "\r\n";
  d += fmt::format("Message-ID: <{}@tma.invalid>\r\n", message_id);
  d += fmt::format("{}: {}\r\n", k_event_header, message_id);
  d += "MIME-Version: 1.0\r\n";
  // With an attachment: multipart/mixed holding the text/HTML alternative, then the file.
  std::string mixed = "=_tma_mixed_" + detail::base64_encode(message.event_id).substr(0, 24) + "_=";
  if (message.attachment) {
    const auto& a = *message.attachment;
    if (!is_attachment_name(a.name) || !is_mime_type(a.mime)) {
      return tl::unexpected(config_error(fmt::format("email: attachment '{}' ({}) has a name or type outside "
                                                     "[A-Za-z0-9._-] and type/subtype", header_value(a.name),
                                                     header_value(a.mime))));
    }
    d += fmt::format("Content-Type: multipart/mixed; boundary=\"{}\"\r\n\r\n--{}\r\n", mixed, mixed);
  }
  d += fmt::format("Content-Type: multipart/alternative; boundary=\"{}\"\r\n", boundary);
  d += "\r\n";
  d += fmt::format("--{}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", boundary);
  d += wrapped_base64(message.text);
  d += fmt::format("--{}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", boundary);
  d += wrapped_base64(message.html);
  d += fmt::format("--{}--\r\n", boundary);
  if (message.attachment) {
    const auto& a = *message.attachment;
    d += fmt::format("--{}\r\nContent-Type: {}; name=\"{}\"\r\nContent-Disposition: attachment; filename=\"{}\"\r\n"
                     "Content-Transfer-Encoding: base64\r\n\r\n",
                     mixed, a.mime, a.name, a.name);
    d += wrapped_base64(a.content);
    d += fmt::format("--{}--\r\n", mixed);
  }
  return email;
}

ChannelSender::ChannelSender(transport::HttpClient& http, SmtpOptions smtp) : m_http(&http), m_smtp(std::move(smtp)) {}

core::Result<void> ChannelSender::send(const inventory::NotifyChannel& channel, const std::vector<std::string>& recipients,
                                       const Message& message) {
  if (channel.type == "email") {
    auto email = build_email(channel.from, recipients, message, core::wall_clock_now());
    if (!email) return tl::unexpected(email.error());
    auto password = transport::resolve_secret(channel.password, "notify.channels." + channel.name + ".password");
    if (!password) return tl::unexpected(password.error());
    return send_smtp(channel.smtp, channel.username, *password, channel.tls, *email, m_smtp);
  }
  auto url = transport::resolve_secret(channel.url, "notify.channels." + channel.name + ".url");
  if (!url) return tl::unexpected(url.error());
  auto secret = transport::resolve_secret(channel.secret, "notify.channels." + channel.name + ".secret");
  if (!secret) return tl::unexpected(secret.error());
  auto payload = webhook_payload(channel.type, message, *secret);
  if (!payload) return tl::unexpected(payload.error());
  transport::HttpRequest request;
  request.method = transport::HttpMethod::post;
  request.url = *url;
  request.body = payload->body;
  request.headers = payload->headers;
  request.max_redirects = 0; // a redirected POST would be replayed as GET by some servers
  auto response = m_http->send(request);
  // The URL of a chat webhook is its credential: never let it into a message.
  if (!response) return tl::unexpected(core::Error{response.error().kind, core::redact(response.error().message)});
  if (response->status < 200 || response->status >= 300) {
    return tl::unexpected(core::Error{core::ErrorKind::http,
                                      fmt::format("webhook answered HTTP {}", response->status)});
  }
  return {};
}

} // namespace tma::notify
