// SMTP through libcurl. The HTTP client in transport/ speaks only HTTP, so this file holds the
// second (and only other) libcurl user; its handle is RAII like the HTTP client's.
#include <tma/notify/channel.hpp>

#include <algorithm>
#include <cstring>
#include <memory>

#include <curl/curl.h>
#include <fmt/format.h>

#include <tma/core/redact.hpp>

namespace tma::notify {

namespace {

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using SlistHandle = std::unique_ptr<curl_slist, SlistDeleter>;

struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  std::size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

core::ErrorKind kind_of(CURLcode code) {
  switch (code) {
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_CONNECT: return core::ErrorKind::unreachable;
  case CURLE_OPERATION_TIMEDOUT: return core::ErrorKind::timeout;
  case CURLE_LOGIN_DENIED:
  case CURLE_USE_SSL_FAILED: return core::ErrorKind::config;
  default: return core::ErrorKind::remote;
  }
}

} // namespace

core::Result<void> send_smtp(const std::string& url, const std::string& username, const std::string& password,
                             bool tls, const Email& email, const SmtpOptions& options) {
  if (url.rfind("smtp://", 0) != 0 && url.rfind("smtps://", 0) != 0) {
    return tl::unexpected(core::Error{core::ErrorKind::config, fmt::format("email: smtp must be smtp://host:port or smtps://host:port, not '{}'", core::redact(url))});
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CurlHandle curl(curl_easy_init());
  if (!curl) return tl::unexpected(core::Error{core::ErrorKind::internal, "email: curl_easy_init failed"});
  CURL* h = curl.get();
  char error[CURL_ERROR_SIZE] = {0};
  SlistHandle recipients;
  for (const auto& r : email.recipients) {
    auto* appended = curl_slist_append(recipients.get(), r.c_str());
    if (appended == nullptr) return tl::unexpected(core::Error{core::ErrorKind::internal, "email: out of memory"});
    recipients.release();
    recipients.reset(appended);
  }
  Upload upload{email.data, 0};
  auto from = "<" + email.from + ">";
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(email.data.size()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10'000L);
  // CURLUSESSL_ALL: the transfer fails unless STARTTLS succeeds, so credentials and content never
  // cross the network in clear when `tls` is on (a server that hides STARTTLS is refused).
  curl_easy_setopt(h, CURLOPT_USE_SSL, tls ? static_cast<long>(CURLUSESSL_ALL) : static_cast<long>(CURLUSESSL_NONE));
  if (options.ca_file) curl_easy_setopt(h, CURLOPT_CAINFO, options.ca_file->c_str());
  if (!username.empty()) {
    if (!tls && url.rfind("smtps://", 0) != 0) {
      return tl::unexpected(core::Error{core::ErrorKind::config, "email: refusing to send the SMTP password without TLS (tls: false)"});
    }
    curl_easy_setopt(h, CURLOPT_USERNAME, username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, password.c_str());
  }
  CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) {
    std::string detail = error[0] != '\0' ? error : curl_easy_strerror(code);
    if (code == CURLE_USE_SSL_FAILED) detail = "the server does not offer STARTTLS (set tls: false to allow plain SMTP)";
    return tl::unexpected(core::Error{kind_of(code), core::redact(fmt::format("email via {}: {}", url, detail))});
  }
  return {};
}

} // namespace tma::notify
