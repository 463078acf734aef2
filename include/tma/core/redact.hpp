#pragma once
// Secret redaction (ccache's k_redacted_secret idea): every secret value tma learns, from `${VAR}`
// expansion or a `*_command`, is registered here, and every path to the outside world (terminal,
// JSON, logs, errors, journal) passes its text through `redact()`.

#include <string>
#include <string_view>

namespace tma::core {

/// What a secret is replaced with.
inline constexpr std::string_view k_redacted = "***";

/// Values shorter than this are not registered: replacing every "1" or "on" would garble output.
/// `tma inventory check` warns about such short secrets.
inline constexpr std::size_t k_min_secret_length = 4;

/// Remember `value` as secret for the life of the process. Thread-safe.
void register_secret(std::string_view value);

/// `text` with every registered secret replaced by `***`. Thread-safe.
std::string redact(std::string_view text);

/// Forget every registered secret (tests only).
void clear_secrets_for_testing();

} // namespace tma::core
