#pragma once
// Exit codes shared by every command (docs/cli.md). Values 1, 2 and 4 are bit flags that combine:
// a run with findings on one site and another site unreachable exits 1|4 = 5.

namespace tma::core::exit_code {

inline constexpr int ok = 0;
inline constexpr int findings = 1;     ///< bit: outdated/security findings per --fail-on, failed smoke test
inline constexpr int site_failed = 2;  ///< bit: at least one site failed
inline constexpr int unreachable = 4;  ///< bit: at least one site could not be reached
inline constexpr int usage = 64;       ///< EX_USAGE
inline constexpr int data = 65;        ///< EX_DATAERR: a figure too large to compute (money or time overflow)
inline constexpr int internal = 70;    ///< EX_SOFTWARE: a bug in tma
inline constexpr int locked = 75;      ///< EX_TEMPFAIL: another tma holds the lock
inline constexpr int config = 78;      ///< EX_CONFIG: inventory or configuration error
inline constexpr int interrupted = 130;

} // namespace tma::core::exit_code
