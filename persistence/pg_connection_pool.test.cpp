#define CAF_SUITE persistence.pg_connection_pool
#include "tests/support/caf_test.hpp"

#include "persistence/pg_connection_pool.hpp"
#include "tests/support/test_postgres.hpp"

#include <atomic>
#include <pqxx/pqxx>
#include <thread>

using mall::persistence::pg_connection_pool;

namespace {

int backend_pid(pqxx::connection& c) {
  pqxx::nontransaction tx{c};
  return tx.exec("SELECT pg_backend_pid()")[0][0].as<int>();
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(pg_connection_pool_tests,
                       mall::test_support::postgres_fixture)

CAF_TEST(a returned connection is reused) {
  pg_connection_pool pool{url, 2};
  auto first = pool.with_connection(backend_pid);
  auto second = pool.with_connection(backend_pid);
  CAF_CHECK_EQUAL(first, second);
  CAF_CHECK_EQUAL(pool.open_connections(), 1u);
}

CAF_TEST(concurrent users never open more than the maximum) {
  pg_connection_pool pool{url, 3};
  std::atomic<int> in_use{0};
  std::atomic<int> most{0};
  std::vector<std::thread> users;
  for (int i = 0; i < 8; ++i)
    users.emplace_back([&] {
      for (int j = 0; j < 20; ++j)
        pool.with_connection([&](pqxx::connection& c) {
          auto now = ++in_use;
          for (auto seen = most.load(); now > seen;)
            most.compare_exchange_weak(seen, now);
          pqxx::nontransaction tx{c};
          tx.exec("SELECT 1");
          --in_use;
        });
    });
  for (auto& user : users)
    user.join();
  CAF_CHECK_LESS_OR_EQUAL(most.load(), 3);
  CAF_CHECK_LESS_OR_EQUAL(pool.open_connections(), 3u);
}

CAF_TEST(a broken connection is dropped and replaced) {
  pg_connection_pool pool{url, 1};
  auto first = pool.with_connection(backend_pid);
  pqxx::connection admin{url};
  pqxx::nontransaction kill{admin};
  kill.exec_params("SELECT pg_terminate_backend($1)", first);
  // The backend is gone: this use fails (or pqxx reconnects quietly).
  try {
    pool.with_connection(backend_pid);
  } catch (const pqxx::broken_connection&) {
  }
  auto replacement = pool.with_connection(backend_pid);
  CAF_CHECK_NOT_EQUAL(replacement, first);
}

CAF_TEST(an error from the work propagates and the connection stays usable) {
  pg_connection_pool pool{url, 1};
  auto failing = [](pqxx::connection& c) {
    pqxx::work tx{c};
    tx.exec("SELECT no_such_column FROM pg_class");
  };
  bool threw = false;
  try {
    pool.with_connection(failing);
  } catch (const pqxx::sql_error&) {
    threw = true;
  }
  CAF_CHECK(threw);
  CAF_CHECK_EQUAL(pool.with_connection([](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    return tx.exec("SELECT 7")[0][0].as<int>();
  }),
                  7);
}

CAF_TEST_FIXTURE_SCOPE_END()
