#define CAF_SUITE persistence.pg_array_literal
#include "tests/support/caf_test.hpp"

#include "persistence/pg_array_literal.hpp"
#include "tests/support/test_postgres.hpp"

#include <pqxx/pqxx>

using namespace mall::persistence;

namespace {

/// Text that array literals must carry unchanged.
const std::vector<std::string> awkward_values{
    "plain",        "with \"quotes\"",
    "back\\slash",  "trailing\\",
    "com,ma",       "{braces}",
    "NULL",         "",
    "  spaced  ",   "it's",
    "日本語|ü",     "tab\there\nnewline",
    "\\\"mixed\"\\"};

struct fixture : mall::test_support::postgres_fixture {
  pqxx::connection connection{url};
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(pg_array_literal_tests, fixture)

CAF_TEST(text literals quote every element and escape quotes and backslashes) {
  CAF_CHECK_EQUAL(pg_array_literal(std::vector<std::string>{}), "{}");
  CAF_CHECK_EQUAL(pg_array_literal(std::vector<std::string>{"a", ""}),
                  R"({"a",""})");
  CAF_CHECK_EQUAL(pg_array_literal(std::vector<std::string>{R"(a"b\c)"}),
                  R"({"a\"b\\c"})");
}

CAF_TEST(bigint literals list the numbers) {
  CAF_CHECK_EQUAL(pg_array_literal(std::vector<int64_t>{}), "{}");
  CAF_CHECK_EQUAL(pg_array_literal(std::vector<int64_t>{1, -2, 9'000'000'000}),
                  "{1,-2,9000000000}");
}

CAF_TEST(awkward text survives a round trip through PostgreSQL in order) {
  pqxx::nontransaction tx{connection};
  auto rows = tx.exec_params("SELECT value, value IS NULL FROM"
                             " unnest($1::text[]) WITH ORDINALITY"
                             " AS t(value, n) ORDER BY n",
                             pg_array_literal(awkward_values));
  CAF_REQUIRE_EQUAL(rows.size(), awkward_values.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    CAF_CHECK_EQUAL(rows[i][0].as<std::string>(""), awkward_values[i]);
    CAF_CHECK(!rows[i][1].as<bool>());
  }
}

CAF_TEST(bigints survive a round trip through PostgreSQL in order) {
  std::vector<int64_t> values{0, 1, -1, INT64_MAX, INT64_MIN};
  pqxx::nontransaction tx{connection};
  auto rows = tx.exec_params("SELECT value FROM unnest($1::bigint[])"
                             " WITH ORDINALITY AS t(value, n) ORDER BY n",
                             pg_array_literal(values));
  CAF_REQUIRE_EQUAL(rows.size(), values.size());
  for (size_t i = 0; i < rows.size(); ++i)
    CAF_CHECK_EQUAL(rows[i][0].as<int64_t>(), values[i]);
}

CAF_TEST_FIXTURE_SCOPE_END()
