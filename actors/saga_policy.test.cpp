#define CAF_SUITE actors.saga_policy
#include "tests/support/caf_test.hpp"

#include "actors/actor_shutdown.hpp"
#include "actors/entity_router.hpp"
#include "actors/runtime_messages.hpp"
#include "actors/saga_policy.hpp"
#include "actors/testing/mark_aggregate.hpp"
#include "persistence/memory_journal.hpp"

#include "caf/actor_system_config.hpp"
#include "caf/scoped_actor.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>

using namespace mall;
using namespace mall::actors;
using namespace std::chrono_literals;
using mark = actors::testing::mark_aggregate;

namespace {

/// A memory journal that signals every commit and saved offset, so tests
/// wait for conditions instead of sleeping.
class observed_journal : public persistence::memory_journal {
public:
  void save_offset(const std::string& consumer,
                   persistence::journal_position position) override {
    memory_journal::save_offset(consumer, position);
    notify();
  }

  void notify() {
    std::lock_guard<std::mutex> guard{mtx};
    cv.notify_all();
  }

  /// Waits until `pred` holds (checked after every change), at most `limit`.
  /// `pred` runs under the lock `notify` takes, so no change slips between
  /// a check and the wait.
  template<class Predicate>
  bool wait_until(Predicate pred, std::chrono::milliseconds limit = 10s) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, limit, pred);
  }

  std::mutex mtx;
  std::condition_variable cv;
};

/// Answers the first `failures` asks `unavailable`, then forwards.
class flaky_gateway : public entity_gateway {
public:
  explicit flaky_gateway(entity_gateway& next) : next_(next) {}

  void ask(entity_command cmd, int64_t timeout_ms,
           reply_handler on_reply) override {
    if (failures > 0) {
      --failures;
      on_reply(entity_reply{"unavailable", "flaky", {}, {}, false});
      return;
    }
    next_.ask(std::move(cmd), timeout_ms, std::move(on_reply));
  }

  std::atomic<int> failures{0};

private:
  entity_gateway& next_;
};

/// mark/n Marked{key} -> mark/n+1 mark{key} (expected new) up to mark/5;
/// mark/1 also sends a command that is always refused first.
std::vector<policy_command> chain(const std::string& type,
                                  const std::string& id,
                                  const nlohmann::json& event) {
  std::vector<policy_command> result;
  if (type != "mark" || event.at("type") != "Marked")
    return result;
  auto n = std::stoi(id);
  if (n == 1)
    result.push_back({"mark", "9", {{"type", "refuse"}}});
  if (n < 5)
    result.push_back({"mark",
                      std::to_string(n + 1),
                      {{"type", "mark"}, {"key", event.at("key")}},
                      true});
  return result;
}

caf::actor_system_config& two_threads(caf::actor_system_config& cfg) {
  cfg.set("scheduler.max-threads", size_t{2});
  return cfg;
}

struct fixture {
  fixture() {
    auto registry = std::make_shared<entity_registry>();
    registry->add<mark>();
    auto env = std::make_shared<entity_environment>();
    env->journal = journal;
    env->now_ms = [] { return int64_t{1'700'000'000'000}; };
    env->settings.shard_count = 4;
    router.emplace(sys, registry, env);
    journal->subscribe(
        [j = journal.get()](persistence::journal_position) { j->notify(); });
  }

  ~fixture() {
    CAF_CHECK(stop_actor(sys, consumer, 10s));
    router.reset();
  }

  void start(entity_gateway& gateway) {
    saga_policy_options opts;
    opts.name = "test_saga";
    opts.ask_timeout_ms = 2000;
    opts.settings.consumer_batch_size = 3;
    opts.settings.restart_backoff_min = 10ms;
    opts.settings.restart_backoff_max = 100ms;
    auto counted = [this](const std::string& type, const std::string& id,
                          const nlohmann::json& event) {
      ++reactions;
      return chain(type, id, event);
    };
    consumer = spawn_event_consumer(
        sys, saga_policy(journal, gateway, counted, std::move(opts)));
  }

  void kick_off(const std::string& key) {
    router->ask(entity_command{"mark", "1",
                               R"({"type":"mark","key":")" + key + "\"}",
                               "trace-chain"},
                2000, [](entity_reply) {});
  }

  size_t marks_of(const std::string& id) {
    return journal->read_events("mark|" + id, 1).size();
  }

  /// Whether the consumer has handled everything in the journal.
  bool caught_up() {
    auto all = journal->read_all({}, 1000);
    return !all.empty() &&
           journal->load_offset("test_saga") == all.back().position;
  }

  bool chain_done() { return marks_of("5") == 1 && caught_up(); }

  nlohmann::json describe() {
    caf::scoped_actor self{sys};
    nlohmann::json result;
    self->request(consumer, 5s, describe_atom::value)
        .receive(
            [&](const std::string& text) {
              result = nlohmann::json::parse(text);
            },
            [](caf::error&) {});
    return result;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys{two_threads(cfg)};
  std::shared_ptr<observed_journal> journal =
      std::make_shared<observed_journal>();
  std::optional<entity_router> router;
  caf::actor consumer;
  std::atomic<int> reactions{0};
};

} // namespace

CAF_TEST(the commands of a batch keep their event order and trace ids) {
  auto record = [](std::string pid, int64_t seq, std::string payload,
                   std::string trace) {
    return persistence::event_record{
        std::move(pid),   seq, "Marked", std::move(payload),
        std::move(trace), 0,   {}};
  };
  std::vector<persistence::event_record> batch{
      record("mark|1", 1, R"({"type":"Marked","key":"a"})", "t1"),
      record("mark|2", 1, "not json", "t2"),
      record("nobar", 1, R"({"type":"Marked","key":"b"})", "t3"),
      record("mark|x", 1, R"({"type":"Marked","key":"c"})", "t4"),
      record("mark|3", 1, R"({"type":"Marked","key":"d"})", "t5"),
  };
  // mark/x makes std::stoi throw: that event is skipped, not retried.
  auto cmds = policy_commands_of(batch, chain);
  CAF_REQUIRE_EQUAL(cmds.size(), 3u);
  CAF_CHECK_EQUAL(cmds[0].id, "9");
  CAF_CHECK_EQUAL(cmds[0].trace_id, "t1");
  CAF_CHECK(!cmds[0].expect_new);
  CAF_CHECK_EQUAL(cmds[1].id, "2");
  CAF_CHECK(cmds[1].expect_new);
  CAF_CHECK_EQUAL(cmds[1].body, R"({"key":"a","type":"mark"})");
  CAF_CHECK_EQUAL(cmds[2].id, "4");
  CAF_CHECK_EQUAL(cmds[2].trace_id, "t5");
}

CAF_TEST_FIXTURE_SCOPE(saga_policy_tests, fixture)

CAF_TEST(a chain of reactions runs to the end despite a refused step) {
  start(*router);
  kick_off("k");
  CAF_REQUIRE(journal->wait_until([this] { return chain_done(); }));
  for (auto id : {"1", "2", "3", "4", "5"})
    CAF_CHECK_EQUAL(marks_of(id), 1u);
  CAF_CHECK_EQUAL(marks_of("9"), 0u);
  auto last = journal->read_events("mark|5", 1);
  CAF_CHECK_EQUAL(last.at(0).trace_id, "trace-chain");
  // The refusal was logged and skipped, not retried.
  auto tree = describe();
  CAF_CHECK_EQUAL(tree["restarts"], 0);
}

CAF_TEST(a redelivered batch changes nothing) {
  start(*router);
  kick_off("k");
  CAF_REQUIRE(journal->wait_until([this] { return chain_done(); }));
  auto events = journal->size();
  auto handled = reactions.load();
  CAF_CHECK_EQUAL(handled, 5);
  CAF_REQUIRE(rewind_event_consumer(sys, consumer, {}, 5s));
  CAF_REQUIRE(journal->wait_until(
      [&] { return reactions.load() >= 2 * handled && caught_up(); }));
  CAF_CHECK_EQUAL(reactions.load(), 2 * handled);
  CAF_CHECK_EQUAL(journal->size(), events);
}

CAF_TEST(an unavailable reply makes the consumer retry the batch) {
  flaky_gateway flaky{*router};
  flaky.failures = 2;
  start(flaky);
  kick_off("k");
  CAF_REQUIRE(journal->wait_until([this] { return chain_done(); }));
  CAF_CHECK_EQUAL(flaky.failures.load(), 0);
  CAF_CHECK_EQUAL(marks_of("5"), 1u);
  auto tree = describe();
  CAF_CHECK_GREATER_OR_EQUAL(tree["restarts"].get<int>(), 1);
  // `flaky` dies with this scope: stop the consumer that uses it first.
  CAF_CHECK(stop_actor(sys, consumer, 10s));
}

CAF_TEST_FIXTURE_SCOPE_END()
