#define CAF_SUITE net.rate_limiter
#include "tests/support/caf_test.hpp"

#include "net/rate_limiter.hpp"

using namespace mall::net;
using namespace std::chrono_literals;

namespace {

struct fixture {
  rate_limiter limiter{10, 5};
  rate_limiter::clock::time_point t0 = rate_limiter::clock::now();

  int allowed(const std::string& key, int tries,
              rate_limiter::clock::time_point at) {
    int n = 0;
    for (int i = 0; i < tries; ++i)
      n += limiter.admit(key, at) ? 1 : 0;
    return n;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(rate_limiter_tests, fixture)

CAF_TEST(a burst is allowed up to its size) {
  CAF_CHECK_EQUAL(allowed("a", 8, t0), 5);
}

CAF_TEST(the budget refills at the rate) {
  CAF_CHECK_EQUAL(allowed("a", 5, t0), 5);
  CAF_CHECK_EQUAL(allowed("a", 5, t0 + 200ms), 2);
  CAF_CHECK_EQUAL(allowed("a", 10, t0 + 10s), 5);
}

CAF_TEST(keys have separate budgets) {
  CAF_CHECK_EQUAL(allowed("a", 5, t0), 5);
  CAF_CHECK_EQUAL(allowed("b", 5, t0), 5);
  CAF_CHECK(!limiter.admit("a", t0));
}

CAF_TEST(a steady client below the rate is never limited) {
  for (int i = 0; i < 100; ++i)
    CAF_REQUIRE(limiter.admit("a", t0 + i * 110ms));
}

CAF_TEST(refilled keys are forgotten) {
  allowed("a", 1, t0);
  allowed("b", 1, t0);
  CAF_CHECK_EQUAL(limiter.size(), 2u);
  allowed("c", 1, t0 + 60s);
  CAF_CHECK_EQUAL(limiter.size(), 1u);
}

CAF_TEST(a zero rate disables limiting) {
  rate_limiter off{0, 0};
  for (int i = 0; i < 1000; ++i)
    CAF_REQUIRE(off.admit("a", t0));
}

CAF_TEST_FIXTURE_SCOPE_END()
