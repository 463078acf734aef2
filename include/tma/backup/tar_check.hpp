#pragma once
// Safety check of a tar stream before it is extracted on a server (restore): every entry must stay
// inside the extraction directory. Refused: absolute names, a `..` component, symbolic links whose
// target is absolute or leaves the tree, hard links to such names, devices and FIFOs. Reads ustar,
// GNU long names (`L`/`K`) and pax headers (`path`, `linkpath`). Fed chunk by chunk: constant
// memory whatever the archive size. Pure: unit-tested on archives built in memory.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tma::backup {

class TarChecker {
public:
  /// Feed the next bytes of the (uncompressed) tar stream.
  void feed(std::string_view data);
  /// Call at the end: reports a truncated archive (no end-of-archive blocks / inside an entry).
  void finish();

  bool ok() const { return m_problems.empty(); }
  /// Human-readable reasons (`absolute path '/etc/x'`), at most 20 kept.
  const std::vector<std::string>& problems() const { return m_problems; }
  std::uint64_t entries() const { return m_entries; }

private:
  void header(std::string_view block);
  void check_entry(char type, const std::string& name, const std::string& link);
  void problem(std::string text);
  void apply_pax(const std::string& records);

  std::string m_block;          ///< partial 512-byte block
  std::uint64_t m_skip = 0;     ///< data bytes (padded) still to skip
  char m_collect = 0;           ///< 'L', 'K' or 'x' while collecting their data
  std::uint64_t m_collect_left = 0;
  std::string m_collected;
  std::string m_long_name, m_long_link; ///< from L/K or pax, for the next entry
  std::uint64_t m_entries = 0;
  int m_zero_blocks = 0;
  bool m_ended = false;
  std::vector<std::string> m_problems;
};

/// True when `path` (relative, `/`-separated) stays inside its root: not absolute, no component
/// `..` that climbs above the start. `base` is the directory the path is relative to.
bool stays_inside(std::string_view base, std::string_view path);

} // namespace tma::backup
