#define CAF_SUITE actors.restart_policy
#include "tests/support/caf_test.hpp"

#include "actors/restart_policy.hpp"

using namespace mall::actors;
using namespace std::chrono_literals;

namespace {

struct fixture {
  fixture() {
    settings.restart_backoff_min = 100ms;
    settings.restart_backoff_max = 1s;
    settings.restart_budget = 3;
    settings.restart_window = 10s;
  }

  runtime_settings settings;
  restart_policy policy;
  std::minstd_rand rng{42};
  restart_policy::time_point t0 = restart_policy::time_point{} + 1h;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(restart_policy_tests, fixture)

CAF_TEST(the backoff grows with every restart in the window and jitters) {
  settings.restart_budget = 10;
  std::vector<restart_policy::duration> delays;
  for (int i = 0; i < 6; ++i)
    delays.push_back(policy.on_crash(t0 + i * 1ms, settings, rng).value());
  CAF_CHECK(delays[0] >= 100ms && delays[0] <= 125ms);
  CAF_CHECK(delays[1] >= 200ms && delays[1] <= 250ms);
  for (size_t i = 1; i < 4; ++i)
    CAF_CHECK(delays[i - 1] < delays[i]);
  CAF_CHECK_EQUAL(delays[5].count(), 1000);
}

CAF_TEST(the budget allows n restarts per window and then refuses) {
  for (int i = 0; i < 3; ++i)
    CAF_CHECK(policy.on_crash(t0 + i * 1s, settings, rng).has_value());
  CAF_CHECK(!policy.on_crash(t0 + 3s, settings, rng).has_value());
  CAF_CHECK(policy.retry_after(settings) == t0 + 10s);
  // Once the first restart has left the window, one more is allowed.
  CAF_CHECK(policy.on_crash(t0 + 10s + 1ms, settings, rng).has_value());
  CAF_CHECK_EQUAL(policy.total_restarts(), 4u);
}

CAF_TEST(crashes far apart restart quickly every time) {
  for (int i = 0; i < 5; ++i) {
    auto delay = policy.on_crash(t0 + i * 11s, settings, rng);
    CAF_REQUIRE(delay.has_value());
    CAF_CHECK(*delay <= 125ms);
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
