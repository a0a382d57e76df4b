// A private PostgreSQL cluster under a data folder, for a node that was
// given no database URL, for tests and for benchmarks.
#pragma once

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

  /// Stops the server (fast shutdown) if this instance started it.
  void stop();

  bool running() const { return running_; }

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
  std::optional<std::string> prepare_folder();
  std::optional<std::string> init_cluster();
  std::optional<std::string> write_settings();
  std::optional<std::string> launch();
  std::optional<std::string> wait_until_ready();
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
  bool as_system_user_ = false;
  unsigned uid_ = 0;
  unsigned gid_ = 0;
};

} // namespace mall::persistence
