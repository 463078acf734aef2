#pragma once
// Private RAII wrappers for libcurl handles (only src/transport includes curl).

#include <memory>
#include <string>

#include <curl/curl.h>

namespace tma::transport::detail {

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

/// A curl_slist owned for the life of a transfer.
class CurlSlist {
public:
  CurlSlist() = default;
  ~CurlSlist() { curl_slist_free_all(m_list); }
  CurlSlist(const CurlSlist&) = delete;
  CurlSlist& operator=(const CurlSlist&) = delete;
  /// Append `line`; false when libcurl could not allocate.
  bool append(const std::string& line) {
    auto* next = curl_slist_append(m_list, line.c_str());
    if (!next) return false;
    m_list = next;
    return true;
  }
  curl_slist* get() const { return m_list; }

private:
  curl_slist* m_list = nullptr;
};

/// curl_global_init once per process (libcurl is not thread-safe before it).
void ensure_curl_global_init();

} // namespace tma::transport::detail
