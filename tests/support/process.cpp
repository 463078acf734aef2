#include "support/process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <stdexcept>

#include "support/temp_dir.hpp"

extern char** environ;

namespace tma::test {

namespace {

std::vector<std::string> environment(const std::map<std::string, std::optional<std::string>>& env) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    if (env.count(entry.substr(0, entry.find('=')))) continue;
    out.push_back(entry);
  }
  for (const auto& [name, value] : env) {
    if (value) out.push_back(name + "=" + *value);
  }
  return out;
}

const char* or_null_device(const std::string& path) { return path.empty() ? "/dev/null" : path.c_str(); }

} // namespace

pid_t start_process(const SpawnSpec& spec) {
  auto env_strings = environment(spec.env);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> copy = spec.argv;
  std::vector<char*> argv;
  for (auto& s : copy) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, or_null_device(spec.stdin_path), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, or_null_device(spec.out_path), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (!spec.err_path.empty() && spec.err_path == spec.out_path) {
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  } else {
    posix_spawn_file_actions_addopen(&actions, 2, or_null_device(spec.err_path), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
  }
  if (spec.cwd) posix_spawn_file_actions_addchdir_np(&actions, spec.cwd->c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  if (spec.own_group) {
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
  }
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("posix_spawnp " + spec.argv.at(0) + ": " + std::strerror(rc));
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Output run_program(const std::vector<std::string>& argv, const std::optional<std::string>& cwd,
                   const std::map<std::string, std::optional<std::string>>& env) {
  TempDir dir;
  auto out_path = dir.file("stdout");
  auto err_path = dir.file("stderr");
  Output output;
  output.exit_code = wait_for(start_process({argv, env, cwd, {}, out_path, err_path}));
  output.out = read_file(out_path);
  output.err = read_file(err_path);
  return output;
}

Output git(const std::string& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"git", "-C", dir, "-c", "user.name=Test", "-c", "user.email=test@tma.invalid"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv);
}

pid_t spawn(const std::vector<std::string>& argv, const std::map<std::string, std::optional<std::string>>& env,
            const std::string& err_path) {
  return start_process({argv, env, std::nullopt, {}, err_path, err_path});
}

pid_t spawn_helper(const std::string& test_name, const std::map<std::string, std::optional<std::string>>& env,
                   const std::string& err_path) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) throw std::runtime_error("cannot find the test binary");
  self[n] = '\0';
  return spawn({self, test_name}, env, err_path);
}

} // namespace tma::test
