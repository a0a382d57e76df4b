// A private PostgreSQL cluster under a data folder, for a node that was
// given no database URL, for tests and for benchmarks.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace mall::persistence {

/// Runs a private PostgreSQL server in `<data_dir>/pg`: creates the cluster
/// on first use (initdb), starts it with pg_ctl on a unix socket in that
/// folder and a free loopback TCP port, and creates the database `mall`.
/// When we are root, the server runs as the system user `mall-pg`.
///
/// A server that is already running on the same cluster (another node
/// sharing the folder) is adopted: used, but left running by `stop()`.
/// `keep_running()` leaves a server we started running too (a tool that
/// starts a shared database and exits); `attach()` and `shut_down()` let
/// such a tool find and stop it later.
class embedded_postgres {
public:
  /// Absolute path of the PostgreSQL programs.
  static constexpr const char* default_bin_dir = "/usr/lib/postgresql/15/bin";
  /// The unprivileged user the server runs as when we are root.
  static constexpr const char* system_user = "mall-pg";
  /// The database created for the application.
  static constexpr const char* database = "mall";

  explicit embedded_postgres(std::string data_dir,
                             std::string bin_dir = default_bin_dir);

  embedded_postgres(const embedded_postgres&) = delete;
  embedded_postgres& operator=(const embedded_postgres&) = delete;

  /// Stops the server if this instance started it.
  ~embedded_postgres();

  // -- lifecycle -------------------------------------------------------------

  /// Creates or reuses the cluster and waits until it accepts connections.
  /// Returns an error message, or std::nullopt once the server is ready.
  std::optional<std::string> start();

  /// Stops the server (fast shutdown) if this instance started it and
  /// `keep_running()` was not called.
  void stop();

  /// From now on `stop()` and the destructor leave the server running even
  /// when this instance started it. A start that fails still cleans up.
  void keep_running() { keep_running_ = true; }

  /// Adopts the server already running in this folder without ever
  /// starting one, and waits up to `ready_timeout` until it accepts
  /// connections. Returns an error message (no cluster in the folder, no
  /// server running, not ready in time), or std::nullopt once attached.
  std::optional<std::string>
  attach(std::chrono::milliseconds ready_timeout = std::chrono::seconds{10});

  /// Stops the server running in this folder whoever started it (fast
  /// shutdown) and waits until its postmaster has exited. Returns an error
  /// message, or std::nullopt once no server runs here; `was_running`, when
  /// given, tells whether there was one to stop.
  std::optional<std::string> shut_down(bool* was_running = nullptr);

  bool running() const { return running_; }

  /// Whether this instance launched the server (rather than adopting it).
  bool started_by_us() const { return started_by_us_; }

  // -- connecting ------------------------------------------------------------

  /// libpq keyword string for the `mall` database over the unix socket.
  std::string connection_url() const { return url_for(database); }

  /// libpq keyword string for `dbname` over the unix socket.
  std::string url_for(const std::string& dbname) const;

  /// libpq keyword string for `dbname` over TCP on 127.0.0.1 (password
  /// authentication), for processes that cannot reach the socket folder.
  std::string tcp_url_for(const std::string& dbname) const;

  int port() const { return port_; }

  /// Process id of the running postmaster; 0 when unknown.
  int server_pid() const;

  /// The folder holding the cluster, its socket and its logs.
  const std::string& folder() const { return folder_; }

private:
  std::optional<std::string> start_locked();
  /// For a folder someone else created: usable by pg_ctl, and the server's
  /// user known (not created).
  std::optional<std::string> check_existing_folder();
  /// Stops a server this instance launched, whatever `keep_running_` says.
  void stop_started_server();
  /// Sets who runs the server (the system user when we are root), creating
  /// the user when `create` is set.
  std::optional<std::string> resolve_server_user(bool create);
  std::optional<std::string> prepare_folder();
  std::optional<std::string> init_cluster();
  std::optional<std::string> write_settings();
  std::optional<std::string> launch();
  std::optional<std::string>
  wait_until_ready(std::chrono::milliseconds timeout);
  std::optional<std::string> create_database();
  /// Adopts a live postmaster of this cluster or removes a stale pid file.
  /// Returns true when a live server was adopted.
  bool adopt_or_clear_pid_file();
  std::optional<std::string> run(const char* program,
                                 std::initializer_list<std::string> args);

  std::string bin_dir_;
  std::string folder_;
  std::string cluster_dir_;
  std::string log_file_;
  std::string password_;
  int port_ = 0;
  bool running_ = false;
  bool started_by_us_ = false;
  bool keep_running_ = false;
  bool as_system_user_ = false;
  unsigned uid_ = 0;
  unsigned gid_ = 0;
};

} // namespace mall::persistence
