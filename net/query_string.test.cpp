#define CAF_SUITE net.query_string
#include "tests/support/caf_test.hpp"

#include "net/query_string.hpp"

using namespace mall::net;

CAF_TEST(names and values are split and percent decoded) {
  auto q = parse_query("limit=5&cursor=a%2Fb+c&flag");
  CAF_REQUIRE(q);
  CAF_CHECK_EQUAL(q->at("limit"), "5");
  CAF_CHECK_EQUAL(q->at("cursor"), "a/b c");
  CAF_CHECK_EQUAL(q->at("flag"), "");
}

CAF_TEST(an empty query has no parameters) {
  auto q = parse_query("");
  CAF_REQUIRE(q);
  CAF_CHECK(q->empty());
}

CAF_TEST(a malformed escape is refused) {
  CAF_CHECK(!parse_query("a=%zz"));
  CAF_CHECK(!parse_query("a=%4"));
  CAF_CHECK(!parse_query("a=%"));
}
