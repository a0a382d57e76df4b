// Runs a helper program (initdb, pg_ctl, useradd) without a shell.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace mall::persistence {

/// An unprivileged identity a child process switches to before exec.
struct subprocess_user {
  uid_t uid = 0;
  gid_t gid = 0;
};

/// How to start a child process.
struct subprocess_options {
  /// Switch to this identity first (requires root); empty: keep ours.
  bool switch_user = false;
  subprocess_user user;
  /// Working directory of the child; empty: inherit.
  std::string cwd;
  /// Where the child's stdout and stderr go; -1: /dev/null.
  int output_fd = -1;
  /// The child's whole environment ("KEY=value").
  std::vector<std::string> env;
};

/// How a child process ended.
struct subprocess_result {
  /// Exit code, or -1 when it did not exit normally or did not start.
  int exit_code = -1;
  /// Why it could not be started or waited for; empty otherwise.
  std::string error;

  bool ok() const { return error.empty() && exit_code == 0; }
};

/// Runs `argv[0]` (an absolute path) with `argv` and waits for it. Uses
/// fork/exec directly: arguments are never interpreted by a shell.
subprocess_result run_subprocess(const std::vector<std::string>& argv,
                                 const subprocess_options& options);

} // namespace mall::persistence
