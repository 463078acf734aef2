#pragma once
// Tar archives byte by byte, for tests of the archive check: any name, type, mode and owner, GNU
// and pax extensions, sparse members (what a hostile archive can hold and a tar tool would not write).
#include <cstdint>
#include <functional>
#include <string>

namespace tma::test {

/// Header fields of one entry.
struct TarHeader {
  std::string name;
  char type = '0';
  std::string link;
  unsigned mode = 0644;
  unsigned uid = 0;
  unsigned gid = 0;
  std::string magic = std::string("ustar\0" "00", 8); ///< `ustar  \0` for old GNU headers
  /// Called on the 512 bytes before the checksum is computed (GNU sparse maps...).
  std::function<void(std::string&)> tweak;
};

/// The header block, its checksum computed.
std::string tar_header(const TarHeader& header, std::uint64_t size);
/// One entry: header + data padded to 512 bytes.
std::string tar_entry(const TarHeader& header, const std::string& data = "");
/// A plain ustar entry (mode 0644, owner 0).
std::string entry(const std::string& name, char type, const std::string& data = "", const std::string& link = "");
/// The two zero blocks that end an archive.
inline std::string end_blocks() { return std::string(1024, '\0'); }
/// One pax record `<len> key=value\n`, its length counting itself.
std::string pax_record(const std::string& key, const std::string& value);
/// Octal field of `width` bytes (NUL-terminated).
std::string tar_octal(std::uint64_t value, std::size_t width);

} // namespace tma::test
