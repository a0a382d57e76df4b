// `mall-db start|stop|url DIR`: the embedded PostgreSQL of DIR/pg as a
// database that outlives the command, shared by the nodes of a local
// cluster (`./mall cluster`).
#include "persistence/embedded_postgres.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <string>

using mall::persistence::embedded_postgres;

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

const char* usage_text =
    "usage: mall-db start DIR   start (or adopt) the PostgreSQL in DIR/pg,\n"
    "                           print its libpq URL and leave it running\n"
    "       mall-db stop DIR    stop the PostgreSQL in DIR/pg (fast shutdown)\n"
    "       mall-db url DIR     print the URL of the PostgreSQL running in\n"
    "                           DIR/pg (exit 1 when none runs)\n";

int usage(const std::string& problem) {
  if (!problem.empty())
    std::cerr << "mall-db: " << problem << "\n";
  std::cerr << usage_text;
  return exit_usage;
}

int fail(const std::string& message) {
  std::cerr << "mall-db: " << message << "\n";
  return exit_failure;
}

int start(const std::string& dir) {
  embedded_postgres pg{dir};
  pg.keep_running();
  if (auto err = pg.start())
    return fail("cannot start the database in " + pg.folder() + ": " + *err);
  std::cerr << "mall-db: PostgreSQL "
            << (pg.started_by_us() ? "started" : "already running") << " in "
            << pg.folder() << " (port " << pg.port() << ", pid "
            << pg.server_pid() << ")\n";
  std::cout << pg.connection_url() << std::endl;
  return std::cout ? exit_ok : fail("cannot write the URL to stdout");
}

int stop(const std::string& dir) {
  embedded_postgres pg{dir};
  bool was_running = false;
  if (auto err = pg.shut_down(&was_running))
    return fail("cannot stop the database in " + pg.folder() + ": " + *err);
  std::cerr << "mall-db: "
            << (was_running ? "stopped PostgreSQL in "
                            : "no PostgreSQL running in ")
            << pg.folder() << "\n";
  return exit_ok;
}

int url(const std::string& dir) {
  embedded_postgres pg{dir};
  pg.keep_running(); // adopted anyway; never stop it from here
  if (auto err = pg.attach())
    return fail(*err);
  std::cout << pg.connection_url() << std::endl;
  return std::cout ? exit_ok : fail("cannot write the URL to stdout");
}

} // namespace

int main(int argc, char** argv) {
  // stdout carries only the URL: every log line goes to stderr.
  auto logger = spdlog::stderr_color_mt("mall-db");
  logger->set_pattern("mall-db: %l: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::warn);

  if (argc == 2 &&
      (std::string{argv[1]} == "-h" || std::string{argv[1]} == "--help")) {
    std::cout << usage_text;
    return exit_ok;
  }
  if (argc != 3)
    return usage(argc < 3 ? "expected a command and a folder"
                          : "too many arguments");
  std::string command = argv[1];
  std::string dir = argv[2];
  if (dir.empty())
    return usage("the folder must not be empty");
  try {
    if (command == "start")
      return start(dir);
    if (command == "stop")
      return stop(dir);
    if (command == "url")
      return url(dir);
  } catch (const std::exception& e) {
    return fail(command + " " + dir + ": " + e.what());
  }
  return usage("unknown command '" + command + "'");
}
