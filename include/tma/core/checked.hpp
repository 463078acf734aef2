#pragma once
// Sums and products of money (integer cents) and time (whole seconds) that never wrap around: when
// a result does not fit in 64 bits they throw `OverflowError` (exit 65, docs/cli.md) naming what was
// being computed, so that a figure tma prints is exact or not printed at all. Every sum of money
// and hours goes through these (docs/contracts.md, "Money").

#include <cstdint>
#include <string_view>

#include <fmt/format.h>

#include <tma/core/error.hpp>
#include <tma/core/units.hpp>

namespace tma::core {

[[noreturn]] inline void throw_overflow(std::string_view what) {
  throw OverflowError(fmt::format("{}: too large to compute exactly (the limit is 2^63 - 1 cents or seconds); "
                                  "ask for a shorter period",
                                  what));
}

/// `a + b`, or OverflowError naming `what`.
inline std::int64_t checked_add(std::int64_t a, std::int64_t b, std::string_view what) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) throw_overflow(what);
  return out;
}

/// `a × b`, or OverflowError naming `what`.
inline std::int64_t checked_mul(std::int64_t a, std::int64_t b, std::string_view what) {
  std::int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) throw_overflow(what);
  return out;
}

inline Seconds checked_add(Seconds a, Seconds b, std::string_view what) {
  return Seconds(checked_add(a.count(), b.count(), what));
}

inline Seconds checked_mul(Seconds a, std::int64_t n, std::string_view what) {
  return Seconds(checked_mul(a.count(), n, what));
}

/// `total += value`, checked.
template <typename T> void add_to(T& total, T value, std::string_view what) { total = checked_add(total, value, what); }

} // namespace tma::core
