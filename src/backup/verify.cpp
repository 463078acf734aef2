#include <tma/backup/verify.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include <tma/backup/store.hpp>
#include <tma/transport/process.hpp>

namespace tma::backup {

using core::ErrorKind;
using transport::Milliseconds;

namespace {

constexpr std::size_t k_tail_keep = 4096;
constexpr Milliseconds k_verify_timeout{6 * 3600 * 1000}; // a very large archive on a slow disk

core::Result<void> run_check(const std::vector<std::string>& argv, const transport::OutputSink& sink,
                             const std::string& path, std::string_view what) {
  transport::ProcessOptions options;
  options.timeout = k_verify_timeout;
  options.on_stdout = sink;
  options.stderr_keep = 4096;
  auto result = transport::run_process(argv, options);
  if (!result) return tl::unexpected(result.error());
  if (!result->ok()) {
    auto err = std::string(result->stderr_tail);
    while (!err.empty() && err.back() == '\n') err.pop_back();
    return core::fail(ErrorKind::io, fmt::format("{}: {} failed ({}){}{}", path, what, result->describe(),
                                                 err.empty() ? "" : ": ", err));
  }
  return {};
}

} // namespace

core::Result<std::vector<std::string>> decompress_argv(const std::string& compression, const std::string& path) {
  if (compression == "gzip") return std::vector<std::string>{"gzip", "-dc", "--", path};
  if (compression == "zstd") return std::vector<std::string>{"zstd", "-dcq", "--", path};
  if (compression == "none" || compression.empty()) return std::vector<std::string>{"cat", "--", path};
  return core::fail(ErrorKind::config, fmt::format("unknown compression '{}'", compression));
}

bool has_dump_trailer(std::string_view tail) {
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r' || tail.back() == ' ')) tail.remove_suffix(1);
  auto nl = tail.rfind('\n');
  auto last = nl == std::string_view::npos ? tail : tail.substr(nl + 1);
  return last.rfind("-- Dump completed", 0) == 0;
}

core::Result<void> verify_artifact(const std::string& path, ArtifactKind kind, const std::string& compression) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return core::fail(ErrorKind::io, fmt::format("{}: missing", path));
  if (st.st_size == 0) return core::fail(ErrorKind::io, fmt::format("{}: empty", path));
  auto argv = decompress_argv(compression, path);
  if (!argv) return tl::unexpected(argv.error());
  if (kind == ArtifactKind::database && (compression == "none" || compression.empty())) {
    // Nothing to decompress: the completion trailer at the end is the whole check, so only the
    // last block is read (the checksum pass already read every byte).
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return core::fail(ErrorKind::io, fmt::format("{}: cannot open", path));
    std::string tail(static_cast<std::size_t>(std::min<off_t>(st.st_size, k_tail_keep)), '\0');
    ssize_t n = ::pread(fd, tail.data(), tail.size(), st.st_size - static_cast<off_t>(tail.size()));
    ::close(fd);
    if (n != static_cast<ssize_t>(tail.size())) return core::fail(ErrorKind::io, fmt::format("{}: cannot read", path));
    if (!has_dump_trailer(tail)) {
      return core::fail(ErrorKind::io, fmt::format("{}: the dump has no '-- Dump completed' trailer (truncated)", path));
    }
    return {};
  }
  if (kind == ArtifactKind::database) {
    transport::TailBuffer tail(k_tail_keep);
    auto checked = run_check(*argv, [&tail](std::string_view chunk) {
      tail.append(chunk);
      return true;
    }, path, "decompression");
    if (!checked) return checked;
    if (!has_dump_trailer(tail.str())) {
      return core::fail(ErrorKind::io, fmt::format("{}: the dump has no '-- Dump completed' trailer (truncated)", path));
    }
    return {};
  }
  if (kind == ArtifactKind::files) {
    std::vector<std::string> tar{"tar", "-t", "-f", path};
    if (compression == "gzip") tar.insert(tar.begin() + 1, "-z");
    if (compression == "zstd") tar.insert(tar.begin() + 1, "--zstd");
    std::uint64_t entries = 0;
    auto listed = run_check(tar, [&entries](std::string_view chunk) {
      for (char c : chunk) entries += c == '\n' ? 1 : 0;
      return true;
    }, path, "tar listing");
    if (!listed) return listed;
    if (entries == 0) return core::fail(ErrorKind::io, fmt::format("{}: the archive lists no entry", path));
    return {};
  }
  if (compression != "none" && !compression.empty()) {
    return run_check(*argv, {}, path, "decompression");
  }
  return {};
}

std::vector<std::string> verify_backup(const std::string& dir, const Manifest& manifest) {
  std::vector<std::string> problems;
  for (const auto& artifact : manifest.artifacts) {
    std::string path = dir + "/" + artifact.name;
    auto digest = digest_file(path);
    if (!digest) {
      problems.push_back(digest.error().message);
      continue;
    }
    if (digest->size != artifact.size) {
      problems.push_back(fmt::format("{}: size {} differs from the manifest's {}", artifact.name, digest->size,
                                     artifact.size));
      continue;
    }
    if (digest->sha256 != artifact.sha256) {
      problems.push_back(fmt::format("{}: SHA-256 {} differs from the manifest's {}", artifact.name, digest->sha256,
                                     artifact.sha256));
      continue;
    }
    if (auto content = verify_artifact(path, artifact.kind, artifact.compression); !content) {
      problems.push_back(content.error().message);
    }
  }
  if (manifest.artifacts.empty()) problems.push_back("the manifest lists no artifact");
  return problems;
}

} // namespace tma::backup
