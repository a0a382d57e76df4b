#define CAF_SUITE actors.cluster_table
#include "tests/support/caf_test.hpp"

#include "actors/cluster_table.hpp"

using namespace mall::actors;

namespace {

struct fixture {
  cluster_table table{4};

  const member_row& row(const std::string& id) {
    auto* r = table.snapshot().member(id);
    CAF_REQUIRE(r != nullptr);
    return *r;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_table_tests, fixture)

CAF_TEST(a node joins once per incarnation and only while its row is down) {
  CAF_CHECK(table.apply(join_request{"a", 1, 1000}).ok);
  CAF_CHECK_EQUAL(row("a").status, member_status::up);
  CAF_CHECK(!table.apply(join_request{"a", 2, 2000}).ok);
  CAF_CHECK(table.apply(mark_down_request{"a", row("a").version}).ok);
  CAF_CHECK(!table.apply(join_request{"a", 1, 2000}).ok);
  CAF_CHECK(table.apply(join_request{"a", 2, 2000}).ok);
  CAF_CHECK_EQUAL(row("a").incarnation, 2u);
}

CAF_TEST(a renewal never shortens the lease and fails once marked down) {
  table.apply(join_request{"a", 1, 1000});
  CAF_CHECK(table.apply(renew_request{"a", 1, 1500}).ok);
  CAF_CHECK(table.apply(renew_request{"a", 1, 1200}).ok);
  CAF_CHECK_EQUAL(row("a").lease_expiry_ms, 1500);
  CAF_CHECK(!table.apply(renew_request{"a", 2, 9000}).ok);
  CAF_CHECK(!table.apply(renew_request{"b", 1, 9000}).ok);
  CAF_CHECK(table.snapshot().member("b") == nullptr);
  CAF_CHECK(table.apply(mark_down_request{"a", row("a").version}).ok);
  CAF_CHECK(!table.apply(renew_request{"a", 1, 9000}).ok);
}

CAF_TEST(a mark down loses against a renewal that came first) {
  table.apply(join_request{"a", 1, 1000});
  auto judged = row("a").version;
  table.apply(renew_request{"a", 1, 2000});
  CAF_CHECK(!table.apply(mark_down_request{"a", judged}).ok);
  CAF_CHECK_EQUAL(row("a").status, member_status::up);
}

CAF_TEST(a node leaves through leaving to down) {
  table.apply(join_request{"a", 1, 1000});
  CAF_CHECK(!table.apply(status_request{"a", 2, member_status::leaving}).ok);
  CAF_CHECK(table.apply(status_request{"a", 1, member_status::leaving}).ok);
  CAF_CHECK(!table.apply(status_request{"a", 1, member_status::leaving}).ok);
  CAF_CHECK(table.apply(renew_request{"a", 1, 2000}).ok);
  CAF_CHECK(table.apply(status_request{"a", 1, member_status::down}).ok);
  CAF_CHECK(!table.apply(status_request{"a", 1, member_status::down}).ok);
}

CAF_TEST(claims and releases are compare and set on the claim version) {
  auto& claims = table.snapshot().claims;
  CAF_CHECK(claims[2].released);
  auto claimed = table.apply(claim_request{2, "a", 1, 0});
  CAF_REQUIRE(claimed.ok);
  CAF_CHECK_EQUAL(claims[2].holder, "a");
  CAF_CHECK(!claims[2].released);
  // A second claimer judged the row at version 0: too late.
  CAF_CHECK(!table.apply(claim_request{2, "b", 1, 0}).ok);
  // Only the holder's own claim version releases it.
  CAF_CHECK(!table.apply(release_request{2, "b", 1, claimed.version}).ok);
  CAF_CHECK(!table.apply(release_request{2, "a", 2, claimed.version}).ok);
  CAF_CHECK(!table.apply(release_request{2, "a", 1, 0}).ok);
  CAF_CHECK(table.apply(release_request{2, "a", 1, claimed.version}).ok);
  CAF_CHECK(claims[2].released);
}

CAF_TEST(a late release cannot undo a newer claim of the same node) {
  auto first = table.apply(claim_request{0, "a", 1, 0});
  auto released = table.apply(release_request{0, "a", 1, first.version});
  CAF_REQUIRE(released.ok);
  auto again = table.apply(claim_request{0, "a", 1, released.version});
  CAF_REQUIRE(again.ok);
  CAF_CHECK(!table.apply(release_request{0, "a", 1, first.version}).ok);
  CAF_CHECK(!table.snapshot().claims[0].released);
}

CAF_TEST_FIXTURE_SCOPE_END()
