#define CAF_SUITE actors.reply_guard
#include "tests/support/caf_test.hpp"

#include "actors/reply_guard.hpp"

#include <memory>
#include <vector>

using namespace mall::actors;

CAF_TEST(the first delivered reply wins and later ones are ignored) {
  std::vector<entity_reply> seen;
  {
    reply_guard guard{[&](entity_reply r) { seen.push_back(std::move(r)); }};
    guard.deliver(entity_reply{{}, {}, "{\"n\":1}", "1.1"});
    guard.deliver(entity_reply{"unavailable", "late", {}, {}});
    CAF_CHECK(guard.delivered());
  }
  CAF_REQUIRE_EQUAL(seen.size(), 1u);
  CAF_CHECK_EQUAL(seen[0].body, "{\"n\":1}");
}

CAF_TEST(a guard dropped unanswered replies unavailable) {
  std::vector<entity_reply> seen;
  auto guard = std::make_shared<reply_guard>(
      [&](entity_reply r) { seen.push_back(std::move(r)); });
  auto copy = guard;
  guard.reset();
  CAF_CHECK(seen.empty());
  copy.reset();
  CAF_REQUIRE_EQUAL(seen.size(), 1u);
  CAF_CHECK_EQUAL(seen[0].error_code, "unavailable");
}
