#define CAF_SUITE persistence.pg_schema
#include "tests/support/caf_test.hpp"

#include "persistence/pg_schema.hpp"
#include "tests/support/test_postgres.hpp"

#include <pqxx/pqxx>
#include <thread>

using mall::persistence::pg_migration;
using mall::persistence::pg_schema;

namespace {

std::vector<int> recorded_versions(const std::string& url) {
  pqxx::connection c{url};
  pqxx::read_transaction tx{c};
  std::vector<int> versions;
  for (auto row : tx.exec("SELECT version FROM schema_migrations "
                          "ORDER BY version"))
    versions.push_back(row[0].as<int>());
  return versions;
}

bool table_exists(const std::string& url, const std::string& table) {
  pqxx::connection c{url};
  pqxx::read_transaction tx{c};
  return !tx.exec_params("SELECT to_regclass($1)", table)[0][0].is_null();
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(pg_schema_tests, mall::test_support::postgres_fixture)

CAF_TEST(a new database gets every migration and the journal tables) {
  auto result = pg_schema{}.migrate(url);
  CAF_REQUIRE(result.ok());
  CAF_CHECK_EQUAL(result.applied, (std::vector<int>{1, 2, 3}));
  CAF_CHECK_EQUAL(recorded_versions(url), (std::vector<int>{1, 2, 3}));
  for (auto table : {"journal", "snapshots", "consumer_offsets"})
    CAF_CHECK(table_exists(url, table));
}

CAF_TEST(migrating twice is a no - op) {
  CAF_REQUIRE(pg_schema{}.migrate(url).ok());
  auto again = pg_schema{}.migrate(url);
  CAF_REQUIRE(again.ok());
  CAF_CHECK(again.applied.empty());
  CAF_CHECK_EQUAL(recorded_versions(url), (std::vector<int>{1, 2, 3}));
}

CAF_TEST(a database at an older version gets only the missing migrations) {
  auto all = pg_schema::journal_migrations();
  std::vector<pg_migration> old_release{all.begin(), all.begin() + 1};
  CAF_REQUIRE_EQUAL(pg_schema{old_release}.migrate(url).applied,
                    (std::vector<int>{1}));
  CAF_CHECK(!table_exists(url, "snapshots"));
  auto result = pg_schema{}.migrate(url);
  CAF_REQUIRE(result.ok());
  CAF_CHECK_EQUAL(result.applied, (std::vector<int>{2, 3}));
  CAF_CHECK(table_exists(url, "snapshots"));
}

CAF_TEST(a failing migration is rolled back and reported) {
  std::vector<pg_migration> broken{{1, "CREATE TABLE a (v int)"},
                                   {2, "CREATE TABLE b (v nosuchtype)"}};
  auto result = pg_schema{broken}.migrate(url);
  CAF_CHECK(!result.ok());
  CAF_CHECK_EQUAL(result.applied, (std::vector<int>{1}));
  CAF_CHECK_EQUAL(recorded_versions(url), (std::vector<int>{1}));
  CAF_CHECK(!table_exists(url, "b"));
}

CAF_TEST(nodes migrating at the same time apply each migration once) {
  std::vector<mall::persistence::pg_migrate_result> results(4);
  std::vector<std::thread> nodes;
  for (auto& result : results)
    nodes.emplace_back([&] { result = pg_schema{}.migrate(url); });
  for (auto& node : nodes)
    node.join();
  size_t applied = 0;
  for (auto& result : results) {
    CAF_CHECK(result.ok());
    applied += result.applied.size();
  }
  CAF_CHECK_EQUAL(applied, 3u);
  CAF_CHECK_EQUAL(recorded_versions(url), (std::vector<int>{1, 2, 3}));
}

CAF_TEST_FIXTURE_SCOPE_END()
