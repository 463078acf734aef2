#include <tma/backup/archive.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>

#include <vector>

#include <fmt/format.h>

#include <tma/backup/tar_check.hpp>
#include <tma/core/text.hpp>

namespace tma::backup {

using core::ErrorKind;

namespace {

struct ReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
using Reader = std::unique_ptr<archive, ReadFree>;
using Writer = std::unique_ptr<archive, WriteFree>;

constexpr std::size_t k_chunk = 1 << 16;
constexpr la_int64_t k_block = 512;

/// libarchive turns pax names (UTF-8) into the current locale's charset, and tma runs in the "C"
/// locale, where `café.jpg` does not convert. While libarchive works, this thread uses C.UTF-8, so
/// names stay the bytes they were.
class Utf8Names {
public:
  Utf8Names() : m_locale(::newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr))) {}
  ~Utf8Names() {
    if (m_locale != static_cast<locale_t>(nullptr)) ::freelocale(m_locale);
  }
  Utf8Names(const Utf8Names&) = delete;
  Utf8Names& operator=(const Utf8Names&) = delete;
  locale_t get() const { return m_locale; }

private:
  locale_t m_locale;
};

class Utf8Scope {
public:
  Utf8Scope() {
    static const Utf8Names names;
    if (names.get() != static_cast<locale_t>(nullptr)) m_old = ::uselocale(names.get());
  }
  ~Utf8Scope() {
    if (m_old != static_cast<locale_t>(nullptr)) ::uselocale(m_old);
  }
  Utf8Scope(const Utf8Scope&) = delete;
  Utf8Scope& operator=(const Utf8Scope&) = delete;

private:
  locale_t m_old = static_cast<locale_t>(nullptr);
};

EntryType type_of(archive_entry* e) {
  if (archive_entry_hardlink(e) != nullptr) return EntryType::hardlink;
  switch (archive_entry_filetype(e)) {
    case AE_IFREG: return EntryType::file;
    case AE_IFDIR: return EntryType::directory;
    case AE_IFLNK: return EntryType::symlink;
    case AE_IFCHR:
    case AE_IFBLK: return EntryType::device;
    case AE_IFIFO: return EntryType::fifo;
    case AE_IFSOCK: return EntryType::socket;
    default: return EntryType::other;
  }
}

std::string error_text(archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? text : "unknown libarchive error";
}

core::Result<void> known_compression(const std::string& compression) {
  if (compression == "gzip" || compression == "zstd" || compression == "none" || compression.empty()) return {};
  return core::fail(ErrorKind::config, fmt::format("unknown compression '{}'", compression));
}

} // namespace

struct SanitizedArchive::State {
  std::string label; ///< the file, for messages
  // Declared before the writer, so destroyed after it: freeing the writer flushes its last block
  // into `out` through `collect`.
  std::string out; ///< re-encoded bytes not yet handed out
  Reader reader;
  Writer writer; ///< absent when only checking
  RestoreKeep keep;
  EntryChecker checker;
  std::size_t out_pos = 0;
  bool in_data = false;
  bool done = false;
  la_int64_t entry_end = 0; ///< uncompressed offset just after the last entry (data and padding)
  std::optional<core::Error> error;
  std::uint64_t sent = 0;
  std::vector<char> buffer = std::vector<char>(k_chunk);

  void fail(std::string reason) {
    checker.problem(std::move(reason));
    stop();
  }
  void stop() {
    done = true;
    error = core::Error{ErrorKind::io, fmt::format("{}: archive refused: {}", label, core::join(checker.problems(), "; "))};
  }
  /// One step: the next header, or the next chunk of an entry's data. False once finished.
  bool step();
  void end_of_archive();
};

void SanitizedArchive::State::end_of_archive() {
  // libarchive accepts an archive cut at an entry boundary; the two zero blocks that end a tar
  // archive tell a whole one from a truncated one.
  if (archive_filter_bytes(reader.get(), 0) < entry_end + k_block) {
    return fail("truncated tar archive (no end-of-archive blocks)");
  }
  checker.finish();
  if (!checker.ok()) return stop();
  if (writer && archive_write_close(writer.get()) != ARCHIVE_OK) {
    return fail(fmt::format("cannot re-encode the archive: {}", error_text(writer.get())));
  }
  done = true;
}

bool SanitizedArchive::State::step() {
  if (done) return false;
  archive* r = reader.get();
  if (in_data) {
    auto n = archive_read_data(r, buffer.data(), buffer.size());
    if (n < 0) {
      fail(fmt::format("unreadable archive: {}", error_text(r)));
      return false;
    }
    if (n == 0) {
      in_data = false;
      entry_end = archive_filter_bytes(r, 0);
      return true;
    }
    if (archive_write_data(writer.get(), buffer.data(), static_cast<std::size_t>(n)) != n) {
      fail(fmt::format("cannot re-encode the archive: {}", error_text(writer.get())));
      return false;
    }
    return true;
  }
  archive_entry* entry = nullptr;
  int rc = archive_read_next_header(r, &entry);
  if (rc == ARCHIVE_EOF) {
    end_of_archive();
    return false;
  }
  if (rc != ARCHIVE_OK) {
    fail(fmt::format("unreadable archive: {}", error_text(r)));
    return false;
  }
  const char* name = archive_entry_pathname(entry);
  if (name == nullptr) {
    fail("entry with an unreadable name");
    return false;
  }
  auto type = type_of(entry);
  const char* link = type == EntryType::hardlink  ? archive_entry_hardlink(entry)
                     : type == EntryType::symlink ? archive_entry_symlink(entry)
                                                  : nullptr;
  checker.check(type, name, link != nullptr ? link : "");
  if (!checker.ok()) {
    stop();
    return false;
  }
  if (!writer) {
    if (archive_read_data_skip(r) != ARCHIVE_OK) {
      fail(fmt::format("unreadable archive: {}", error_text(r)));
      return false;
    }
    entry_end = archive_filter_bytes(r, 0);
    return true;
  }
  // What the server's tar receives: the entry as checked, without the bits the restore drops.
  if (!keep.special_bits) archive_entry_set_perm(entry, archive_entry_perm(entry) & 0777);
  archive_entry_sparse_clear(entry); // holes are written as zeros (archive_read_data fills them)
  archive_entry_xattr_clear(entry);
  archive_entry_acl_clear(entry);
  if (type != EntryType::file) archive_entry_set_size(entry, 0);
  if (archive_write_header(writer.get(), entry) < ARCHIVE_WARN) {
    fail(fmt::format("cannot re-encode '{}': {}", name, error_text(writer.get())));
    return false;
  }
  if (type == EntryType::file && archive_entry_size(entry) > 0) {
    in_data = true;
  } else {
    if (archive_read_data_skip(r) != ARCHIVE_OK) {
      fail(fmt::format("unreadable archive: {}", error_text(r)));
      return false;
    }
    entry_end = archive_filter_bytes(r, 0);
  }
  return true;
}

namespace {

la_ssize_t collect(archive*, void* client, const void* data, size_t size) {
  static_cast<SanitizedArchive::State*>(client)->out.append(static_cast<const char*>(data), size);
  return static_cast<la_ssize_t>(size);
}

/// A reader of tar archives (gzip, zstd or plain) opened on `path` or on `bytes`.
core::Result<Reader> open_reader(const std::string* path, std::string_view bytes) {
  Reader reader(archive_read_new());
  if (!reader) return core::fail(ErrorKind::internal, "libarchive: out of memory");
  archive* r = reader.get();
  archive_read_support_filter_gzip(r); // ARCHIVE_WARN when it runs the external program: fine
  archive_read_support_filter_zstd(r);
  archive_read_support_format_tar(r); // ustar, GNU (long names, sparse) and pax
  int rc = path != nullptr ? archive_read_open_filename(r, path->c_str(), k_chunk)
                           : archive_read_open_memory(r, bytes.data(), bytes.size());
  if (rc != ARCHIVE_OK) {
    return core::fail(ErrorKind::io, fmt::format("{}: cannot read the archive: {}",
                                                 path != nullptr ? *path : std::string("archive"), error_text(r)));
  }
  return reader;
}

core::Result<std::uint64_t> check_with(SanitizedArchive::State& state) {
  while (state.step()) {
  }
  if (state.error) return tl::unexpected(*state.error);
  return state.checker.entries();
}

} // namespace

core::Result<std::uint64_t> check_archive(const std::string& path, const std::string& compression) {
  if (auto known = known_compression(compression); !known) return tl::unexpected(known.error());
  Utf8Scope utf8;
  auto reader = open_reader(&path, {});
  if (!reader) return tl::unexpected(reader.error());
  SanitizedArchive::State state;
  state.label = path;
  state.reader = std::move(*reader);
  return check_with(state);
}

core::Result<std::uint64_t> check_archive_bytes(std::string_view bytes) {
  Utf8Scope utf8;
  auto reader = open_reader(nullptr, bytes);
  if (!reader) return tl::unexpected(reader.error());
  SanitizedArchive::State state;
  state.label = "archive";
  state.reader = std::move(*reader);
  return check_with(state);
}

namespace {

core::Result<std::unique_ptr<SanitizedArchive::State>> sanitizer(const std::string* path, std::string_view bytes,
                                                                 const std::string& compression, RestoreKeep keep) {
  if (auto known = known_compression(compression); !known) return tl::unexpected(known.error());
  Utf8Scope utf8;
  auto reader = open_reader(path, bytes);
  if (!reader) return tl::unexpected(reader.error());
  auto state = std::make_unique<SanitizedArchive::State>();
  state->label = path != nullptr ? *path : std::string("archive");
  state->reader = std::move(*reader);
  state->keep = keep;
  state->writer.reset(archive_write_new());
  archive* w = state->writer.get();
  if (w == nullptr) return core::fail(ErrorKind::internal, "libarchive: out of memory");
  // GNU format, as GNU tar writes backups: names are kept as bytes (no charset conversion), long
  // names and large sizes are covered.
  int rc = archive_write_set_format_gnutar(w);
  if (rc == ARCHIVE_OK && compression == "gzip") rc = archive_write_add_filter_gzip(w);
  if (rc == ARCHIVE_OK && compression == "zstd") rc = archive_write_add_filter_zstd(w);
  if (rc == ARCHIVE_WARN) rc = ARCHIVE_OK; // the external program stands in for a missing library
  // No zero padding after the last block: `zstd -d` on the server refuses bytes after its frame.
  if (rc == ARCHIVE_OK) rc = archive_write_set_bytes_in_last_block(w, 1);
  if (rc == ARCHIVE_OK) rc = archive_write_open(w, state.get(), nullptr, collect, nullptr);
  if (rc != ARCHIVE_OK) {
    return core::fail(ErrorKind::io, fmt::format("{}: cannot re-encode the archive: {}", state->label, error_text(w)));
  }
  return state;
}

} // namespace

SanitizedArchive::SanitizedArchive(std::unique_ptr<State> state) : m_state(std::move(state)) {}
SanitizedArchive::~SanitizedArchive() = default;

core::Result<std::unique_ptr<SanitizedArchive>> SanitizedArchive::open_file(const std::string& path,
                                                                            const std::string& compression,
                                                                            RestoreKeep keep) {
  auto state = sanitizer(&path, {}, compression, keep);
  if (!state) return tl::unexpected(state.error());
  return std::unique_ptr<SanitizedArchive>(new SanitizedArchive(std::move(*state)));
}

core::Result<std::unique_ptr<SanitizedArchive>> SanitizedArchive::open_memory(std::string_view bytes,
                                                                              const std::string& compression,
                                                                              RestoreKeep keep) {
  auto state = sanitizer(nullptr, bytes, compression, keep);
  if (!state) return tl::unexpected(state.error());
  return std::unique_ptr<SanitizedArchive>(new SanitizedArchive(std::move(*state)));
}

std::size_t SanitizedArchive::read(char* buffer, std::size_t size) {
  auto& s = *m_state;
  Utf8Scope utf8;
  while (s.out_pos == s.out.size()) {
    s.out.clear();
    s.out_pos = 0;
    if (!s.step() && s.out.empty()) return 0;
  }
  if (s.error) return 0; // never the bytes of a refused archive
  std::size_t n = std::min(size, s.out.size() - s.out_pos);
  std::copy_n(s.out.data() + s.out_pos, n, buffer);
  s.out_pos += n;
  s.sent += n;
  return n;
}

const std::optional<core::Error>& SanitizedArchive::error() const { return m_state->error; }
std::uint64_t SanitizedArchive::sent() const { return m_state->sent; }

} // namespace tma::backup
