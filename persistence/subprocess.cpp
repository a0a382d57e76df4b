#include "persistence/subprocess.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mall::persistence {

namespace {

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> result;
  result.reserve(strings.size() + 1);
  for (auto& s : strings)
    result.push_back(const_cast<char*>(s.c_str()));
  result.push_back(nullptr);
  return result;
}

// Runs in the forked child of a possibly multi-threaded parent: only
// async-signal-safe calls until exec.
[[noreturn]] void exec_child(char* const* argv, char* const* envp,
                             const subprocess_options& options, int null_fd) {
  int out = options.output_fd >= 0 ? options.output_fd : null_fd;
  if (dup2(null_fd, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
    _exit(126);
  // Keep sockets and files of the parent out of long-lived children such as
  // the postmaster.
  syscall(SYS_close_range, 3u, ~0u, 0u);
  if (options.switch_user) {
    gid_t gid = options.user.gid;
    if (setgroups(1, &gid) != 0 || setgid(options.user.gid) != 0 ||
        setuid(options.user.uid) != 0)
      _exit(126);
  }
  if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0)
    _exit(126);
  execve(argv[0], argv, envp);
  _exit(127);
}

} // namespace

subprocess_result run_subprocess(const std::vector<std::string>& argv,
                                 const subprocess_options& options) {
  subprocess_result result;
  if (argv.empty() || argv.front().empty() || argv.front()[0] != '/') {
    result.error = "run_subprocess needs an absolute program path";
    return result;
  }
  auto args = c_strings(argv);
  auto envp = c_strings(options.env);
  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) {
    result.error = std::string{"open /dev/null: "} + std::strerror(errno);
    return result;
  }
  pid_t pid = fork();
  if (pid == 0)
    exec_child(args.data(), envp.data(), options, null_fd);
  close(null_fd);
  if (pid < 0) {
    result.error = std::string{"fork: "} + std::strerror(errno);
    return result;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      result.error = std::string{"waitpid: "} + std::strerror(errno);
      return result;
    }
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
    if (result.exit_code == 126)
      result.error = argv.front() + ": could not prepare the child process";
    else if (result.exit_code == 127)
      result.error = argv.front() + ": could not execute";
  } else {
    result.error = argv.front() + ": killed by a signal";
  }
  return result;
}

} // namespace mall::persistence
