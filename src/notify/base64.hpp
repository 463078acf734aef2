#pragma once
// Base64 through OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock, for the notify/ sources: MIME bodies and
// encoded words (channel.cpp), attachments kept in `notify.pending` (message.cpp).
#include <optional>
#include <string>
#include <string_view>

namespace tma::notify::detail {

std::string base64_encode(std::string_view data);

/// The bytes of `text` (unwrapped base64), or nullopt when it is not base64.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace tma::notify::detail
