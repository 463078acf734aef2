#include "journal/event_index.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "journal/reader.hpp"

namespace tma::journal::index {
namespace {

constexpr std::string_view k_magic{"TMAJIDX\0", 8};
constexpr std::size_t k_digest = 32;
constexpr std::size_t k_header = k_magic.size() + sizeof(std::uint32_t) + k_digest;
static_assert(k_header - k_digest == EventIndex::k_digest_offset);


// Fixed-size integers in host byte order (the index never leaves this machine; another byte
// order fails the version check and is rebuilt) and length-prefixed strings.
class Writer {
public:
  template <class T>
  void num(T value) {
    m_out.append(reinterpret_cast<const char*>(&value), sizeof value);
  }
  void str(std::string_view text) {
    num(static_cast<std::uint32_t>(text.size()));
    m_out.append(text);
  }
  std::string& out() { return m_out; }

private:
  std::string m_out;
};

// Reads what Writer wrote; every read is bounds-checked, so a truncated or damaged file fails
// (`ok()` false) instead of reading past the end.
class Reader {
public:
  explicit Reader(std::string_view in) : m_in(in) {}
  template <class T>
  T num() {
    T value{};
    if (!take(sizeof value)) return value;
    std::memcpy(&value, m_in.data() + m_pos - sizeof value, sizeof value);
    return value;
  }
  std::string_view str() {
    auto size = num<std::uint32_t>();
    if (!take(size)) return {};
    return m_in.substr(m_pos - size, size);
  }
  // A count of items each at least `min_size` bytes long: larger than what is left means damage.
  std::uint64_t count(std::size_t min_size) {
    auto n = num<std::uint64_t>();
    if (n > (m_in.size() - m_pos) / min_size) m_ok = false;
    return m_ok ? n : 0;
  }
  bool ok() const { return m_ok; }
  bool at_end() const { return m_pos == m_in.size(); }

private:
  bool take(std::size_t n) {
    if (!m_ok || n > m_in.size() - m_pos) {
      m_ok = false;
      return false;
    }
    m_pos += n;
    return true;
  }
  std::string_view m_in;
  std::size_t m_pos = 0;
  bool m_ok = true;
};

std::vector<char> allowed(const std::vector<std::string>& strings, const std::vector<std::string>& values) {
  std::vector<char> ok;
  if (values.empty()) return ok;
  ok.resize(strings.size());
  for (std::size_t i = 0; i < strings.size(); ++i) {
    ok[i] = std::find(values.begin(), values.end(), strings[i]) != values.end() ? 1 : 0;
  }
  return ok;
}

bool passes(const std::vector<char>& ok, std::uint32_t id) { return ok.empty() || ok[id] != 0; }

core::Error damaged(std::string_view what) {
  return core::Error{core::ErrorKind::io, fmt::format("journal index: {}", what)};
}

} // namespace

std::string sha256_raw(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1 || size != k_digest) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

bool covers(const Filter& filter) {
  const auto& types = indexed_types();
  return !filter.types.empty() && std::all_of(filter.types.begin(), filter.types.end(), [&](const std::string& t) {
    return std::find(types.begin(), types.end(), t) != types.end();
  });
}

// Added text goes into 1 MiB chunks that are never reallocated (views stay valid), not into a
// string each: a rebuild adds about half a million of them.
std::string_view EventIndex::own(std::string_view text) {
  constexpr std::size_t k_chunk = 1 << 20;
  if (m_owned.empty() || m_owned.back().capacity() - m_owned.back().size() < text.size()) {
    m_owned.emplace_back().reserve(std::max(k_chunk, text.size()));
  }
  auto& chunk = m_owned.back();
  auto start = chunk.size();
  chunk.append(text);
  return std::string_view(chunk).substr(start, text.size());
}

// The lookup maps are only needed to add files: a loaded index that is only scanned never builds them.
std::uint32_t EventIndex::intern(const std::string& text) {
  if (m_string_ids.empty()) {
    for (std::uint32_t i = 0; i < m_strings.size(); ++i) m_string_ids.emplace(m_strings[i], i);
  }
  auto [it, added] = m_string_ids.try_emplace(text, static_cast<std::uint32_t>(m_strings.size()));
  if (added) m_strings.push_back(text);
  return it->second;
}

// A new entry every time: a path is added once, or again after remove_file (the old entry is
// then referenced by nothing).
std::uint32_t EventIndex::file_id(const std::string& path, long long day) {
  m_files.push_back({own(path), day});
  return static_cast<std::uint32_t>(m_files.size() - 1);
}

void EventIndex::add_file(const std::string& path, long long day, std::string_view content) {
  std::uint32_t file = file_id(path, day);
  std::uint32_t line_no = 0;
  const auto& types = indexed_types();
  while (!content.empty()) {
    auto end = content.find('\n');
    std::string_view line = content.substr(0, end);
    content = end == std::string_view::npos ? std::string_view() : content.substr(end + 1);
    ++line_no;
    // The same cheap test the tree reader makes before parsing: a line failing it can never be
    // read by a scan for these types, a line passing it is parsed exactly as the reader would.
    if (line.empty() || !may_match_type(line, types)) continue;
    auto json = nlohmann::json::parse(line, nullptr, false);
    auto event = json.is_discarded() ? core::Result<Event>(core::fail(core::ErrorKind::io, "not valid JSON"))
                                     : event_from_json(std::move(json));
    if (!event) {
      m_bad.push_back({file, line_no, own(line)});
      continue;
    }
    if (std::find(types.begin(), types.end(), event->type) == types.end()) continue;
    Record r;
    r.at = event->at.time_since_epoch().count();
    r.file = file;
    r.line = line_no;
    r.id = own(event->id);
    r.run = own(event->run);
    r.actor = intern(event->actor);
    r.type = intern(event->type);
    r.site = intern(event->site);
    r.env = intern(event->env);
    r.client = intern(event->client);
    auto packed = nlohmann::json::to_msgpack(event->data);
    r.data = own(std::string_view(reinterpret_cast<const char*>(packed.data()), packed.size()));
    m_records.push_back(std::move(r));
  }
}

void EventIndex::remove_file(const std::string& path) {
  std::vector<char> gone(m_files.size());
  for (std::size_t i = 0; i < m_files.size(); ++i) gone[i] = m_files[i].path == path ? 1 : 0;
  // Erasing keeps the order: the sorted prefix only shrinks by what it loses.
  m_sorted -= static_cast<std::size_t>(std::count_if(m_records.begin(), m_records.begin() + static_cast<std::ptrdiff_t>(m_sorted),
                                                     [&](const Record& r) { return gone[r.file] != 0; }));
  std::erase_if(m_records, [&](const Record& r) { return gone[r.file] != 0; });
  std::erase_if(m_bad, [&](const BadLine& b) { return gone[b.file] != 0; });
}

// Records loaded from a file (or sorted before) stay sorted: only those added since are sorted,
// then merged in, so an incremental update costs its new records, not the whole index.
void EventIndex::sort() {
  auto newer = [&](const Record& a, const Record& b) {
    if (a.at != b.at) return a.at > b.at;
    if (a.file != b.file) return m_files[a.file].path > m_files[b.file].path;
    return a.line > b.line;
  };
  auto middle = m_records.begin() + static_cast<std::ptrdiff_t>(m_sorted);
  std::sort(middle, m_records.end(), newer);
  std::inplace_merge(m_records.begin(), middle, m_records.end(), newer);
  m_sorted = m_records.size();
}

core::Result<void> EventIndex::scan(const Filter& filter, const Visitor& visit) const {
  return scan(filter, [&visit](const Event& event, std::string_view) { return visit(event); }, true);
}

core::Result<void> EventIndex::scan(const Filter& filter, const EncodedVisitor& visit, bool decode) const {
  auto window = day_window(filter);
  std::vector<Located> none;
  for (const auto& bad : m_bad) {
    const auto& file = m_files[bad.file];
    if (!window.excludes(file.day)) parse_line(bad.text, std::string(file.path), bad.line, filter, none); // warns
  }
  auto types = allowed(m_strings, filter.types);
  auto sites = allowed(m_strings, filter.sites);
  auto clients = allowed(m_strings, filter.clients);
  auto envs = allowed(m_strings, filter.envs);
  auto first = m_records.begin();
  if (filter.until) {
    auto until = filter.until->time_since_epoch().count();
    first = std::partition_point(m_records.begin(), m_records.end(), [&](const Record& r) { return r.at >= until; });
  }
  std::optional<std::int64_t> since;
  if (filter.since) since = filter.since->time_since_epoch().count();
  Event event; // reused: its strings keep their capacity from one event to the next
  for (auto it = first; it != m_records.end(); ++it) {
    const Record& r = *it;
    if (since && r.at < *since) break;
    if (!passes(types, r.type) || !passes(sites, r.site) || !passes(clients, r.client) || !passes(envs, r.env)) continue;
    if (window.excludes(m_files[r.file].day)) continue;
    event.id.assign(r.id);
    event.at = SysSeconds{std::chrono::seconds{r.at}};
    event.actor = m_strings[r.actor];
    event.run.assign(r.run);
    event.type = m_strings[r.type];
    event.site = m_strings[r.site];
    event.env = m_strings[r.env];
    event.client = m_strings[r.client];
    if (!filter.matches(event)) continue;
    if (!decode) {
      event.data = nullptr; // the payload is the bytes
      if (!visit(event, r.data)) break;
      continue;
    }
    event.data = nlohmann::json::from_msgpack(r.data.begin(), r.data.end(), true, false);
    if (event.data.is_discarded()) return tl::unexpected(damaged(fmt::format("bad data for event {}", r.id)));
    if (!visit(event, {})) break;
  }
  return {};
}

std::string EventIndex::write(const Sink& sink) const {
  // Written in pieces of about 1 MiB, hashed on the way: the whole file is never in memory twice.
  constexpr std::size_t k_piece = 1 << 20;
  Writer w;
  w.out().reserve(2 * k_piece);
  w.out().append(k_magic);
  w.num(k_version);
  w.out().append(k_digest, '\0');
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> hash(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool hashing = hash && EVP_DigestInit_ex(hash.get(), EVP_sha256(), nullptr) == 1;
  std::size_t skip = k_header; // the header is not hashed
  auto flush = [&](bool last) {
    auto& out = w.out();
    if (!last && out.size() < k_piece) return;
    hashing = hashing && EVP_DigestUpdate(hash.get(), out.data() + skip, out.size() - skip) == 1;
    skip = 0;
    sink(out);
    out.clear();
  };
  w.str(ref);
  w.str(tip);
  w.num(static_cast<std::uint64_t>(m_strings.size()));
  for (const auto& s : m_strings) w.str(s);
  w.num(static_cast<std::uint64_t>(m_files.size()));
  for (const auto& f : m_files) {
    w.str(f.path);
    w.num(static_cast<std::int64_t>(f.day));
    flush(false);
  }
  w.num(static_cast<std::uint64_t>(m_records.size()));
  for (const auto& r : m_records) {
    w.num(r.at);
    w.num(r.file);
    w.num(r.line);
    w.str(r.id);
    w.str(r.run);
    for (auto id : {r.actor, r.type, r.site, r.env, r.client}) w.num(id);
    w.str(r.data);
    flush(false);
  }
  w.num(static_cast<std::uint64_t>(m_bad.size()));
  for (const auto& b : m_bad) {
    w.num(b.file);
    w.num(b.line);
    w.str(b.text);
    flush(false);
  }
  flush(true);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!hashing || EVP_DigestFinal_ex(hash.get(), digest, &size) != 1 || size != k_digest) return {};
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string EventIndex::serialize() const {
  std::string out;
  auto digest = write([&](std::string_view piece) { out += piece; });
  out.replace(k_digest_offset, k_digest, digest);
  return out;
}

core::Result<EventIndex> EventIndex::deserialize(std::string owned) {
  EventIndex index;
  index.m_loaded = std::move(owned);
  std::string_view bytes = index.m_loaded;
  if (bytes.size() < k_header || bytes.substr(0, k_magic.size()) != k_magic) return tl::unexpected(damaged("not an index file"));
  std::uint32_t version = 0;
  std::memcpy(&version, bytes.data() + k_magic.size(), sizeof version);
  if (version != k_version) return tl::unexpected(damaged(fmt::format("version {}, expected {}", version, k_version)));
  auto payload = bytes.substr(k_header);
  if (sha256_raw(payload) != bytes.substr(k_header - k_digest, k_digest)) return tl::unexpected(damaged("checksum mismatch"));
  Reader in(payload);
  index.ref = in.str();
  index.tip = in.str();
  index.m_strings.clear();
  for (auto n = in.count(4); n > 0 && in.ok(); --n) index.m_strings.emplace_back(in.str());
  if (index.m_strings.empty() || !index.m_strings.front().empty()) return tl::unexpected(damaged("bad string table"));
  for (auto n = in.count(12); n > 0 && in.ok(); --n) {
    RunFile f;
    f.path = in.str();
    f.day = in.num<std::int64_t>();
    index.m_files.push_back(f);
  }
  auto strings = index.m_strings.size();
  auto files = index.m_files.size();
  auto records = in.count(48);
  index.m_records.reserve(records);
  for (; records > 0 && in.ok(); --records) {
    Record r;
    r.at = in.num<std::int64_t>();
    r.file = in.num<std::uint32_t>();
    r.line = in.num<std::uint32_t>();
    r.id = in.str();
    r.run = in.str();
    for (auto* id : {&r.actor, &r.type, &r.site, &r.env, &r.client}) {
      *id = in.num<std::uint32_t>();
      if (*id >= strings) return tl::unexpected(damaged("string id out of range"));
    }
    r.data = in.str();
    if (r.file >= files) return tl::unexpected(damaged("file id out of range"));
    index.m_records.push_back(r);
  }
  for (auto n = in.count(12); n > 0 && in.ok(); --n) {
    BadLine b;
    b.file = in.num<std::uint32_t>();
    b.line = in.num<std::uint32_t>();
    b.text = in.str();
    if (b.file >= files) return tl::unexpected(damaged("file id out of range"));
    index.m_bad.push_back(b);
  }
  if (!in.ok() || !in.at_end()) return tl::unexpected(damaged("truncated or trailing bytes"));
  index.m_sorted = index.m_records.size(); // saved after sort()
  return index;
}

} // namespace tma::journal::index
