#pragma once
// Small string helpers shared across folders.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tma::core {

/// Shell-style glob match (`*`, `?`, `[abc]`, `[!a-z]`, `\*`) of the whole `text`: fnmatch(3)
/// without flags.
bool glob_match(std::string_view pattern, std::string_view text);

/// True when `text` contains a glob metacharacter.
bool has_glob(std::string_view text);

/// Edit distance counting adjacent transpositions as one edit, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `name` if it is close enough to be a plausible typo (ninja's spellcheck).
std::optional<std::string> suggest(std::string_view name, const std::vector<std::string>& candidates);

/// `text` without leading and trailing ASCII white space.
std::string_view trim(std::string_view text);

/// A DNS name of at least two labels, each 1 to 63 letters, digits or `-` not at either end, 253
/// characters at most, no trailing dot (`client.example`, `xn--bcher-kva.example`): what may be
/// asked of a registry and put in an RDAP URL.
bool is_domain_name(std::string_view text);

/// `text` with ASCII letters in lower case.
std::string lower_ascii(std::string_view text);

/// Join with `separator`.
std::string join(const std::vector<std::string>& parts, std::string_view separator);

} // namespace tma::core
