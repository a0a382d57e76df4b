#define CAF_SUITE actors.local_dispatch
#include "tests/support/caf_test.hpp"

#include "actors/local_dispatch.hpp"

#include <memory>
#include <vector>

#include "caf/event_based_actor.hpp"

using namespace mall::actors;

namespace {

struct fixture : test_coordinator_fixture<> {
  std::shared_ptr<shard_routes> routes = std::make_shared<shard_routes>(2);
  shard_directory directory{2};
  /// What the stand-in shard holds, as a shard keeps a command's books.
  std::shared_ptr<std::vector<ask_request>> kept =
      std::make_shared<std::vector<ask_request>>();

  fixture() {
    routes->serve_locally(0);
    routes->serve_locally(1);
    routes->set_lease_until(shard_routes::clock::now() + std::chrono::hours(1));
    auto books = kept;
    directory.set(1, sys.spawn([books](caf::event_based_actor*) {
      return caf::behavior{
          [books](ask_request& req) { books->push_back(std::move(req)); },
      };
    }));
  }

  ask_request command(std::shared_ptr<bool> answered) {
    return ask_request{entity_command{"counter", "c1", "{}", "t"},
                       caf::actor_clock::time_point{},
                       std::make_shared<reply_guard>(
                           [answered](entity_reply) { *answered = true; }),
                       nullptr};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(local_dispatch_tests, fixture)

CAF_TEST(a command counts until the shard drops it not until it is answered) {
  auto answered = std::make_shared<bool>(false);
  CAF_REQUIRE(routes->enter_local(1));
  dispatch_local(directory, routes, 1, command(answered));
  sched.run();
  CAF_REQUIRE_EQUAL(kept->size(), 1u);
  CAF_CHECK_EQUAL(routes->in_flight(1), 1);
  // A deadline answers the caller; the entity still has the command.
  kept->front().reply->deliver(entity_reply{"unavailable", "timeout", {}, {}});
  CAF_CHECK(*answered);
  CAF_CHECK_EQUAL(routes->in_flight(1), 1);
  // The entity answered: the shard drops the command.
  kept->clear();
  CAF_CHECK_EQUAL(routes->in_flight(1), 0);
}

CAF_TEST(a command lost on the way leaves the count) {
  auto answered = std::make_shared<bool>(false);
  CAF_REQUIRE(routes->enter_local(0));
  // Shard 0 has no actor: the message is dropped.
  dispatch_local(directory, routes, 0, command(answered));
  sched.run();
  CAF_CHECK(*answered);
  CAF_CHECK_EQUAL(routes->in_flight(0), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
