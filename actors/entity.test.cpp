#define CAF_SUITE actors.entity
#include "tests/support/caf_test.hpp"

#include "actors/entity.hpp"
#include "actors/testing/counter_aggregate.hpp"
#include "persistence/memory_journal.hpp"

using namespace mall;
using namespace mall::actors;
using counter = actors::testing::counter_aggregate;
using settling = actors::testing::settling_counter_aggregate;

namespace {

/// A memory journal that holds append callbacks until released, to observe
/// an entity while its write is pending.
class held_journal : public persistence::memory_journal {
public:
  void append(std::vector<persistence::event_record> events,
              append_callback done) override {
    if (!hold) {
      memory_journal::append(std::move(events), std::move(done));
      return;
    }
    held.emplace_back(std::move(events), std::move(done));
  }

  using held_append =
      std::pair<std::vector<persistence::event_record>, append_callback>;

  void release() {
    auto xs = std::move(held);
    held.clear();
    for (auto& [events, done] : xs)
      memory_journal::append(std::move(events), std::move(done));
  }

  void append_now(held_append x) {
    memory_journal::append(std::move(x.first), std::move(x.second));
  }

  bool hold = false;
  std::vector<held_append> held;
};

struct fixture : test_coordinator_fixture<> {
  fixture() {
    auto e = std::make_shared<entity_environment>();
    e->journal = journal;
    e->settings.snapshot_every = 3;
    e->now_ms = [] { return int64_t{1'700'000'000'000}; };
    env = e;
  }

  ~fixture() override {
    for (auto& x : spawned)
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// What the shard would hand to a starting entity.
  persistence::recovery_record recovered(const std::string& pid) {
    persistence::recovery_record out;
    journal->recover(
        pid, [&](persistence::recovery_record r) { out = std::move(r); });
    return out;
  }

  template<class Aggregate = counter>
  caf::actor spawn_counter(const std::string& id) {
    auto x = sys.spawn(&entity_actor<Aggregate>, id, env,
                       recovered(std::string{Aggregate::type_name} + "|" + id));
    spawned.push_back(x);
    sched.run();
    return x;
  }

  static entity_command cmd(std::string id, std::string body) {
    return entity_command{"counter", std::move(id), std::move(body), "t-1"};
  }

  static entity_command await_cmd(std::string id) {
    return entity_command{"settling", std::move(id), R"({"type":"await"})",
                          "t-2"};
  }

  static entity_command inc(std::string id, int by) {
    return entity_command{
        "settling", std::move(id),
        R"({"type":"increment","by":)" + std::to_string(by) + "}", "t-3"};
  }

  /// Sends `c` as a request and returns the reply once the actors are idle.
  entity_reply call(const caf::actor& dest, entity_command c) {
    auto rh = self->request(dest, caf::infinite, std::move(c));
    sched.run();
    return receive_reply(rh);
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

  /// Commits one held append, leaving the others held.
  void memory_journal_append(held_journal::held_append x) {
    journal->append_now(std::move(x));
  }

  std::shared_ptr<held_journal> journal = std::make_shared<held_journal>();
  std::shared_ptr<const entity_environment> env;
  std::vector<caf::actor> spawned;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(entity_tests, fixture)

CAF_TEST(a write is acknowledged with its position after the commit) {
  auto c = spawn_counter("c1");
  auto r = call(c, cmd("c1", R"({"type":"increment","by":2})"));
  CAF_CHECK_EQUAL(r.error_code, "");
  CAF_CHECK_EQUAL(r.body, R"({"value":2})");
  CAF_CHECK_EQUAL(r.position, "1.1");
  CAF_CHECK(r.wrote);
  auto evs = journal->read_events("counter|c1", 1);
  CAF_REQUIRE_EQUAL(evs.size(), 1u);
  CAF_CHECK_EQUAL(evs[0].type, "Incremented");
  CAF_CHECK_EQUAL(evs[0].trace_id, "t-1");
  CAF_CHECK_EQUAL(evs[0].seq_nr, 1);
  auto q = call(c, cmd("c1", R"({"type":"get"})"));
  CAF_CHECK_EQUAL(q.body, R"({"value":2})");
  CAF_CHECK_EQUAL(q.position, "1.1");
  CAF_CHECK(!q.wrote);
}

CAF_TEST(a caller that wants no body gets the outcome and the position) {
  auto c = spawn_counter("c1");
  auto quiet = cmd("c1", R"({"type":"increment","by":2})");
  quiet.wants_body = false;
  auto r = call(c, quiet);
  CAF_CHECK_EQUAL(r.error_code, "");
  CAF_CHECK_EQUAL(r.body, "");
  CAF_CHECK_EQUAL(r.position, "1.1");
  CAF_CHECK(r.wrote);
  CAF_CHECK_EQUAL(call(c, cmd("c1", R"({"type":"get"})")).body,
                  R"({"value":2})");
}

CAF_TEST(every reply carries the last position and only a new entity none) {
  auto fresh = spawn_counter("fresh");
  CAF_CHECK_EQUAL(call(fresh, cmd("fresh", R"({"type":"get"})")).position, "");
  auto c = spawn_counter("c1");
  call(c, cmd("c1", R"({"type":"increment","by":1})"));
  // Another entity's write moves the journal on, not c1's position.
  call(fresh, cmd("fresh", R"({"type":"increment","by":1})"));
  CAF_CHECK_EQUAL(call(c, cmd("c1", R"({"type":"get"})")).position, "1.1");
  auto refused = call(c, cmd("c1", R"({"type":"reject"})"));
  CAF_CHECK_EQUAL(refused.error_code, "not_found");
  CAF_CHECK_EQUAL(refused.position, "1.1");
}

CAF_TEST(a new incarnation knows its position from events or the snapshot) {
  auto c = spawn_counter("c1");
  for (int i = 0; i < 3; ++i)
    call(c, cmd("c1", R"({"type":"increment","by":1})"));
  auto other = spawn_counter("c2");
  call(other, cmd("c2", R"({"type":"increment","by":1})"));
  // c1 has a snapshot at seq_nr 3 and no event after it.
  CAF_REQUIRE(journal->load_snapshot("counter|c1").has_value());
  caf::anon_send_exit(c, caf::exit_reason::kill);
  sched.run();
  auto again = spawn_counter("c1");
  auto r = call(again, cmd("c1", R"({"type":"get"})"));
  CAF_CHECK_EQUAL(r.body, R"({"value":3})");
  CAF_CHECK_EQUAL(r.position, "3.3");
  caf::anon_send_exit(other, caf::exit_reason::kill);
  sched.run();
  auto other_again = spawn_counter("c2");
  CAF_CHECK_EQUAL(call(other_again, cmd("c2", R"({"type":"get"})")).position,
                  "4.4");
}

CAF_TEST(await answers a settled entity at once) {
  auto c = spawn_counter<settling>("s1");
  call(c, inc("s1", 10));
  auto r = call(c, await_cmd("s1"));
  CAF_CHECK_EQUAL(r.error_code, "");
  CAF_CHECK_EQUAL(r.body, R"({"value":10})");
  CAF_CHECK_EQUAL(r.position, "1.1");
}

CAF_TEST(await parks until an event settles the entity) {
  auto c = spawn_counter<settling>("s1");
  call(c, inc("s1", 3));
  auto first = self->request(c, caf::infinite, await_cmd("s1"));
  auto second = self->request(c, caf::infinite, await_cmd("s1"));
  sched.run();
  CAF_CHECK(self->mailbox().empty());
  // A write that does not settle it leaves them parked.
  CAF_CHECK_EQUAL(call(c, inc("s1", 3)).body, R"({"value":6})");
  CAF_CHECK(self->mailbox().empty());
  CAF_CHECK_EQUAL(call(c, inc("s1", 4)).body, R"({"value":10})");
  auto a = receive_reply(first);
  auto b = receive_reply(second);
  CAF_CHECK_EQUAL(a.body, R"({"value":10})");
  CAF_CHECK_EQUAL(a.position, "3.3");
  CAF_CHECK_EQUAL(b.body, R"({"value":10})");
}

CAF_TEST(await on a missing entity is rejected like get) {
  auto c = spawn_counter<settling>("s1");
  CAF_CHECK_EQUAL(call(c, await_cmd("s1")).error_code, "not_found");
}

CAF_TEST(await beyond the parking bound answers the current state) {
  auto e = std::make_shared<entity_environment>(*env);
  e->settings.max_parked_per_entity = 1;
  env = e;
  auto c = spawn_counter<settling>("s1");
  call(c, inc("s1", 1));
  auto parked = self->request(c, caf::infinite, await_cmd("s1"));
  sched.run();
  CAF_CHECK(self->mailbox().empty());
  auto overflow = call(c, await_cmd("s1"));
  CAF_CHECK_EQUAL(overflow.body, R"({"value":1})");
  call(c, inc("s1", 9));
  CAF_CHECK_EQUAL(receive_reply(parked).body, R"({"value":10})");
}

CAF_TEST(await on an aggregate without settled is invalid input) {
  auto c = spawn_counter("c1");
  auto r = call(c, cmd("c1", R"({"type":"await"})"));
  CAF_CHECK_EQUAL(r.error_code, "invalid_input");
}

CAF_TEST(get and await answer alike however their json is spelled) {
  auto c = spawn_counter<settling>("s1");
  call(c, inc("s1", 10));
  auto spelled = [&](std::string_view body) {
    auto r = call(c, entity_command{"settling", "s1", std::string{body}, "t"});
    return r.error_code + "|" + r.body + "|" + r.position;
  };
  auto expected = std::string{"|{\"value\":10}|1.1"};
  CAF_CHECK_EQUAL(spelled(get_body), expected);
  CAF_CHECK_EQUAL(spelled(R"( { "type" : "get" } )"), expected);
  CAF_CHECK_EQUAL(spelled(await_body), expected);
  CAF_CHECK_EQUAL(spelled(R"({"type": "await"})"), expected);
  CAF_CHECK(is_await_command(std::string{await_body}));
  CAF_CHECK(is_await_command(R"({ "type":"await" })"));
  CAF_CHECK(!is_await_command(std::string{get_body}));
}

CAF_TEST(get and await however spelled refuse a missing entity alike) {
  auto c = spawn_counter<settling>("s1");
  for (std::string_view body :
       {get_body, await_body, std::string_view{R"({ "type": "get" })"},
        std::string_view{R"({ "type": "await" })"}}) {
    auto r = call(c, entity_command{"settling", "s1", std::string{body}, "t"});
    CAF_CHECK_EQUAL(r.error_code, "not_found");
  }
}

CAF_TEST(an await spelled otherwise parks like the canonical one) {
  auto c = spawn_counter<settling>("s1");
  call(c, inc("s1", 3));
  auto parked = self->request(
      c, caf::infinite,
      entity_command{"settling", "s1", R"({ "type": "await" })", "t"});
  sched.run();
  CAF_CHECK(self->mailbox().empty());
  call(c, inc("s1", 7));
  CAF_CHECK_EQUAL(receive_reply(parked).body, R"({"value":10})");
}

CAF_TEST(invalid or refused commands are answered with errors and no events) {
  auto c = spawn_counter("c1");
  CAF_CHECK_EQUAL(call(c, cmd("c1", "nope")).error_code, "invalid_json");
  CAF_CHECK_EQUAL(call(c, cmd("c1", "[1]")).error_code, "invalid_json");
  auto bad = call(c, cmd("c1", R"({"type":"increment","by":0})"));
  CAF_CHECK_EQUAL(bad.error_code, "invalid_input");
  CAF_CHECK_EQUAL(bad.error_message, "by");
  CAF_CHECK_EQUAL(call(c, cmd("c1", R"({"type":"reject"})")).error_code,
                  "not_found");
  CAF_CHECK_EQUAL(journal->size(), 0u);
}

CAF_TEST(a new incarnation recovers from the snapshot and later events) {
  auto c = spawn_counter("c1");
  for (int i = 0; i < 4; ++i)
    call(c, cmd("c1", R"({"type":"increment","by":10})"));
  auto snap = journal->load_snapshot("counter|c1");
  CAF_REQUIRE(snap.has_value());
  CAF_CHECK_EQUAL(snap->seq_nr, 3);
  caf::anon_send_exit(c, caf::exit_reason::kill);
  sched.run();
  auto again = spawn_counter("c1");
  CAF_CHECK_EQUAL(call(again, cmd("c1", R"({"type":"get"})")).body,
                  R"({"value":40})");
  auto r = call(again, cmd("c1", R"({"type":"increment","by":1})"));
  CAF_CHECK_EQUAL(r.body, R"({"value":41})");
  CAF_CHECK_EQUAL(journal->read_events("counter|c1", 5).size(), 1u);
}

CAF_TEST(commands wait in the mailbox while a write is pending) {
  auto c = spawn_counter("c1");
  journal->hold = true;
  auto first = self->request(c, caf::infinite,
                             cmd("c1", R"({"type":"increment","by":1})"));
  sched.run();
  auto second = self->request(c, caf::infinite, cmd("c1", R"({"type":"get"})"));
  sched.run();
  CAF_CHECK(self->mailbox().empty());
  CAF_CHECK_EQUAL(journal->held.size(), 1u);
  journal->hold = false;
  journal->release();
  sched.run();
  CAF_CHECK_EQUAL(receive_reply(first).body, R"({"value":1})");
  CAF_CHECK_EQUAL(receive_reply(second).body, R"({"value":1})");
}

CAF_TEST(commands queued behind a commit share the next append) {
  auto c = spawn_counter("c1");
  journal->hold = true;
  auto first = self->request(c, caf::infinite,
                             cmd("c1", R"({"type":"increment","by":1})"));
  sched.run();
  std::vector<caf::response_handle<caf::blocking_actor, caf::message, true>>
      queued;
  for (int by : {2, 3})
    queued.push_back(self->request(
        c, caf::infinite,
        cmd("c1", R"({"type":"increment","by":)" + std::to_string(by) + "}")));
  auto read = self->request(c, caf::infinite, cmd("c1", R"({"type":"get"})"));
  auto refused =
      self->request(c, caf::infinite, cmd("c1", R"({"type":"reject"})"));
  sched.run();
  CAF_REQUIRE_EQUAL(journal->held.size(), 1u);
  // The first commit returns: the four queued commands are decided as one
  // batch whose two events go in a single append, unanswered until it
  // commits.
  auto first_commit = std::move(journal->held.front());
  journal->held.clear();
  memory_journal_append(std::move(first_commit));
  sched.run();
  CAF_CHECK_EQUAL(receive_reply(first).body, R"({"value":1})");
  CAF_REQUIRE_EQUAL(journal->held.size(), 1u);
  CAF_CHECK_EQUAL(journal->held.front().first.size(), 2u);
  CAF_CHECK(self->mailbox().empty());
  journal->hold = false;
  journal->release();
  sched.run();
  auto two = receive_reply(queued[0]);
  auto three = receive_reply(queued[1]);
  CAF_CHECK_EQUAL(two.body, R"({"value":3})");
  CAF_CHECK_EQUAL(three.body, R"({"value":6})");
  CAF_CHECK(two.wrote && three.wrote);
  // One append is one transaction: both events share tx 2.
  CAF_CHECK_EQUAL(two.position, "2.3");
  auto r = receive_reply(read);
  CAF_CHECK_EQUAL(r.body, R"({"value":6})");
  CAF_CHECK(!r.wrote);
  CAF_CHECK_EQUAL(r.position, "2.3");
  CAF_CHECK_EQUAL(receive_reply(refused).error_code, "not_found");
}

CAF_TEST(a failed batch answers all of it unavailable) {
  auto c = spawn_counter("c1");
  call(c, cmd("c1", R"({"type":"increment","by":5})"));
  journal->hold = true;
  auto first = self->request(c, caf::infinite,
                             cmd("c1", R"({"type":"increment","by":1})"));
  sched.run();
  auto second = self->request(c, caf::infinite,
                              cmd("c1", R"({"type":"increment","by":2})"));
  auto read = self->request(c, caf::infinite, cmd("c1", R"({"type":"get"})"));
  sched.run();
  memory_journal_append(std::move(journal->held.front()));
  journal->held.clear();
  sched.run();
  CAF_CHECK_EQUAL(receive_reply(first).body, R"({"value":6})");
  // The batch of `second` and `read` fails: neither may see +2.
  journal->hold = false;
  journal->fail_next_appends(1);
  journal->release();
  sched.run();
  CAF_CHECK_EQUAL(receive_reply(second).error_code, "unavailable");
  CAF_CHECK_EQUAL(receive_reply(read).error_code, "unavailable");
  auto again = spawn_counter("c1");
  CAF_CHECK_EQUAL(call(again, cmd("c1", R"({"type":"get"})")).body,
                  R"({"value":6})");
}

CAF_TEST(a failed append is answered unavailable and stops the entity) {
  auto c = spawn_counter("c1");
  self->monitor(c);
  call(c, cmd("c1", R"({"type":"increment","by":5})"));
  journal->fail_next_appends(1);
  auto r = call(c, cmd("c1", R"({"type":"increment","by":5})"));
  CAF_CHECK_EQUAL(r.error_code, "unavailable");
  caf::error reason;
  self->receive([&](caf::down_msg& down) { reason = down.reason; });
  CAF_CHECK(stopped_by_journal(reason));
  CAF_CHECK(!is_journal_conflict(reason));
  // Its state held the lost event; the next incarnation has only what
  // became durable.
  auto again = spawn_counter("c1");
  CAF_CHECK_EQUAL(call(again, cmd("c1", R"({"type":"get"})")).body,
                  R"({"value":5})");
  auto ok = call(again, cmd("c1", R"({"type":"increment","by":1})"));
  CAF_CHECK_EQUAL(ok.body, R"({"value":6})");
  CAF_CHECK_EQUAL(journal->size(), 2u);
}

CAF_TEST(a journal conflict answers unavailable and stops the zombie) {
  auto c = spawn_counter("c1");
  self->monitor(c);
  call(c, cmd("c1", R"({"type":"increment","by":1})"));
  // Another writer appends seq_nr 2 behind the entity's back.
  persistence::event_record rival{"counter|c1",
                                  2,
                                  "Incremented",
                                  R"({"type":"Incremented","by":100})",
                                  "",
                                  0,
                                  {}};
  journal->append({rival}, [](persistence::append_result) {});
  auto r = call(c, cmd("c1", R"({"type":"increment","by":1})"));
  CAF_CHECK_EQUAL(r.error_code, "unavailable");
  caf::error reason;
  self->receive([&](caf::down_msg& down) { reason = down.reason; });
  CAF_CHECK(is_journal_conflict(reason));
  auto again = spawn_counter("c1");
  CAF_CHECK_EQUAL(call(again, cmd("c1", R"({"type":"get"})")).body,
                  R"({"value":101})");
}

CAF_TEST(the crash message makes the entity fail with an error) {
  auto c = spawn_counter("c1");
  self->monitor(c);
  caf::anon_send(c, crash_atom::value);
  sched.run();
  caf::error reason;
  self->receive([&](caf::down_msg& down) { reason = down.reason; });
  CAF_CHECK(reason);
  CAF_CHECK(!is_journal_conflict(reason));
}

CAF_TEST(a journal read failure during recovery crashes the entity) {
  journal->fail_next_reads(1);
  auto c = sys.spawn(&entity_actor<counter>, std::string{"c1"}, env,
                     recovered("counter|c1"));
  self->monitor(c);
  sched.run();
  caf::error reason;
  self->receive([&](caf::down_msg& down) { reason = down.reason; });
  CAF_CHECK(reason);
}

CAF_TEST_FIXTURE_SCOPE_END()
