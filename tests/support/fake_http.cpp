#include "support/fake_http.hpp"

namespace tma::test {

void FakeHttpClient::reply(const std::string& url, transport::HttpResponse response) {
  std::lock_guard lock(m_mutex);
  m_replies.insert_or_assign(url, std::move(response));
}

void FakeHttpClient::fail(const std::string& url, tma::core::Error error) {
  std::lock_guard lock(m_mutex);
  m_replies.insert_or_assign(url, tl::unexpected(std::move(error)));
}

std::vector<std::string> FakeHttpClient::urls() const {
  std::lock_guard lock(m_mutex);
  return m_urls;
}

tma::core::Result<transport::HttpResponse> FakeHttpClient::send(const transport::HttpRequest& request) {
  std::lock_guard lock(m_mutex);
  m_urls.push_back(request.url);
  auto it = m_replies.find(request.url);
  if (it == m_replies.end()) {
    return tma::core::fail(tma::core::ErrorKind::unreachable, "GET " + request.url + ": no fake reply");
  }
  return it->second;
}

} // namespace tma::test
