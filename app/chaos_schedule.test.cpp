#define CAF_SUITE app.chaos_schedule
#include "tests/support/caf_test.hpp"

#include "app/chaos_schedule.hpp"
#include "tests/support/eventually.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <mutex>
#include <thread>
#include <vector>

using namespace mall;
using mall::test_support::eventually;
using namespace std::chrono_literals;

namespace {

/// A schedule on its own thread that records its crashes.
struct fixture {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
      io.get_executor()};
  std::mutex mutex;
  std::vector<std::string> crashes;
  app::chaos_schedule chaos{
      io.get_executor(), [this](const std::string& t, const std::string& id) {
        std::lock_guard<std::mutex> guard{mutex};
        crashes.push_back(t + ":" + id);
      }};
  std::thread runner{[this] { io.run(); }};

  ~fixture() {
    chaos.stop();
    work.reset();
    runner.join();
  }

  size_t count() {
    std::lock_guard<std::mutex> guard{mutex};
    return crashes.size();
  }
};

net::chaos_plan plan(double per_second, double duration_s) {
  net::chaos_plan p;
  p.targets = {{"shard", ""}, {"projection", "orders"}};
  p.per_second = per_second;
  p.duration_s = duration_s;
  return p;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(chaos_schedule_tests, fixture)

CAF_TEST(a plan makes rate times duration crashes through its targets) {
  CAF_CHECK_EQUAL(chaos.start(plan(100, 0.05)), 5u);
  CAF_REQUIRE(eventually([&] { return !chaos.current().running; }, 5s));
  std::lock_guard<std::mutex> guard{mutex};
  CAF_CHECK_EQUAL(crashes, (std::vector<std::string>{
                               "shard:", "projection:orders",
                               "shard:", "projection:orders", "shard:"}));
  CAF_CHECK_EQUAL(chaos.current().crashed, 5u);
}

CAF_TEST(a short plan still makes one crash) {
  CAF_CHECK_EQUAL(chaos.start(plan(1, 0.1)), 1u);
  CAF_REQUIRE(eventually([&] { return count() == 1; }, 5s));
  CAF_CHECK(!chaos.current().running);
}

CAF_TEST(stopping ends a plan and says how far it got) {
  chaos.start(plan(50, 3600));
  CAF_REQUIRE(eventually([&] { return count() >= 2; }, 5s));
  auto stopped = chaos.stop();
  CAF_CHECK(stopped.running);
  CAF_CHECK_GREATER_OR_EQUAL(stopped.crashed, 2u);
  CAF_CHECK_EQUAL(stopped.planned, 180000u);
  // Nothing after the stop: a tick on its way belongs to the old plan. At
  // 50/s a running plan would crash again within 20 ms.
  CAF_CHECK_EQUAL(count(), stopped.crashed);
  CAF_CHECK(!eventually([&] { return count() > stopped.crashed; }, 200ms));
  CAF_CHECK(!chaos.current().running);
  CAF_CHECK(!chaos.stop().running);
}

CAF_TEST(a new plan replaces the running one) {
  chaos.start(plan(50, 3600));
  CAF_REQUIRE(eventually([&] { return count() >= 1; }, 5s));
  net::chaos_plan other;
  other.targets = {{"entity", "order/o_1"}};
  other.per_second = 100;
  other.duration_s = 0.03;
  CAF_CHECK_EQUAL(chaos.start(other), 3u);
  CAF_REQUIRE(eventually([&] { return !chaos.current().running; }, 5s));
  std::lock_guard<std::mutex> guard{mutex};
  auto entity_crashes = std::count(crashes.begin(), crashes.end(),
                                   std::string{"entity:order/o_1"});
  CAF_CHECK_EQUAL(entity_crashes, 3);
  CAF_CHECK_EQUAL(chaos.current().crashed, 3u);
}

CAF_TEST_FIXTURE_SCOPE_END()
