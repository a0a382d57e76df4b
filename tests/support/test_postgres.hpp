// A throw-away PostgreSQL for tests and benchmarks: one server per binary,
// one fresh database per test.
#pragma once

#include "persistence/embedded_postgres.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <linux/close_range.h>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mall::test_support {

/// Whether `pid` is a live process. Zombies count as gone: in containers
/// whose init does not reap, a stopped postmaster lingers as one.
/// Async-signal-safe, so that the watchdog may use it after fork.
inline bool process_alive(pid_t pid) {
  if (pid <= 0 || kill(pid, 0) != 0)
    return false;
  char path[64] = "/proc/";
  char digits[16];
  int n = 0;
  for (pid_t rest = pid; rest > 0; rest /= 10)
    digits[n++] = static_cast<char>('0' + rest % 10);
  int len = 6;
  while (n > 0)
    path[len++] = digits[--n];
  const char* tail = "/stat";
  for (int i = 0; tail[i] != 0; ++i)
    path[len++] = tail[i];
  path[len] = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  char buf[512];
  auto got = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (got <= 0)
    return false;
  // "pid (comm) S ...": the state follows the last ')'.
  char state = 0;
  for (auto i = got - 1; i > 0; --i)
    if (buf[i] == ')') {
      state = i + 2 < got ? buf[i + 2] : 0;
      break;
    }
  return state != 'Z' && state != 'X';
}

/// A fresh folder under the temp directory, deleted with its content when
/// this object goes away.
class temp_folder {
public:
  temp_folder() {
    auto pattern =
        (std::filesystem::temp_directory_path() / "mall-pg-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~temp_folder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_folder(const temp_folder&) = delete;
  temp_folder& operator=(const temp_folder&) = delete;

  const std::string& path() const { return path_; }

private:
  std::string path_;
};

/// The PostgreSQL server shared by every test of one binary, started on
/// first use and stopped (its folder deleted) at exit. A watchdog process
/// does the same if the test binary dies without cleaning up, so crashed
/// tests leave no server behind.
class test_postgres {
public:
  /// Starts the server on first call; throws when it cannot start, which
  /// fails the test binary (there is nothing to test without it).
  static test_postgres& instance() {
    static test_postgres pg;
    return pg;
  }

  persistence::embedded_postgres& server() { return server_; }

  /// Creates an empty database `test_<n>` and returns its connection URL.
  std::string fresh_database() {
    auto name = "test_" + std::to_string(++databases_);
    pqxx::connection admin{server_.url_for("postgres")};
    pqxx::nontransaction tx{admin};
    tx.exec("CREATE DATABASE " + tx.quote_name(name));
    return server_.url_for(name);
  }

  ~test_postgres() {
    server_.stop();
    close(watchdog_pipe_);
    waitpid(watchdog_, nullptr, 0);
  }

private:
  test_postgres() : server_(folder_.path()) {
    if (auto err = server_.start())
      throw std::runtime_error("test PostgreSQL did not start: " + *err);
    start_watchdog();
  }

  void start_watchdog() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe2 failed");
    // Prepared before fork: the child may only make async-signal-safe calls.
    pid_t server_pid = server_.server_pid();
    std::string rm = "/bin/rm", flags = "-rf", end = "--";
    std::string folder = folder_.path();
    char* argv[] = {rm.data(), flags.data(), end.data(), folder.data(),
                    nullptr};
    char* envp[] = {nullptr};
    watchdog_ = fork();
    if (watchdog_ == 0) {
      setsid(); // outlive Ctrl-C and kills aimed at the test's group
      signal(SIGINT, SIG_IGN);
      signal(SIGTERM, SIG_IGN);
      signal(SIGHUP, SIG_IGN);
      dup2(fds[0], 3);
      syscall(SYS_close_range, 4u, ~0u, 0u);
      char byte;
      while (read(3, &byte, 1) < 0 && errno == EINTR) {
      }
      // The parent is gone: fast shutdown, then delete everything.
      if (process_alive(server_pid) && kill(server_pid, SIGINT) == 0) {
        timespec pause{0, 50'000'000};
        for (int i = 0; i < 1200 && process_alive(server_pid); ++i)
          nanosleep(&pause, nullptr);
      }
      execve(argv[0], argv, envp);
      _exit(127);
    }
    close(fds[0]);
    if (watchdog_ < 0)
      throw std::runtime_error("fork failed");
    watchdog_pipe_ = fds[1];
  }

  temp_folder folder_;
  persistence::embedded_postgres server_;
  std::atomic<int> databases_{0};
  pid_t watchdog_ = -1;
  int watchdog_pipe_ = -1;
};

/// Test fixture: a fresh, empty database for each test.
struct postgres_fixture {
  std::string url = test_postgres::instance().fresh_database();
};

} // namespace mall::test_support
