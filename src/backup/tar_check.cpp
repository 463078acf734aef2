#include <tma/backup/tar_check.hpp>

#include <fmt/format.h>

namespace tma::backup {

namespace {

constexpr std::size_t k_block = 512;
constexpr std::uint64_t k_max_meta = 1 << 20; ///< longest long-name / pax record set accepted

std::string field(std::string_view block, std::size_t offset, std::size_t length) {
  auto f = block.substr(offset, length);
  auto nul = f.find('\0');
  return std::string(nul == std::string_view::npos ? f : f.substr(0, nul));
}

/// A numeric header field: octal text, or GNU base-256 when the high bit of the first byte is set.
std::uint64_t number(std::string_view f, bool& ok) {
  ok = true;
  if (!f.empty() && (static_cast<unsigned char>(f[0]) & 0x80) != 0) {
    std::uint64_t value = static_cast<unsigned char>(f[0]) & 0x7f;
    for (std::size_t i = 1; i < f.size(); ++i) value = (value << 8) | static_cast<unsigned char>(f[i]);
    return value;
  }
  std::uint64_t value = 0;
  bool digits = false;
  for (char c : f) {
    if (c == '\0' || c == ' ') {
      if (digits) break;
      continue;
    }
    if (c < '0' || c > '7') {
      ok = false;
      return 0;
    }
    value = value * 8 + static_cast<std::uint64_t>(c - '0');
    digits = true;
  }
  return value;
}

std::uint64_t padded(std::uint64_t size) { return (size + k_block - 1) / k_block * k_block; }

} // namespace

bool stays_inside(std::string_view base, std::string_view path) {
  if (path.empty()) return true;
  if (path.front() == '/') return false;
  int depth = 0;
  auto walk = [&depth](std::string_view p) {
    std::size_t start = 0;
    while (start <= p.size()) {
      auto end = p.find('/', start);
      auto part = p.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
      if (part == "..") {
        if (--depth < 0) return false;
      } else if (!part.empty() && part != ".") {
        ++depth;
      }
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
    return true;
  };
  return walk(base) && walk(path);
}

void TarChecker::problem(std::string text) {
  if (m_problems.size() < 20) m_problems.push_back(std::move(text));
}

void TarChecker::feed(std::string_view data) {
  while (!data.empty()) {
    if (m_skip > 0) {
      auto n = static_cast<std::size_t>(std::min<std::uint64_t>(m_skip, data.size()));
      if (m_collect != 0 && m_collect_left > 0) {
        auto take = static_cast<std::size_t>(std::min<std::uint64_t>(m_collect_left, n));
        m_collected.append(data.substr(0, take));
        m_collect_left -= take;
      }
      m_skip -= n;
      data.remove_prefix(n);
      if (m_skip == 0 && m_collect != 0) {
        std::string value = m_collected;
        while (!value.empty() && value.back() == '\0') value.pop_back();
        if (m_collect == 'L') m_long_name = value;
        if (m_collect == 'K') m_long_link = value;
        if (m_collect == 'x') apply_pax(value);
        m_collect = 0;
        m_collected.clear();
      }
      continue;
    }
    auto need = k_block - m_block.size();
    auto take = std::min(need, data.size());
    m_block.append(data.substr(0, take));
    data.remove_prefix(take);
    if (m_block.size() == k_block) {
      header(m_block);
      m_block.clear();
    }
  }
}

void TarChecker::apply_pax(const std::string& records) {
  // Records: "<len> <key>=<value>\n".
  std::size_t pos = 0;
  while (pos < records.size()) {
    auto space = records.find(' ', pos);
    if (space == std::string::npos) break;
    std::size_t length = 0;
    for (std::size_t i = pos; i < space; ++i) {
      if (records[i] < '0' || records[i] > '9') return problem("malformed pax header");
      length = length * 10 + static_cast<std::size_t>(records[i] - '0');
    }
    if (length == 0 || pos + length > records.size()) return problem("malformed pax header");
    std::string record = records.substr(space + 1, pos + length - space - 2);
    auto eq = record.find('=');
    if (eq != std::string::npos) {
      auto key = record.substr(0, eq);
      if (key == "path") m_long_name = record.substr(eq + 1);
      if (key == "linkpath") m_long_link = record.substr(eq + 1);
    }
    pos += length;
  }
}

void TarChecker::header(std::string_view block) {
  if (m_ended) return; // padding after the end-of-archive marker
  if (block.find_first_not_of('\0') == std::string_view::npos) {
    if (++m_zero_blocks == 2) m_ended = true;
    return;
  }
  m_zero_blocks = 0;
  // Header checksum: the sum of all bytes with the checksum field read as spaces.
  bool ok = true;
  auto stored = number(block.substr(148, 8), ok);
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < k_block; ++i) {
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(block[i]);
  }
  if (!ok || stored != sum) {
    problem("corrupt tar header (bad checksum)");
    m_ended = true;
    return;
  }
  char type = block[156];
  auto size = number(block.substr(124, 12), ok);
  if (!ok) {
    problem("corrupt tar header (bad size)");
    m_ended = true;
    return;
  }
  if (type == 'L' || type == 'K' || type == 'x' || type == 'g') {
    if (size > k_max_meta) {
      problem("tar metadata entry too large");
      m_ended = true;
      return;
    }
    m_collect = type == 'g' ? 0 : type;
    m_collect_left = size;
    m_collected.clear();
    m_skip = padded(size);
    return;
  }
  std::string name = m_long_name;
  std::string link = m_long_link;
  if (name.empty()) {
    name = field(block, 0, 100);
    if (block.substr(257, 5) == "ustar") {
      auto prefix = field(block, 345, 155);
      if (!prefix.empty()) name = prefix + "/" + name;
    }
  }
  if (link.empty()) link = field(block, 157, 100);
  m_long_name.clear();
  m_long_link.clear();
  ++m_entries;
  check_entry(type, name, link);
  // Hard links, symlinks and directories carry no data; everything else does.
  bool has_data = !(type == '1' || type == '2' || type == '5' || type == '3' || type == '4' || type == '6');
  m_skip = has_data ? padded(size) : 0;
}

void TarChecker::check_entry(char type, const std::string& name, const std::string& link) {
  if (name.empty()) return problem("entry without a name");
  if (name.front() == '/') return problem(fmt::format("absolute path '{}'", name));
  if (!stays_inside("", name) || name == ".." || name.find("/../") != std::string::npos ||
      name.rfind("../", 0) == 0 || (name.size() >= 3 && name.compare(name.size() - 3, 3, "/..") == 0)) {
    return problem(fmt::format("path with '..' '{}'", name));
  }
  if (type == '3' || type == '4' || type == '6') return problem(fmt::format("device or FIFO '{}'", name));
  if (type == '1') {
    if (link.empty() || link.front() == '/' || !stays_inside("", link) || link.find("..") != std::string::npos) {
      problem(fmt::format("hard link '{}' to '{}' outside the archive", name, link));
    }
  } else if (type == '2') {
    auto slash = name.find_last_of('/', name.size() > 1 && name.back() == '/' ? name.size() - 2 : std::string::npos);
    std::string base = slash == std::string::npos ? "" : name.substr(0, slash);
    if (link.empty() || link.front() == '/' || !stays_inside(base, link)) {
      problem(fmt::format("symbolic link '{}' -> '{}' points outside", name, link));
    }
  }
}

void TarChecker::finish() {
  if (m_skip > 0 || !m_block.empty()) {
    problem("truncated tar archive");
  } else if (!m_ended) {
    problem("tar archive without its end-of-archive blocks");
  }
}

} // namespace tma::backup
