#include "persistence/embedded_postgres.hpp"

#include "persistence/embedded_postgres_os.hpp"
#include "persistence/subprocess.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <netinet/in.h>
#include <pqxx/pqxx>
#include <pwd.h>
#include <random>
#include <spdlog/spdlog.h>
#include <sstream>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace mall::persistence {

namespace {

constexpr auto ready_timeout = std::chrono::seconds{60};
/// How long a stopped postmaster may take to exit after pg_ctl returned.
constexpr auto exit_timeout = std::chrono::seconds{10};
constexpr const char* superuser = "postgres";

} // namespace

using namespace embedded_os;

embedded_postgres::embedded_postgres(std::string data_dir, std::string bin_dir)
    : bin_dir_(std::move(bin_dir)),
      folder_((fs::absolute(data_dir) / "pg").lexically_normal().string()),
      cluster_dir_(folder_ + "/data"),
      log_file_(folder_ + "/postgres.log") {}

embedded_postgres::~embedded_postgres() {
  stop();
}

// -- lifecycle ---------------------------------------------------------------

std::optional<std::string> embedded_postgres::start() {
  if (running_)
    return std::nullopt;
  if (!safe_for_pg_ctl(folder_))
    return "unsupported character in data folder " + folder_;
  if (auto err = prepare_folder())
    return err;
  start_lock lock{folder_ + "/start.lock"};
  if (!lock.held())
    return errno_text("lock " + folder_ + "/start.lock");
  auto err = start_locked();
  if (err)
    spdlog::error("embedded PostgreSQL in {}: {}", folder_, *err);
  return err;
}

std::optional<std::string> embedded_postgres::start_locked() {
  if (!fs::exists(folder_ + "/initialized"))
    if (auto err = init_cluster())
      return err;
  auto password = read_lines(folder_ + "/superuser_password");
  password_ = password.empty() ? std::string{} : password.front();
  if (adopt_or_clear_pid_file()) {
    spdlog::info("embedded PostgreSQL already running in {} on port {}",
                 folder_, port_);
  } else {
    // Another program may grab the port between our probe and the server's
    // bind: try a few.
    std::optional<std::string> err = "no attempt";
    for (int attempt = 0; attempt < 3 && err; ++attempt) {
      auto port = free_port();
      if (!port)
        return errno_text("find a free port");
      port_ = *port;
      if (auto unix_path = folder_ + "/.s.PGSQL." + std::to_string(port_);
          unix_path.size() >= sizeof(sockaddr_un::sun_path))
        return "data folder path too long for a unix socket: " + folder_;
      if ((err = write_settings()))
        return err;
      err = launch();
    }
    if (err)
      return *err + " (see " + log_file_ + ")";
    started_by_us_ = true;
    spdlog::info("embedded PostgreSQL started in {} on port {}", folder_,
                 port_);
  }
  running_ = true;
  if (auto err = wait_until_ready(ready_timeout)) {
    stop_started_server();
    return err;
  }
  if (auto err = create_database()) {
    stop_started_server();
    return err;
  }
  return std::nullopt;
}

void embedded_postgres::stop() {
  if (!running_)
    return;
  if (keep_running_) {
    running_ = false;
    started_by_us_ = false;
    return;
  }
  stop_started_server();
}

void embedded_postgres::stop_started_server() {
  running_ = false;
  if (!started_by_us_)
    return;
  started_by_us_ = false;
  if (auto err = run("pg_ctl", {"stop", "-D", cluster_dir_, "-m", "fast", "-w",
                                "-t", "60", "-s"}))
    spdlog::error("embedded PostgreSQL in {}: stop failed: {}", folder_, *err);
}

std::optional<std::string>
embedded_postgres::attach(std::chrono::milliseconds ready_timeout) {
  if (running_)
    return std::nullopt;
  if (!fs::exists(folder_ + "/initialized"))
    return "no database cluster in " + folder_;
  if (auto err = check_existing_folder())
    return err;
  {
    // A server being started right now is adopted once it is ready.
    start_lock lock{folder_ + "/start.lock"};
    if (!lock.held())
      return errno_text("lock " + folder_ + "/start.lock");
    if (!adopt_or_clear_pid_file())
      return "no server running in " + folder_;
  }
  auto password = read_lines(folder_ + "/superuser_password");
  password_ = password.empty() ? std::string{} : password.front();
  running_ = true;
  if (auto err = wait_until_ready(ready_timeout)) {
    running_ = false;
    return err;
  }
  return std::nullopt;
}

std::optional<std::string> embedded_postgres::shut_down(bool* was_running) {
  if (was_running != nullptr)
    *was_running = false;
  running_ = false;
  started_by_us_ = false;
  if (!fs::exists(cluster_dir_ + "/postmaster.pid"))
    return std::nullopt;
  if (auto err = check_existing_folder())
    return err;
  // Held until the server is gone, so that no node adopts it meanwhile.
  start_lock lock{folder_ + "/start.lock"};
  if (!lock.held())
    return errno_text("lock " + folder_ + "/start.lock");
  if (!adopt_or_clear_pid_file())
    return std::nullopt;
  if (was_running != nullptr)
    *was_running = true;
  pid_t pid = server_pid();
  if (auto err = run("pg_ctl", {"stop", "-D", cluster_dir_, "-m", "fast", "-w",
                                "-t", "60", "-s"}))
    return "pg_ctl stop failed: " + *err;
  auto deadline = std::chrono::steady_clock::now() + exit_timeout;
  while (process_running(pid)) {
    if (std::chrono::steady_clock::now() > deadline)
      return "postmaster (pid " + std::to_string(pid) +
             ") still running after pg_ctl stop";
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return std::nullopt;
}

// -- start steps -------------------------------------------------------------

std::optional<std::string> embedded_postgres::check_existing_folder() {
  if (!safe_for_pg_ctl(folder_))
    return "unsupported character in data folder " + folder_;
  return resolve_server_user(false);
}

std::optional<std::string> embedded_postgres::resolve_server_user(bool create) {
  as_system_user_ = geteuid() == 0;
  if (!as_system_user_)
    return std::nullopt;
  // PostgreSQL refuses to run as root: the server runs as a system user.
  auto* pw = getpwnam(system_user);
  if (pw == nullptr && !create)
    return "system user " + std::string{system_user} + " does not exist";
  if (pw == nullptr) {
    auto created =
        run_subprocess({"/usr/sbin/useradd", "--system", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", system_user},
                       subprocess_options{});
    pw = getpwnam(system_user);
    if (pw == nullptr)
      return "could not create system user " + std::string{system_user} + ": " +
             created.error;
  }
  uid_ = pw->pw_uid;
  gid_ = pw->pw_gid;
  return std::nullopt;
}

std::optional<std::string> embedded_postgres::prepare_folder() {
  std::error_code ec;
  fs::create_directories(folder_, ec);
  if (ec)
    return "create " + folder_ + ": " + ec.message();
  if (auto err = resolve_server_user(true))
    return err;
  if (!as_system_user_) {
    chmod(folder_.c_str(), 0700);
    return std::nullopt;
  }
  if (chown(folder_.c_str(), uid_, gid_) != 0 || chmod(folder_.c_str(), 0700))
    return errno_text("chown " + folder_);
  // The server user must be able to traverse every parent folder (mktemp -d
  // makes them 0700).
  for (auto dir = fs::path{folder_}.parent_path();
       !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    struct stat st {};
    if (stat(dir.c_str(), &st) != 0)
      return errno_text("stat " + dir.string());
    if ((st.st_mode & S_IXOTH) == 0 &&
        chmod(dir.c_str(), (st.st_mode & 07777) | S_IXOTH) != 0)
      return errno_text("chmod o+x " + dir.string());
  }
  return std::nullopt;
}

std::optional<std::string> embedded_postgres::init_cluster() {
  // A previous initdb may have been killed halfway: start over.
  std::error_code ec;
  fs::remove_all(cluster_dir_, ec);
  auto password_file = folder_ + "/superuser_password";
  {
    std::ofstream out{password_file, std::ios::trunc};
    out << random_password() << "\n";
    if (!out)
      return "write " + password_file;
  }
  chmod(password_file.c_str(), 0600);
  if (as_system_user_ && chown(password_file.c_str(), uid_, gid_) != 0)
    return errno_text("chown " + password_file);
  if (auto err =
          run("initdb", {"-D", cluster_dir_, "--username", superuser,
                         "--pwfile", password_file, "--auth-local", "trust",
                         "--auth-host", "scram-sha-256", "--encoding", "UTF8",
                         "--no-locale", "--no-instructions"}))
    return "initdb failed: " + *err;
  // Our settings live in their own file, rewritten at each start.
  {
    std::ofstream conf{cluster_dir_ + "/postgresql.conf", std::ios::app};
    conf << "\ninclude_if_exists = 'mall.conf'\n";
    if (!conf)
      return "append to " + cluster_dir_ + "/postgresql.conf";
  }
  std::ofstream marker{folder_ + "/initialized"};
  if (!marker)
    return "write " + folder_ + "/initialized";
  return std::nullopt;
}

std::optional<std::string> embedded_postgres::write_settings() {
  auto file = cluster_dir_ + "/mall.conf";
  {
    std::ofstream out{file, std::ios::trunc};
    out << "# Written by mall at each start; edits are overwritten.\n"
        << "listen_addresses = '127.0.0.1'\n"
        << "port = " << port_ << "\n"
        << "unix_socket_directories = " << conf_string(folder_) << "\n"
        << "unix_socket_permissions = 0700\n"
        << "max_connections = 100\n"
        << "shared_buffers = 128MB\n"
        // Durability: a commit is acknowledged only once it is on disk.
        << "fsync = on\n"
        << "synchronous_commit = on\n"
        << "full_page_writes = on\n";
    if (!out)
      return "write " + file;
  }
  if (as_system_user_ && chown(file.c_str(), uid_, gid_) != 0)
    return errno_text("chown " + file);
  return std::nullopt;
}

std::optional<std::string> embedded_postgres::launch() {
  return run("pg_ctl", {"start", "-D", cluster_dir_, "-l", log_file_, "-w",
                        "-t", "60", "-s"});
}

std::optional<std::string>
embedded_postgres::wait_until_ready(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last_error;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      pqxx::connection probe{url_for("postgres")};
      return std::nullopt;
    } catch (const std::exception& e) {
      last_error = e.what();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  return "server not ready in time: " + last_error;
}

std::optional<std::string> embedded_postgres::create_database() {
  try {
    pqxx::connection admin{url_for("postgres")};
    pqxx::nontransaction tx{admin};
    auto found = tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1",
                                std::string{database});
    if (found.empty())
      tx.exec("CREATE DATABASE " + tx.quote_name(database));
    return std::nullopt;
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() == "42P04") // created meanwhile by another node
      return std::nullopt;
    return std::string{"create database: "} + e.what();
  } catch (const std::exception& e) {
    return std::string{"create database: "} + e.what();
  }
}

bool embedded_postgres::adopt_or_clear_pid_file() {
  auto pid_file = cluster_dir_ + "/postmaster.pid";
  auto lines = read_lines(pid_file);
  if (lines.empty())
    return false;
  pid_t pid = 0;
  int port = 0;
  try {
    pid = static_cast<pid_t>(std::stol(lines[0]));
    port = lines.size() > 3 ? std::stoi(lines[3]) : 0;
  } catch (const std::exception&) {
    pid = 0;
  }
  bool alive = pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
  if (alive) {
    // A recycled pid may now belong to anything: it must be a postgres whose
    // working directory is this cluster.
    auto comm = read_lines("/proc/" + std::to_string(pid) + "/comm");
    std::error_code ec;
    auto cwd = fs::read_symlink("/proc/" + std::to_string(pid) + "/cwd", ec);
    alive = !comm.empty() && comm.front() == "postgres" && !ec &&
            fs::equivalent(cwd, cluster_dir_, ec);
  }
  if (alive && port > 0) {
    port_ = port;
    return true;
  }
  spdlog::warn("embedded PostgreSQL in {}: removing stale postmaster.pid "
               "(pid {})",
               folder_, pid);
  std::error_code ec;
  fs::remove(pid_file, ec);
  return false;
}

std::optional<std::string>
embedded_postgres::run(const char* program,
                       std::initializer_list<std::string> args) {
  std::vector<std::string> argv{bin_dir_ + "/" + program};
  argv.insert(argv.end(), args);
  subprocess_options options;
  options.switch_user = as_system_user_;
  options.user = {uid_, gid_};
  options.cwd = folder_;
  options.env = {"PATH=/usr/bin:/bin", "LC_ALL=C", "LANG=C", "HOME=" + folder_};
  auto tool_log = folder_ + "/tools.log";
  int log_fd =
      open(tool_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd >= 0 && as_system_user_)
    fchown(log_fd, uid_, gid_);
  options.output_fd = log_fd;
  auto result = run_subprocess(argv, options);
  if (log_fd >= 0)
    close(log_fd);
  if (result.ok())
    return std::nullopt;
  if (!result.error.empty())
    return result.error;
  return std::string{program} + " exited with " +
         std::to_string(result.exit_code) + " (see " + tool_log + ")";
}

// -- connecting --------------------------------------------------------------

int embedded_postgres::server_pid() const {
  auto lines = read_lines(cluster_dir_ + "/postmaster.pid");
  try {
    return lines.empty() ? 0 : std::stoi(lines.front());
  } catch (const std::exception&) {
    return 0;
  }
}

std::string embedded_postgres::url_for(const std::string& dbname) const {
  return "host=" + conninfo_value(folder_) + " port=" + std::to_string(port_) +
         " dbname=" + conninfo_value(dbname) + " user=" + superuser +
         " connect_timeout=10";
}

std::string embedded_postgres::tcp_url_for(const std::string& dbname) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) +
         " dbname=" + conninfo_value(dbname) + " user=" + superuser +
         " password=" + conninfo_value(password_) + " connect_timeout=10";
}

} // namespace mall::persistence
