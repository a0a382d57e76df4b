#define CAF_SUITE actors.entity_shard
#include "tests/support/caf_test.hpp"

#include "actors/entity_shard.hpp"
#include "actors/runtime_messages.hpp"
#include "actors/testing/counter_aggregate.hpp"
#include "persistence/memory_journal.hpp"

#include <nlohmann/json.hpp>

using namespace mall;
using namespace mall::actors;
using namespace std::chrono_literals;
using counter = actors::testing::counter_aggregate;
using settling = actors::testing::settling_counter_aggregate;

namespace {

struct fixture : test_coordinator_fixture<> {
  fixture() {
    auto registry = std::make_shared<entity_registry>();
    registry->add<counter>();
    registry->add<settling>();
    auto env = std::make_shared<entity_environment>();
    env->journal = journal;
    env->now_ms = [] { return int64_t{1'700'000'000'000}; };
    env->settings.passivation_idle = 1s;
    env->settings.shard_tick = 50ms;
    env->settings.restart_backoff_min = 100ms;
    env->settings.restart_backoff_max = 5s;
    env->settings.restart_budget = 3;
    env->settings.restart_window = 1min;
    env->settings.max_queued_per_entity = 3;
    settings = &env->settings;
    shard = spawn_entity_shard(
        sys, shard_config{0, registry, env, caf::actor_cast<caf::actor>(self)});
    sched.run();
  }

  ~fixture() override {
    caf::anon_send_exit(shard, caf::exit_reason::user_shutdown);
    sched.run();
  }

  static entity_command cmd(std::string id, std::string body) {
    return entity_command{"counter", std::move(id), std::move(body), "t"};
  }

  static entity_command inc(std::string id) {
    return cmd(std::move(id), R"({"type":"increment","by":1})");
  }

  /// An increment that starts the entity's life.
  static entity_command first_inc(std::string id) {
    auto c = inc(std::move(id));
    c.expect_new = true;
    return c;
  }

  /// Appends `Incremented{by}` as event `seq_nr` of counter `id` behind the
  /// entity's back, as a second writer would.
  void written_elsewhere(const std::string& id, int64_t seq_nr, int by) {
    persistence::event_record rec{"counter|" + id,
                                  seq_nr,
                                  "Incremented",
                                  R"({"type":"Incremented","by":)" +
                                      std::to_string(by) + "}",
                                  "",
                                  0,
                                  {}};
    journal->append({rec}, [](persistence::append_result) {});
  }

  static entity_command get(std::string id) {
    return cmd(std::move(id), R"({"type":"get"})");
  }

  template<class Handle> entity_reply receive_reply(Handle& rh) {
    entity_reply result{"no_reply", "", "", ""};
    if (self->mailbox().empty())
      return result;
    rh.receive([&](entity_reply& r) { result = std::move(r); },
               [&](caf::error& e) {
                 result = entity_reply{"caf_error", sys.render(e), "", ""};
               });
    return result;
  }

  entity_reply call(entity_command c) {
    auto rh = self->request(shard, caf::infinite, std::move(c));
    sched.run();
    return receive_reply(rh);
  }

  void crash(const std::string& id) {
    caf::anon_send(shard, crash_atom::value, std::string{"counter"}, id);
    sched.run();
  }

  /// Lets `d` of virtual time pass in small steps, running all actors.
  void pass(caf::timespan d) {
    for (caf::timespan t{0}; t < d; t += 10ms) {
      sched.clock().advance_time(10ms);
      sched.run();
    }
  }

  nlohmann::json tree() {
    auto rh = self->request(shard, caf::infinite, describe_atom::value);
    sched.run();
    nlohmann::json result;
    if (self->mailbox().empty()) {
      CAF_MESSAGE("tree: empty mailbox");
      return result;
    }
    rh.receive([&](std::string& text) { result = nlohmann::json::parse(text); },
               [&](caf::error& e) { CAF_MESSAGE("tree: " << sys.render(e)); });
    return result;
  }

  /// A copy of `key` of the entity node `name` (of the shard if empty); a
  /// copy because subscripting a temporary would dangle.
  nlohmann::json field(const std::string& name, const char* key) {
    auto node = name.empty() ? tree() : child(name);
    return node.is_object() && node.contains(key) ? node[key]
                                                  : nlohmann::json{};
  }

  nlohmann::json child(const std::string& name) {
    auto t = tree();
    for (auto& c : t["children"])
      if (c["name"] == name)
        return c;
    return nlohmann::json{};
  }

  std::shared_ptr<persistence::memory_journal> journal =
      std::make_shared<persistence::memory_journal>();
  const runtime_settings* settings = nullptr;
  caf::actor shard;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(entity_shard_tests, fixture)

CAF_TEST(a crashed entity restarts with the state it had before) {
  for (int i = 0; i < 3; ++i)
    call(inc("a"));
  crash("a");
  CAF_CHECK_EQUAL(field("counter|a", "status"), "restarting");
  pass(200ms);
  CAF_CHECK_EQUAL(field("counter|a", "status"), "running");
  CAF_CHECK_EQUAL(field("counter|a", "restarts"), 1);
  CAF_CHECK_EQUAL(call(get("a")).body, R"({"value":3})");
}

CAF_TEST(
    a failed journal read at start is retried without spending the budget) {
  journal->fail_next_reads(1);
  auto rh = self->request(shard, caf::infinite, inc("a"));
  sched.run();
  CAF_CHECK(self->mailbox().empty());
  CAF_CHECK_EQUAL(field("counter|a", "status"), "restarting");
  pass(200ms);
  // The held command was sent to the entity once its second read worked.
  CAF_CHECK_EQUAL(receive_reply(rh).body, R"({"value":1})");
  CAF_CHECK_EQUAL(field("counter|a", "restarts"), 0);
}

CAF_TEST(a failed append restarts the entity without blaming the command) {
  call(inc("a"));
  journal->fail_next_appends(1);
  CAF_CHECK_EQUAL(call(inc("a")).error_code, "unavailable");
  pass(200ms);
  CAF_CHECK_EQUAL(field("counter|a", "status"), "running");
  CAF_CHECK_EQUAL(call(get("a")).body, R"({"value":1})");
  CAF_CHECK_EQUAL(call(inc("a")).body, R"({"value":2})");
}

CAF_TEST(commands sent during a restart are queued and answered after it) {
  call(inc("a"));
  crash("a");
  auto first = self->request(shard, caf::infinite, inc("a"));
  auto second = self->request(shard, caf::infinite, get("a"));
  sched.run();
  CAF_CHECK(self->mailbox().empty());
  pass(200ms);
  CAF_CHECK_EQUAL(receive_reply(first).body, R"({"value":2})");
  CAF_CHECK_EQUAL(receive_reply(second).body, R"({"value":2})");
}

CAF_TEST(the queue of a restarting entity is bounded) {
  call(inc("a"));
  crash("a");
  std::vector<decltype(self->request(shard, caf::infinite, get("a")))> asks;
  for (int i = 0; i < 4; ++i)
    asks.push_back(self->request(shard, caf::infinite, get("a")));
  sched.run();
  // The fourth overflows at once; the three queued ones wait.
  CAF_CHECK_EQUAL(receive_reply(asks[3]).error_code, "unavailable");
  pass(200ms);
  for (int i = 0; i < 3; ++i)
    CAF_CHECK_EQUAL(receive_reply(asks[i]).body, R"({"value":1})");
}

CAF_TEST(the backoff grows between successive crashes) {
  call(inc("a"));
  std::vector<int64_t> backoffs;
  for (int i = 0; i < 3; ++i) {
    crash("a");
    backoffs.push_back(field("counter|a", "backoff_ms").get<int64_t>());
    pass(std::chrono::milliseconds(backoffs.back() + 20));
    CAF_REQUIRE_EQUAL(field("counter|a", "status"), "running");
  }
  CAF_CHECK(backoffs[0] >= 100);
  CAF_CHECK(backoffs[0] < backoffs[1]);
  CAF_CHECK(backoffs[1] < backoffs[2]);
}

CAF_TEST(an exhausted budget escalates and answers unavailable) {
  call(inc("a"));
  for (int i = 0; i < 3; ++i) {
    crash("a");
    pass(1s);
  }
  crash("a");
  CAF_CHECK_EQUAL(field("counter|a", "status"), "failed");
  entity_escalation esc;
  CAF_REQUIRE(!self->mailbox().empty());
  self->receive([&](entity_escalation& x) { esc = x; });
  CAF_CHECK_EQUAL(esc.type, "counter");
  CAF_CHECK_EQUAL(esc.id, "a");
  CAF_CHECK_EQUAL(esc.restarts, 3u);
  CAF_CHECK_EQUAL(call(get("a")).error_code, "unavailable");
  // Once the window has passed, the entity comes back with its state.
  pass(1min);
  CAF_CHECK_EQUAL(call(get("a")).body, R"({"value":1})");
}

CAF_TEST(a crashing entity leaves its siblings and their state untouched) {
  call(inc("a"));
  call(inc("b"));
  call(inc("b"));
  crash("a");
  // The sibling answers at once, while `a` still waits for its restart.
  CAF_CHECK_EQUAL(field("counter|a", "status"), "restarting");
  CAF_CHECK_EQUAL(call(inc("b")).body, R"({"value":3})");
  CAF_CHECK_EQUAL(field("counter|b", "restarts"), 0);
  CAF_CHECK_EQUAL(field("counter|b", "status"), "running");
}

CAF_TEST(a poison command is answered unavailable after two crashes) {
  call(inc("a"));
  auto poison =
      self->request(shard, caf::infinite, cmd("a", R"({"type":"explode"})"));
  sched.run();
  CAF_CHECK(self->mailbox().empty());
  pass(1s);
  CAF_CHECK_EQUAL(receive_reply(poison).error_code, "unavailable");
  CAF_CHECK_EQUAL(field("counter|a", "restarts"), 2);
  CAF_CHECK_EQUAL(call(get("a")).body, R"({"value":1})");
}

CAF_TEST(an idle entity is passivated and comes back with its state) {
  call(inc("a"));
  call(inc("a"));
  pass(1500ms);
  CAF_CHECK_EQUAL(field("", "entities"), 0);
  CAF_CHECK_EQUAL(call(get("a")).body, R"({"value":2})");
  CAF_CHECK_EQUAL(field("", "entities"), 1);
}

CAF_TEST(a command racing with passivation restarts the entity) {
  call(inc("a"));
  // Run the shard's ticks one at a time until one of them schedules `a`:
  // the passivation request is then in its mailbox, not yet handled.
  auto asked = false;
  for (int i = 0; i < 200 && !asked; ++i) {
    sched.clock().advance_time(10ms);
    if (sched.has_job()) {
      sched.try_run_once();
      asked = sched.has_job();
    }
  }
  CAF_REQUIRE(asked);
  auto rh = self->request(shard, caf::infinite, inc("a"));
  sched.run();
  CAF_CHECK_EQUAL(receive_reply(rh).body, R"({"value":2})");
  CAF_CHECK_EQUAL(field("counter|a", "status"), "running");
}

CAF_TEST(a journal conflict restarts the entity which then re - reads) {
  call(inc("a"));
  written_elsewhere("a", 2, 100);
  CAF_CHECK_EQUAL(call(inc("a")).error_code, "unavailable");
  pass(200ms);
  CAF_CHECK_EQUAL(call(inc("a")).body, R"({"value":102})");
}

CAF_TEST(a command expected to start its entity reads nothing first) {
  journal->fail_next_reads(1);
  CAF_CHECK_EQUAL(call(first_inc("a")).body, R"({"value":1})");
  // The injected failure is still pending: the next start that reads fails.
  CAF_CHECK_EQUAL(call(get("b")).error_code, "no_reply");
}

CAF_TEST(events under an id expected to be new are read after a conflict) {
  written_elsewhere("a", 1, 100);
  // The blind append conflicts; the command is decided again on what the
  // journal holds, and its caller only sees that answer.
  CAF_CHECK_EQUAL(call(first_inc("a")).body, R"({"value":101})");
  CAF_CHECK_EQUAL(journal->size(), 2u);
  CAF_CHECK_EQUAL(call(first_inc("a")).body, R"({"value":102})");
}

CAF_TEST(an entity started unread that wrote nothing is read before the next
             command) {
  written_elsewhere("a", 1, 100);
  auto refused = cmd("a", R"({"type":"reject"})");
  refused.expect_new = true;
  CAF_CHECK_EQUAL(call(refused).error_code, "not_found");
  // A read, since a write would be repaired by its own conflict.
  CAF_CHECK_EQUAL(call(get("a")).body, R"({"value":100})");
}

CAF_TEST(commands queued behind a wrong guess are decided on the journal) {
  written_elsewhere("a", 1, 100);
  auto first = self->request(shard, caf::infinite, first_inc("a"));
  auto read = self->request(shard, caf::infinite, get("a"));
  auto second = self->request(shard, caf::infinite, inc("a"));
  sched.run();
  CAF_CHECK_EQUAL(receive_reply(first).body, R"({"value":101})");
  CAF_CHECK_EQUAL(receive_reply(read).body, R"({"value":101})");
  CAF_CHECK_EQUAL(receive_reply(second).body, R"({"value":102})");
  CAF_CHECK_EQUAL(journal->size(), 3u);
}

CAF_TEST(a parked await is neither blamed for a crash nor passivated) {
  auto settling_cmd = [](std::string body) {
    return entity_command{"settling", "a", std::move(body), "t"};
  };
  call(settling_cmd(R"({"type":"increment","by":1})"));
  auto waiter =
      self->request(shard, caf::infinite, settling_cmd(R"({"type":"await"})"));
  auto poison = self->request(shard, caf::infinite,
                              settling_cmd(R"({"type":"explode"})"));
  sched.run();
  pass(1s);
  CAF_CHECK_EQUAL(receive_reply(poison).error_code, "unavailable");
  CAF_CHECK_EQUAL(field("settling|a", "restarts"), 2);
  // Idle far beyond passivation_idle, but an await is parked.
  pass(3s);
  CAF_CHECK_EQUAL(field("settling|a", "status"), "running");
  CAF_CHECK(self->mailbox().empty());
  CAF_CHECK_EQUAL(call(settling_cmd(R"({"type":"increment","by":9})")).body,
                  R"({"value":10})");
  CAF_CHECK_EQUAL(receive_reply(waiter).body, R"({"value":10})");
}

CAF_TEST(an unknown entity type is not found) {
  auto r = call(entity_command{"nosuch", "x", R"({"type":"get"})", "t"});
  CAF_CHECK_EQUAL(r.error_code, "not_found");
}

CAF_TEST_FIXTURE_SCOPE_END()
