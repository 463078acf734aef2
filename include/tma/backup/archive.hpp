#pragma once
// Tar archives of a restore, read with libarchive (gzip, zstd or plain; ustar, GNU, pax, sparse
// members): `check_archive` judges every entry with EntryChecker before anything is sent; the
// extraction then receives `SanitizedArchive`, the same archive re-encoded entry by entry as it is
// read and checked again on the way, so the server's tar gets exactly what was checked, never a
// byte libarchive and the server's tar could read differently. Set-user-ID, set-group-ID and sticky
// bits are cleared unless `RestoreKeep::special_bits` (docs/backup.md, "Restore").

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <tma/core/error.hpp>

namespace tma::backup {

/// What a restore keeps of the archive's metadata (inventory `backup.restore_keep`).
struct RestoreKeep {
  bool special_bits = false; ///< setuid, setgid, sticky
  bool owner = false;        ///< uid/gid of the entries (tar runs with --no-same-owner otherwise)
};

/// Check a (compressed) tar artifact; the error lists the refused entries. Returns the entry count.
core::Result<std::uint64_t> check_archive(const std::string& path, const std::string& compression);
/// The same for an archive in memory (tests, fuzzing); compression is detected.
core::Result<std::uint64_t> check_archive_bytes(std::string_view bytes);

/// The archive re-encoded (GNU tar format, same compression) for the extraction, pulled in chunks.
class SanitizedArchive {
public:
  static core::Result<std::unique_ptr<SanitizedArchive>> open_file(const std::string& path,
                                                                   const std::string& compression, RestoreKeep keep);
  /// From memory (tests, fuzzing): `bytes` must outlive the object.
  static core::Result<std::unique_ptr<SanitizedArchive>> open_memory(std::string_view bytes,
                                                                     const std::string& compression, RestoreKeep keep);
  ~SanitizedArchive();
  SanitizedArchive(const SanitizedArchive&) = delete;
  SanitizedArchive& operator=(const SanitizedArchive&) = delete;

  /// Up to `size` bytes of the re-encoded archive; 0 at its end or after an error (see error()).
  std::size_t read(char* buffer, std::size_t size);
  /// Why the stream stopped early (an unreadable or refused entry): the extraction must fail.
  const std::optional<core::Error>& error() const;
  std::uint64_t sent() const;

  struct State;

private:
  explicit SanitizedArchive(std::unique_ptr<State> state);
  std::unique_ptr<State> m_state;
};

} // namespace tma::backup
