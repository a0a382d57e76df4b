// Operating-system and text helpers of the embedded PostgreSQL: ports,
// processes, locks, quoting. Internal to embedded_postgres.cpp.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace mall::persistence::embedded_os {

/// `what` followed by the text of the current errno.
std::string errno_text(const std::string& what);

/// Quotes a value for a libpq keyword/value connection string.
std::string conninfo_value(const std::string& value);

/// Quotes a string for postgresql.conf.
std::string conf_string(const std::string& value);

/// Asks the kernel for a currently free loopback port.
std::optional<int> free_port();

/// 32 random hex digits.
std::string random_password();

std::vector<std::string> read_lines(const std::filesystem::path& file);

/// Whether `pid` is a live process; a zombie counts as gone (in containers
/// whose init does not reap, a stopped postmaster lingers as one).
bool process_running(pid_t pid);

/// pg_ctl hands the data and log paths to /bin/sh in double quotes; false
/// for paths that could escape them.
bool safe_for_pg_ctl(const std::string& path);

/// An exclusive flock(2) held while one process starts the cluster, so that
/// nodes sharing a data folder neither initdb nor start it twice.
class start_lock {
public:
  explicit start_lock(const std::string& file);
  ~start_lock();
  start_lock(const start_lock&) = delete;
  start_lock& operator=(const start_lock&) = delete;
  bool held() const { return fd_ >= 0; }

private:
  int fd_;
};

} // namespace mall::persistence::embedded_os
