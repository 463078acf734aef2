#pragma once
// The shapes inventory values must have, checked by plain scanners: linear time and no recursion
// whatever the length (std::regex overflowed the stack on a 30,000-character value).

#include <cstddef>
#include <optional>
#include <string_view>

namespace tma::inventory::detail {

/// `[A-Za-z0-9][A-Za-z0-9._-]*`: site, client, environment, storage, tag names.
bool is_name(std::string_view text);
/// `[A-Za-z0-9_][A-Za-z0-9._-]*`: an ssh user.
bool is_user_name(std::string_view text);
/// A host name `[A-Za-z0-9_][A-Za-z0-9._-]*`, a bracketed address `[::1]` or a bare IPv6 address.
bool is_host(std::string_view text);
/// `[A-Za-z0-9_$][A-Za-z0-9_$-]{0,63}`: a MySQL/MariaDB database name as tma passes it to
/// mysqldump and mysql (at most 64 characters, as the server allows; never an option).
bool is_database_name(std::string_view text);
/// `-?[0-9]{1,9}`, as an int.
std::optional<int> parse_int(std::string_view text);
/// `[0-9]{1,5}` from 1 to 65535.
std::optional<int> parse_port(std::string_view text);
/// `[0-9]*(\.[0-9]*)?` with at least one digit and at most `max_length` characters, as a double.
/// Read by hand so that `1e3`, `inf`, `nan` or `0x1p3` are refused rather than let through by a
/// float parser.
std::optional<double> parse_plain_decimal(std::string_view text, std::size_t max_length);
/// `local@domain`, neither part empty, no white space, control character or `@<>,;`.
bool is_email(std::string_view text);
/// `[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*`: a tz database name.
bool is_zone_name(std::string_view text);
/// `HH:MM` from 00:00 to 23:59, as minutes.
std::optional<int> parse_clock(std::string_view text);
/// A local path handed to a program as an argument: not empty, no leading `-`, only letters, digits,
/// non-ASCII letters and `/._~+@,:=-` (no white space, quote, `$`, `%`, glob or other shell character).
bool is_plain_path(std::string_view text);
/// A git reference name under refs/ that `git check-ref-format` accepts: no `..`, no component
/// starting with `.` or ending with `.lock`, no `//`, `@{`, control, space or `~^:?*[\`.
bool is_ref_name(std::string_view text);
/// An http:// or https:// URL without white space or control characters (a CR/LF would split a
/// request or a header).
bool is_http_url(std::string_view text);

} // namespace tma::inventory::detail
