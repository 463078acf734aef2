#pragma once
// An HttpClient for tests of code built on HTTP: records requests, answers canned responses by URL.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <tma/transport/http.hpp>

namespace tma::test {

class FakeHttpClient final : public transport::HttpClient {
public:
  /// Answer requests to `url` with `response` (or with `error`).
  void reply(const std::string& url, transport::HttpResponse response);
  void fail(const std::string& url, tma::core::Error error);
  /// URLs requested so far, in order (thread-safe).
  std::vector<std::string> urls() const;
  /// Requests to unknown URLs fail as unreachable.
  tma::core::Result<transport::HttpResponse> send(const transport::HttpRequest& request) override;

private:
  mutable std::mutex m_mutex;
  std::map<std::string, tma::core::Result<transport::HttpResponse>> m_replies;
  std::vector<std::string> m_urls;
};

} // namespace tma::test
