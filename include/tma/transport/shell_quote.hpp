#pragma once
// Building command strings for a remote POSIX shell. ssh joins its arguments with spaces and the
// remote login shell re-parses the result, so every argv element is single-quoted exactly once per
// shell layer; inventory values then reach the remote program literally.

#include <string>
#include <string_view>
#include <vector>

namespace tma::transport {

/// `text` as one POSIX shell word: `'...'` with each `'` written as `'\''`. The empty string gives
/// `''`. Safe for every byte except NUL (which no shell word can carry; the inventory rejects it).
std::string shell_quote(std::string_view text);

/// The elements of `argv`, each quoted with `shell_quote`, joined by spaces.
std::string shell_join(const std::vector<std::string>& argv);

/// `cd '<path>' && <argv quoted>`, or just the quoted argv when `path` is empty.
std::string remote_command(const std::vector<std::string>& argv, std::string_view path);

/// Split a string produced by `shell_join` back into words (only the quoting `shell_quote`
/// produces, plus bare words). Used by tests and by the fake transport to check round trips.
std::vector<std::string> shell_split_quoted(std::string_view text);

} // namespace tma::transport
