#include <tma/core/atomic_file.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include <fmt/format.h>

namespace tma::core {

Result<void> write_atomically(const std::filesystem::path& path, std::string_view content) {
  auto temp = path;
  temp += fmt::format(".{}.{:08x}.tmp", ::getpid(), std::random_device{}());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return fail(ErrorKind::io, fmt::format("cannot create {}: {}", temp.string(), std::strerror(errno)));
  bool ok = true;
  std::size_t done = 0;
  while (ok && done < content.size()) {
    auto n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    auto why = std::strerror(errno);
    std::error_code ec;
    std::filesystem::remove(temp, ec);
    return fail(ErrorKind::io, fmt::format("cannot write {}: {}", path.string(), why));
  }
  return {};
}

} // namespace tma::core
