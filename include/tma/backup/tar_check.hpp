#pragma once
// Safety rules for the entries of a tar archive before it is extracted on a server (restore): every
// entry must stay inside the extraction directory. Refused: absolute names, a `..` component,
// devices, FIFOs and sockets, hard links whose target leaves the tree, symbolic links whose target
// is absolute or resolves outside the tree (following the archive's own symbolic links, so a chain
// such as `d/l -> ..` then `d/l/l2 -> ..` is caught), and any entry whose name goes through a
// symbolic link of the archive. Pure: the archive itself is read by libarchive (archive.hpp), which
// hands each decoded entry here, so GNU long names, pax records and sparse members are judged by
// the names the extraction will use.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tma::backup {

enum class EntryType { file, directory, symlink, hardlink, device, fifo, socket, other };

class EntryChecker {
public:
  /// Judge the next entry (`link`: a symbolic link's target or a hard link's target name).
  void check(EntryType type, std::string_view name, std::string_view link = {});
  /// Call at the end: symbolic links are resolved again against every link of the archive (a later
  /// link can change where an earlier one leads).
  void finish();
  /// Record a problem found outside the entry rules (unreadable or corrupt archive).
  void problem(std::string text);

  bool ok() const { return m_problems.empty(); }
  /// Human-readable reasons (`absolute path '/etc/x'`), at most 20 kept.
  const std::vector<std::string>& problems() const { return m_problems; }
  std::uint64_t entries() const { return m_entries; }

private:
  /// The symbolic link of the archive that `name` goes through (a proper prefix), or empty.
  std::string through_symlink(const std::string& name) const;
  /// True when `dir`/`target`, resolved through the archive's symbolic links, stays inside.
  bool resolves_inside(const std::string& dir, const std::string& target) const;

  std::map<std::string, std::string> m_symlinks; ///< normalised name -> target
  std::uint64_t m_entries = 0;
  std::vector<std::string> m_problems;
};

/// An entry name without its leading `./` and trailing `/` (`.` for the root itself).
std::string normalise_entry_name(std::string_view name);

/// True when `path` (relative, `/`-separated) stays inside its root: not absolute, no component
/// `..` that climbs above the start. `base` is the directory the path is relative to. Lexical only.
bool stays_inside(std::string_view base, std::string_view path);

} // namespace tma::backup
