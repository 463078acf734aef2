#include <tma/journal/local_state.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include <tma/core/atomic_file.hpp>
#include "journal/git_store.hpp"

namespace tma::journal {

core::Result<std::filesystem::path> local_state_directory(const GitJournalOptions& options) {
  auto repo = git::open_repository(options.repository.string());
  if (!repo) return tl::unexpected(repo.error());
  return git::common_dir(repo->get()) / "tma-cache";
}

core::Result<void> update_local_state(const std::filesystem::path& directory, const std::string& name,
                                      const std::function<core::Result<std::string>(const std::string&)>& update) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return core::fail(core::ErrorKind::io, fmt::format("cannot create {}: {}", directory.string(), ec.message()));
  auto lock = git::MachineLock::acquire(directory, git::k_flock_timeout, name + ".flock");
  if (!lock) return tl::unexpected(lock.error());
  auto path = directory / name;
  std::string current;
  if (std::filesystem::exists(path, ec)) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (!in && !in.eof()) return core::fail(core::ErrorKind::io, fmt::format("cannot read {}", path.string()));
    current = buffer.str();
  }
  auto next = update(current);
  if (!next) return tl::unexpected(next.error());
  return core::write_atomically(path, *next);
}

} // namespace tma::journal
