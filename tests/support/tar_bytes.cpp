#include "support/tar_bytes.hpp"

#include <cstring>

#include <fmt/format.h>

namespace tma::test {

std::string tar_octal(std::uint64_t value, std::size_t width) {
  auto text = fmt::format("{:0{}o}", value, width - 1);
  return text + std::string(1, '\0');
}

std::string tar_header(const TarHeader& header, std::uint64_t size) {
  std::string h(512, '\0');
  std::memcpy(&h[0], header.name.data(), std::min<std::size_t>(header.name.size(), 100));
  std::memcpy(&h[100], tar_octal(header.mode, 8).data(), 8);
  std::memcpy(&h[108], tar_octal(header.uid, 8).data(), 8);
  std::memcpy(&h[116], tar_octal(header.gid, 8).data(), 8);
  std::memcpy(&h[124], tar_octal(size, 12).data(), 12);
  std::memcpy(&h[136], tar_octal(0, 12).data(), 12);
  h[156] = header.type;
  std::memcpy(&h[157], header.link.data(), std::min<std::size_t>(header.link.size(), 100));
  std::memcpy(&h[257], header.magic.data(), std::min<std::size_t>(header.magic.size(), 8));
  if (header.tweak) header.tweak(h);
  std::memset(&h[148], ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  auto chk = fmt::format("{:06o}", sum);
  std::memcpy(&h[148], chk.data(), 6);
  h[154] = '\0';
  h[155] = ' ';
  return h;
}

std::string tar_entry(const TarHeader& header, const std::string& data) {
  std::string padded = data;
  padded.resize((data.size() + 511) / 512 * 512, '\0');
  return tar_header(header, data.size()) + padded;
}

std::string entry(const std::string& name, char type, const std::string& data, const std::string& link) {
  TarHeader header;
  header.name = name;
  header.type = type;
  header.link = link;
  return tar_entry(header, data);
}

std::string pax_record(const std::string& key, const std::string& value) {
  auto body = " " + key + "=" + value + "\n";
  auto length = body.size() + 1;
  while (std::to_string(length).size() + body.size() != length) ++length;
  return std::to_string(length) + body;
}

} // namespace tma::test
