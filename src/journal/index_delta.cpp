#include "journal/index_delta.hpp"

#include <cstdint>
#include <cstring>


#include "journal/event_index.hpp"

namespace tma::journal::index {
namespace {

constexpr std::string_view k_magic{"TMAJDLT\0", 8};
constexpr std::size_t k_digest = 32;
constexpr std::size_t k_header = k_magic.size() + sizeof(std::uint32_t) + k_digest;


// Host byte order, like the base file (the index never leaves this machine).
template <class T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}
void put_str(std::string& out, std::string_view text) {
  put(out, static_cast<std::uint64_t>(text.size()));
  out.append(text);
}

class Reader {
public:
  explicit Reader(std::string_view bytes) : m_in(bytes) {}
  template <class T>
  bool num(T& value) {
    if (m_in.size() < sizeof value) return false;
    std::memcpy(&value, m_in.data(), sizeof value);
    m_in.remove_prefix(sizeof value);
    return true;
  }
  bool str(std::string& text) {
    std::uint64_t size = 0;
    if (!num(size) || m_in.size() < size) return false;
    text.assign(m_in.data(), size);
    m_in.remove_prefix(size);
    return true;
  }
  bool done() const { return m_in.empty(); }

private:
  std::string_view m_in;
};

core::Error damaged(const std::string& why) { return core::Error{core::ErrorKind::io, "journal index delta " + why}; }

} // namespace

std::string Delta::serialize() const {
  std::string payload;
  put_str(payload, ref);
  put_str(payload, prev);
  put_str(payload, tip);
  put(payload, static_cast<std::uint64_t>(files.size()));
  for (const auto& file : files) {
    put_str(payload, file.path);
    put(payload, static_cast<std::int64_t>(file.day));
    put_str(payload, file.content);
  }
  std::string out(k_magic);
  put(out, k_version);
  out += sha256_raw(payload);
  out += payload;
  return out;
}

core::Result<Delta> Delta::deserialize(std::string_view bytes) {
  if (bytes.size() < k_header || bytes.substr(0, k_magic.size()) != k_magic) return tl::unexpected(damaged("not a delta file"));
  std::uint32_t version = 0;
  std::memcpy(&version, bytes.data() + k_magic.size(), sizeof version);
  if (version != k_version) return tl::unexpected(damaged("of another version"));
  auto payload = bytes.substr(k_header);
  if (sha256_raw(payload) != bytes.substr(k_header - k_digest, k_digest)) return tl::unexpected(damaged("checksum mismatch"));
  Delta delta;
  Reader in(payload);
  std::uint64_t count = 0;
  if (!in.str(delta.ref) || !in.str(delta.prev) || !in.str(delta.tip) || !in.num(count)) return tl::unexpected(damaged("cut short"));
  for (std::uint64_t i = 0; i < count; ++i) {
    DeltaFile file;
    std::int64_t day = 0;
    if (!in.str(file.path) || !in.num(day) || !in.str(file.content)) return tl::unexpected(damaged("cut short"));
    file.day = day;
    delta.files.push_back(std::move(file));
  }
  if (!in.done() || delta.prev.size() != 40 || delta.tip.size() != 40) return tl::unexpected(damaged("inconsistent"));
  return delta;
}

} // namespace tma::journal::index
