#define CAF_SUITE persistence.pg_read_model_store
#include "tests/support/caf_test.hpp"

#include "persistence/pg_read_model_store.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/pg_lock_waits.hpp"
#include "tests/support/test_postgres.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <thread>

using namespace mall::persistence;

namespace {

struct fixture : mall::test_support::postgres_fixture {
  std::unique_ptr<pg_read_model_store> store;

  fixture() {
    auto steps = pg_schema::journal_migrations();
    for (const auto& step : pg_read_model_store::migrations())
      steps.push_back(step);
    CAF_REQUIRE(pg_schema{steps}.migrate(url).ok());
    store = std::make_unique<pg_read_model_store>(url);
  }

  read_model_row row(std::string key, std::string owner, std::string sort,
                     std::string status = "placed") {
    return {"orders",
            std::move(key),
            std::move(owner),
            std::move(sort),
            R"({"status":")" + status + R"("})",
            status};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(pg_read_model_store_tests, fixture)

CAF_TEST(rows and offset are committed together and rows are upserted) {
  store->commit("orders", {row("o1", "u1", "001"), row("o2", "u1", "002")},
                {10, 2});
  store->commit("orders", {row("o1", "u1", "001", "cancelled")}, {11, 3});
  CAF_CHECK(store->offset("orders") == (journal_position{11, 3}));
  auto o1 = store->find("orders", "o1");
  CAF_REQUIRE(o1);
  CAF_CHECK_EQUAL(o1->doc, R"({"status":"cancelled"})");
  CAF_CHECK_EQUAL(o1->status, "cancelled");
  CAF_CHECK(!store->find("orders", "o3"));
  CAF_CHECK(store->offset("never") == journal_position{});
}

CAF_TEST(a commit on top of a stale offset writes nothing and throws) {
  // The first runner starts from nothing and commits.
  store->commit("orders", {row("o1", "u1", "001")}, {10, 1},
                journal_position{});
  // A second runner that also started from nothing is refused.
  bool refused = false;
  try {
    store->commit("orders", {row("o1", "u1", "001", "stale")}, {10, 5},
                  journal_position{});
  } catch (const journal_error&) {
    refused = true;
  }
  CAF_CHECK(refused);
  CAF_CHECK(store->offset("orders") == (journal_position{10, 1}));
  auto o1 = store->find("orders", "o1");
  CAF_REQUIRE(o1);
  CAF_CHECK_EQUAL(o1->doc.find("stale"), std::string::npos);
  // The first goes on from where it is.
  store->commit("orders", {row("o2", "u1", "002")}, {11, 2},
                journal_position{10, 1});
  CAF_CHECK(store->offset("orders") == (journal_position{11, 2}));
  CAF_CHECK(store->find("orders", "o2"));
}

CAF_TEST(of two first commits at once only one lands) {
  // Another runner's first commit, not yet committed: no offset row exists
  // for this one to lock.
  pqxx::connection other{url};
  pqxx::work first{other};
  first.exec("INSERT INTO consumer_offsets (consumer, tx, global_offset) "
             "VALUES ('orders', 5, 5)");
  bool refused = false;
  std::thread second{[&] {
    try {
      store->commit("orders", {row("o9", "u1", "009")}, {7, 7},
                    journal_position{});
    } catch (const journal_error&) {
      refused = true;
    }
  }};
  pqxx::connection observer{url};
  CAF_REQUIRE(mall::test_support::eventually(
      [&] { return mall::test_support::lock_waiters(observer) == 1; }));
  first.commit();
  second.join();
  CAF_CHECK(refused);
  CAF_CHECK(store->offset("orders") == (journal_position{5, 5}));
  CAF_CHECK(!store->find("orders", "o9"));
}

CAF_TEST(find_all reads many rows at once and keeps any text intact) {
  // Quotes, backslashes, commas, braces and non-ASCII text pass through the
  // array literals of the single-statement commit unchanged.
  const std::string doc = R"({"name":"a \"b\", {c} \\ 한글"})";
  store->commit("orders",
                {{"orders", "k,1", "u\"x", "001", doc}, row("k2", "u1", "002")},
                {3, 2});
  auto rows = store->find_all("orders", {"k,1", "k2", "missing"});
  CAF_REQUIRE_EQUAL(rows.size(), 2u);
  std::sort(rows.begin(), rows.end(),
            [](auto& a, auto& b) { return a.key < b.key; });
  CAF_CHECK_EQUAL(rows[0].key, "k,1");
  CAF_CHECK_EQUAL(rows[0].owner, "u\"x");
  CAF_CHECK_EQUAL(rows[0].doc, doc);
  CAF_CHECK_EQUAL(rows[1].key, "k2");
  CAF_CHECK(store->find_all("orders", {}).empty());
  CAF_CHECK(store->offset("orders") == (journal_position{3, 2}));
}

CAF_TEST(lists are newest first filtered by owner and paged by cursor) {
  store->commit("orders",
                {row("a", "u1", "001"), row("b", "u2", "002"),
                 row("c", "u1", "003"), row("d", "u1", "003")},
                {1, 4});
  auto first = store->list("orders", "u1", 2, "");
  CAF_REQUIRE(first);
  CAF_REQUIRE_EQUAL(first->rows.size(), 2u);
  CAF_CHECK_EQUAL(first->rows[0].key, "d");
  CAF_CHECK_EQUAL(first->rows[1].key, "c");
  CAF_REQUIRE(!first->next_cursor.empty());
  auto second = store->list("orders", "u1", 2, first->next_cursor);
  CAF_REQUIRE(second);
  CAF_REQUIRE_EQUAL(second->rows.size(), 1u);
  CAF_CHECK_EQUAL(second->rows[0].key, "a");
  CAF_CHECK(second->next_cursor.empty());
  auto everyone = store->list("orders", "", 10, "");
  CAF_REQUIRE(everyone);
  CAF_CHECK_EQUAL(everyone->rows.size(), 4u);
}

CAF_TEST(a cursor the store did not make is refused) {
  CAF_CHECK(!store->list("orders", "", 10, "x'; DROP TABLE read_models; --"));
  CAF_CHECK(!store->list("orders", "", 10, "123"));
}

CAF_TEST(keys with status finds old rows in that status oldest first) {
  store->commit(
      "orders",
      {row("late", "u", "005", "pending"), row("old", "u", "001", "pending"),
       row("done", "u", "002", "placed"), row("new", "u", "009", "pending")},
      {1, 4});
  auto keys = store->keys_with_status("orders", "pending", "006", 10);
  CAF_CHECK_EQUAL(keys, (std::vector<std::string>{"old", "late"}));
}

CAF_TEST(reset removes the model and the offset only) {
  store->commit("orders", {row("a", "u", "001")}, {1, 1});
  store->commit("catalog", {{"catalog", "p", "", "001", "{}"}}, {2, 2});
  store->reset("orders", "orders");
  CAF_CHECK(!store->find("orders", "a"));
  CAF_CHECK(store->offset("orders") == journal_position{});
  CAF_CHECK(store->find("catalog", "p"));
  CAF_CHECK(store->offset("catalog") == (journal_position{2, 2}));
}

CAF_TEST_FIXTURE_SCOPE_END()
