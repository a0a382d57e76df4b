#define CAF_SUITE persistence.embedded_postgres
#include "tests/support/caf_test.hpp"

#include "persistence/embedded_postgres.hpp"
#include "tests/support/test_postgres.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using mall::persistence::embedded_postgres;
using mall::test_support::process_alive;
using mall::test_support::temp_folder;

namespace {

std::string setting(const std::string& url, const std::string& name) {
  pqxx::connection c{url};
  pqxx::nontransaction tx{c};
  return tx.exec("SHOW " + tx.quote_name(name))[0][0].as<std::string>();
}

/// A pid that belonged to a process that has exited.
int dead_pid() {
  pid_t child = fork();
  if (child == 0)
    _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

/// pg_ctl returns once the server removed its pid file; the process itself
/// may take a moment longer to exit.
bool exits_soon(int pid) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (process_alive(pid) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  return !process_alive(pid);
}

struct fixture {
  temp_folder folder;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(embedded_postgres_tests, fixture)

CAF_TEST(a fresh folder gets a running cluster with the mall database) {
  embedded_postgres pg{folder.path()};
  auto err = pg.start();
  CAF_REQUIRE(!err);
  CAF_CHECK(pg.running());
  CAF_CHECK_EQUAL(setting(pg.connection_url(), "synchronous_commit"), "on");
  CAF_CHECK_EQUAL(setting(pg.connection_url(), "fsync"), "on");
  CAF_CHECK_EQUAL(setting(pg.connection_url(), "shared_buffers"), "128MB");
  CAF_CHECK_EQUAL(setting(pg.connection_url(), "listen_addresses"),
                  "127.0.0.1");
  pqxx::connection c{pg.connection_url()};
  CAF_CHECK_EQUAL(c.dbname(), std::string{"mall"});
  CAF_CHECK(std::filesystem::exists(pg.folder() + "/postgres.log"));
}

CAF_TEST(the server accepts password logins over loopback TCP) {
  embedded_postgres pg{folder.path()};
  CAF_REQUIRE(!pg.start());
  pqxx::connection c{pg.tcp_url_for("mall")};
  pqxx::nontransaction tx{c};
  CAF_CHECK_EQUAL(
      tx.exec("SELECT inet_server_addr()::text")[0][0].as<std::string>(),
      "127.0.0.1/32");
}

CAF_TEST(stop shuts the server down and a restart keeps the data) {
  int pid = 0;
  {
    embedded_postgres pg{folder.path()};
    CAF_REQUIRE(!pg.start());
    pid = pg.server_pid();
    CAF_REQUIRE(process_alive(pid));
    pqxx::connection c{pg.connection_url()};
    pqxx::work tx{c};
    tx.exec("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");
    tx.commit();
  }
  CAF_CHECK(exits_soon(pid));
  embedded_postgres again{folder.path()};
  CAF_REQUIRE(!again.start());
  pqxx::connection c{again.connection_url()};
  pqxx::nontransaction tx{c};
  CAF_CHECK_EQUAL(tx.exec("SELECT v FROM kept")[0][0].as<int>(), 42);
}

CAF_TEST(a stale postmaster pid file left by a killed server is removed) {
  std::string pid_file;
  {
    embedded_postgres pg{folder.path()};
    CAF_REQUIRE(!pg.start());
    pid_file = pg.folder() + "/data/postmaster.pid";
  }
  for (int stale : {dead_pid(), static_cast<int>(getpid())}) {
    {
      std::ofstream out{pid_file, std::ios::trunc};
      out << stale << "\n/nowhere\n1700000000\n5432\n";
    }
    embedded_postgres pg{folder.path()};
    auto err = pg.start();
    CAF_REQUIRE(!err);
    CAF_CHECK(process_alive(pg.server_pid()));
    CAF_CHECK_NOT_EQUAL(pg.server_pid(), stale);
  }
}

CAF_TEST(a second instance adopts the running server and leaves it running) {
  embedded_postgres owner{folder.path()};
  CAF_REQUIRE(!owner.start());
  {
    embedded_postgres guest{folder.path()};
    CAF_REQUIRE(!guest.start());
    CAF_CHECK_EQUAL(guest.port(), owner.port());
    CAF_CHECK_EQUAL(guest.server_pid(), owner.server_pid());
  }
  CAF_CHECK(process_alive(owner.server_pid()));
  pqxx::connection c{owner.connection_url()};
  CAF_CHECK(c.is_open());
}

CAF_TEST(keep_running leaves a started server for attach and shut_down) {
  int pid = 0;
  int port = 0;
  {
    embedded_postgres starter{folder.path()};
    starter.keep_running();
    CAF_REQUIRE(!starter.start());
    CAF_CHECK(starter.started_by_us());
    pid = starter.server_pid();
    port = starter.port();
  }
  CAF_REQUIRE(process_alive(pid));
  {
    embedded_postgres tool{folder.path()};
    auto err = tool.attach();
    CAF_REQUIRE(!err);
    CAF_CHECK(!tool.started_by_us());
    CAF_CHECK_EQUAL(tool.port(), port);
    pqxx::connection c{tool.connection_url()};
    CAF_CHECK_EQUAL(c.dbname(), std::string{"mall"});
  }
  CAF_CHECK(process_alive(pid));
  embedded_postgres stopper{folder.path()};
  bool was_running = false;
  CAF_REQUIRE(!stopper.shut_down(&was_running));
  CAF_CHECK(was_running);
  CAF_CHECK(!process_alive(pid));
  // Stopping again is a no-op; attaching finds no server.
  CAF_REQUIRE(!stopper.shut_down(&was_running));
  CAF_CHECK(!was_running);
  CAF_CHECK(stopper.attach());
}

CAF_TEST(attach to a folder without a cluster is an error) {
  embedded_postgres pg{folder.path()};
  auto err = pg.attach();
  CAF_REQUIRE(err);
  CAF_CHECK_NOT_EQUAL(err->find("no database cluster"), std::string::npos);
  CAF_CHECK(!pg.running());
  CAF_CHECK(!pg.shut_down());
}

CAF_TEST_FIXTURE_SCOPE_END()
