#include <tma/backup/verify.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include <tma/backup/pipe_feed.hpp>
#include <tma/backup/store.hpp>
#include <tma/transport/process.hpp>

namespace tma::backup {

using core::ErrorKind;
using transport::Milliseconds;

namespace {

constexpr std::size_t k_tail_keep = 4096;
constexpr Milliseconds k_verify_timeout{6 * 3600 * 1000}; // a very large archive on a slow disk

core::Result<void> run_check(const std::vector<std::string>& argv, const transport::OutputSink& sink,
                             const transport::InputSource& input, int input_fd, const std::string& path,
                             std::string_view what) {
  transport::ProcessOptions options;
  options.timeout = k_verify_timeout;
  options.on_stdout = sink;
  if (input_fd >= 0) {
    options.stdin_fd = input_fd; // the check's tool reads the stream's pipe itself
  } else {
    options.stdin_source = input;
  }
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

namespace {

/// How the content of an artifact is checked by a real tool: what runs (reading `path`, or stdin
/// when it is empty), what watches its output, and the verdict once it has ended well.
struct ContentCheck {
  std::vector<std::string> argv; ///< empty: no tool (the completion trailer of a plain dump)
  std::string what;
  std::shared_ptr<transport::TailBuffer> tail = std::make_shared<transport::TailBuffer>(k_tail_keep);
  std::shared_ptr<std::uint64_t> lines = std::make_shared<std::uint64_t>(0);
  ArtifactKind kind = ArtifactKind::other;

  transport::OutputSink sink() const {
    if (kind == ArtifactKind::database) {
      return [tail = tail](std::string_view chunk) {
        tail->append(chunk);
        return true;
      };
    }
    if (kind == ArtifactKind::files) {
      return [lines = lines](std::string_view chunk) {
        for (char c : chunk) *lines += c == '\n' ? 1 : 0;
        return true;
      };
    }
    return {};
  }
  core::Result<void> verdict(const std::string& label) const {
    if (kind == ArtifactKind::database && !has_dump_trailer(tail->str())) {
      return core::fail(ErrorKind::io, fmt::format("{}: the dump has no '-- Dump completed' trailer (truncated)", label));
    }
    if (kind == ArtifactKind::files && *lines == 0) {
      return core::fail(ErrorKind::io, fmt::format("{}: the archive lists no entry", label));
    }
    return {};
  }
};

core::Result<ContentCheck> content_check(ArtifactKind kind, const std::string& compression, const std::string& path) {
  ContentCheck check;
  check.kind = kind;
  bool compressed = compression != "none" && !compression.empty();
  if (kind == ArtifactKind::files) {
    check.argv = {"tar", "-t", "-f", path.empty() ? "-" : path};
    if (compression == "gzip") check.argv.insert(check.argv.begin() + 1, "-z");
    else if (compression == "zstd") check.argv.insert(check.argv.begin() + 1, "--zstd");
    else if (compressed) return core::fail(ErrorKind::config, fmt::format("unknown compression '{}'", compression));
    check.what = "tar listing";
    return check;
  }
  if (!compressed) return check; // a plain dump: its trailer is the check; anything else: nothing
  if (path.empty()) {
    // stdin: gzip and zstd read it when no file is named
    if (compression == "gzip") check.argv = {"gzip", "-dc"};
    else if (compression == "zstd") check.argv = {"zstd", "-dcq"};
    else return core::fail(ErrorKind::config, fmt::format("unknown compression '{}'", compression));
  } else {
    auto argv = decompress_argv(compression, path);
    if (!argv) return tl::unexpected(argv.error());
    check.argv = *argv;
  }
  check.what = "decompression";
  return check;
}

} // namespace

core::Result<void> verify_artifact(const std::string& path, ArtifactKind kind, const std::string& compression) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return core::fail(ErrorKind::io, fmt::format("{}: missing", path));
  if (st.st_size == 0) return core::fail(ErrorKind::io, fmt::format("{}: empty", path));
  auto check = content_check(kind, compression, path);
  if (!check) return tl::unexpected(check.error());
  if (check->argv.empty()) {
    if (kind != ArtifactKind::database) return {};
    // Nothing to decompress: the completion trailer at the end is the whole check, so only the
    // last block is read (the checksum pass already read every byte).
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return core::fail(ErrorKind::io, fmt::format("{}: cannot open", path));
    std::string tail(static_cast<std::size_t>(std::min<off_t>(st.st_size, k_tail_keep)), '\0');
    ssize_t n = ::pread(fd, tail.data(), tail.size(), st.st_size - static_cast<off_t>(tail.size()));
    ::close(fd);
    if (n != static_cast<ssize_t>(tail.size())) return core::fail(ErrorKind::io, fmt::format("{}: cannot read", path));
    check->tail->append(tail);
    return check->verdict(path);
  }
  if (auto ran = run_check(check->argv, check->sink(), {}, -1, path, check->what); !ran) return ran;
  return check->verdict(path);
}

// ----- StreamingCheck -----

core::Result<std::unique_ptr<StreamingCheck>> StreamingCheck::start(ArtifactKind kind, const std::string& compression,
                                                                    std::string label) {
  auto check = content_check(kind, compression, "");
  if (!check) return tl::unexpected(check.error());
  auto made = std::make_unique<StreamingCheck>(Key{});
  made->m_label = std::move(label);
  auto shared = std::make_shared<ContentCheck>(std::move(*check));
  made->m_verdict = [shared, &label = made->m_label] { return shared->verdict(label); };
  if (shared->argv.empty()) {
    made->m_inline = shared->sink();
    return made;
  }
  auto* self = made.get();
  auto feed = PipeFeed::start([shared, self](const PipeFeed::Input& input) {
    self->m_tool = run_check(shared->argv, shared->sink(), {}, input.fd, self->m_label, shared->what);
  });
  if (!feed) return tl::unexpected(feed.error());
  made->m_feed = std::move(*feed);
  return made;
}

StreamingCheck::~StreamingCheck() = default;

bool StreamingCheck::push(std::string_view chunk) {
  m_size += chunk.size();
  if (m_feed) return m_feed->push(chunk);
  if (m_inline) m_inline(chunk);
  return true;
}

core::Result<void> StreamingCheck::finish() {
  if (m_feed) m_feed->finish();
  if (m_size == 0) return core::fail(ErrorKind::io, fmt::format("{}: empty", m_label));
  if (!m_tool) return m_tool;
  return m_verdict();
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
