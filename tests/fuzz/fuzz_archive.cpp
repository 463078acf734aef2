// Fuzz target: the restore archive check (libarchive + EntryChecker) and the re-encoded stream.
// Oracle: an archive the check accepts re-encodes without error, and the re-encoded stream is
// accepted again with the same number of entries (what the server receives is what was checked).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <tma/backup/archive.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto checked = tma::backup::check_archive_bytes(bytes);
  if (!checked) return 0;
  auto stream = tma::backup::SanitizedArchive::open_memory(bytes, "none", {});
  if (!stream) std::abort();
  std::string out;
  char buffer[8192];
  while (auto n = (*stream)->read(buffer, sizeof buffer)) out.append(buffer, n);
  if ((*stream)->error()) std::abort();
  auto again = tma::backup::check_archive_bytes(out);
  if (!again || *again != *checked) std::abort();
  return 0;
}
