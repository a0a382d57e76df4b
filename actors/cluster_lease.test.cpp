#define CAF_SUITE actors.cluster_lease
#include "tests/support/caf_test.hpp"

#include "actors/cluster_lease.hpp"

using namespace mall::actors;

namespace {

const lease_rules rules{1000, 100, 250, 500};

member_row row(std::string id, member_status status, int64_t expiry,
               uint64_t incarnation = 1) {
  return {std::move(id), incarnation, status, expiry, 1};
}

} // namespace

CAF_TEST(the holder stops a margin before expiry and others start a margin after
             it) {
  CAF_CHECK(lease_allows_serving(5000, 4899, rules));
  CAF_CHECK(!lease_allows_serving(5000, 4900, rules));
  CAF_CHECK(!lease_allows_takeover(5000, 5099, rules));
  CAF_CHECK(lease_allows_takeover(5000, 5100, rules));
}

CAF_TEST(only up members within their lease plus margin may own shards) {
  std::vector<member_row> rows{
      row("a", member_status::up, 5000), row("b", member_status::leaving, 5000),
      row("c", member_status::down, 5000), row("d", member_status::up, 4000)};
  CAF_CHECK_EQUAL(eligible_owners(rows, 4099, rules),
                  (std::vector<std::string>{"a", "d"}));
  CAF_CHECK_EQUAL(eligible_owners(rows, 4100, rules),
                  (std::vector<std::string>{"a"}));
}

CAF_TEST(a claim is free once released or once its holder is gone) {
  cluster_snapshot view;
  view.members = {row("a", member_status::up, 5000, 2),
                  row("b", member_status::down, 5000),
                  row("c", member_status::leaving, 5000)};
  CAF_CHECK(claim_is_free(claim_row{}, view));
  CAF_CHECK(claim_is_free(claim_row{"c", 1, true, 3}, view));
  CAF_CHECK(!claim_is_free(claim_row{"c", 1, false, 3}, view));
  CAF_CHECK(!claim_is_free(claim_row{"a", 2, false, 3}, view));
  CAF_CHECK(claim_is_free(claim_row{"a", 1, false, 3}, view));
  CAF_CHECK(claim_is_free(claim_row{"b", 1, false, 3}, view));
  CAF_CHECK(!claim_is_free(claim_row{"x", 1, false, 3}, view));
}
