#define CAF_SUITE net.random_id
#include "tests/support/caf_test.hpp"

#include "net/random_id.hpp"

using namespace mall::net;

CAF_TEST(random ids have their prefix and sixteen hex digits) {
  auto id = random_id("p_");
  CAF_CHECK_EQUAL(id.size(), 18u);
  CAF_CHECK(is_random_id(id, "p_"));
  CAF_CHECK_NOT_EQUAL(random_id("p_"), random_id("p_"));
}

CAF_TEST(other shapes are not random ids) {
  CAF_CHECK(!is_random_id("p_0123456789abcde", "p_"));
  CAF_CHECK(!is_random_id("p_0123456789abcdef0", "p_"));
  CAF_CHECK(!is_random_id("u_0123456789abcdef", "p_"));
  CAF_CHECK(!is_random_id("p_0123456789ABCDEF", "p_"));
  CAF_CHECK(!is_random_id("", "p_"));
}

CAF_TEST(random hex has two digits per byte) {
  CAF_CHECK_EQUAL(random_hex(16).size(), 32u);
}
