#define CAF_SUITE actors.event_consumer
#include "tests/support/caf_test.hpp"

#include "actors/event_consumer.hpp"
#include "actors/runtime_messages.hpp"
#include "persistence/memory_journal.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

using namespace mall;
using namespace mall::actors;
using namespace std::chrono_literals;

namespace {

/// A journal that never pushes, to exercise the poll backstop.
class silent_journal : public persistence::memory_journal {
public:
  void subscribe(commit_callback) override {
    // drop the subscriber
  }
};

/// A journal whose reads stop at a horizon, as PostgreSQL's do while an
/// older transaction is still running; commits are pushed as usual.
class horizon_journal : public persistence::memory_journal {
public:
  std::vector<persistence::event_record>
  read_all(persistence::journal_position after, size_t max) override {
    auto all = memory_journal::read_all(after, max);
    std::vector<persistence::event_record> visible;
    for (auto& ev : all)
      if (ev.position.offset <= horizon)
        visible.push_back(std::move(ev));
    return visible;
  }

  int64_t horizon = 0;
};

void append_events(persistence::journal& j, const std::string& pid, int from,
                   int to) {
  for (int seq = from; seq <= to; ++seq)
    j.append({persistence::event_record{
                 pid, seq, "Incremented", std::to_string(seq), "", 0, {}}},
             [](persistence::append_result r) {
               if (r.status != persistence::append_status::ok)
                 throw std::logic_error("test append failed");
             });
}

/// The handled payloads, as "pid:seq".
struct recorder {
  std::vector<std::string> seen;
  /// Throw (before recording) when this seq_nr is in a batch, once.
  int64_t fail_at = -1;

  event_batch_handler handler() {
    return [this](const std::vector<persistence::event_record>& batch) {
      for (auto& ev : batch)
        if (ev.seq_nr == fail_at) {
          fail_at = -1;
          throw std::runtime_error("handler failure");
        }
      for (auto& ev : batch)
        seen.push_back(ev.persistence_id + ":" + std::to_string(ev.seq_nr));
    };
  }
};

std::vector<std::string> expected(const std::string& pid, int from, int to) {
  std::vector<std::string> result;
  for (int i = from; i <= to; ++i)
    result.push_back(pid + ":" + std::to_string(i));
  return result;
}

struct fixture : test_coordinator_fixture<> {
  ~fixture() override {
    for (auto& c : consumers)
      caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
    sched.run();
  }

  caf::actor start(std::shared_ptr<persistence::journal> j,
                   event_batch_handler handler,
                   std::function<persistence::journal_position()> own = {}) {
    event_consumer_config cfg;
    cfg.handle = std::move(handler);
    cfg.load_own_offset = std::move(own);
    return start(std::move(j), std::move(cfg));
  }

  caf::actor start(std::shared_ptr<persistence::journal> j,
                   event_consumer_config cfg) {
    cfg.name = "test";
    cfg.journal = std::move(j);
    cfg.settings.consumer_batch_size = 3;
    cfg.settings.consumer_poll_interval = 1s;
    cfg.settings.restart_backoff_min = 100ms;
    cfg.detached = false;
    consumers.push_back(spawn_event_consumer(sys, std::move(cfg)));
    sched.run();
    return consumers.back();
  }

  void stop(const caf::actor& c) {
    caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void pass(caf::timespan d) {
    for (caf::timespan t{0}; t < d; t += 10ms) {
      sched.clock().advance_time(10ms);
      sched.run();
    }
  }

  std::shared_ptr<persistence::memory_journal> journal =
      std::make_shared<persistence::memory_journal>();
  recorder rec;
  std::vector<caf::actor> consumers;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(event_consumer_tests, fixture)

CAF_TEST(every committed event is delivered once in commit order) {
  append_events(*journal, "c|1", 1, 7);
  start(journal, rec.handler());
  CAF_CHECK_EQUAL(rec.seen, expected("c|1", 1, 7));
  // New commits arrive by push, without waiting for the poll.
  append_events(*journal, "c|1", 8, 9);
  sched.run();
  CAF_CHECK_EQUAL(rec.seen, expected("c|1", 1, 9));
  CAF_CHECK_EQUAL(journal->load_offset("test").to_string(), "9.9");
}

CAF_TEST(a crashed consumer restarts and resumes from its durable offset) {
  append_events(*journal, "c|1", 1, 9);
  rec.fail_at = 5; // in the second batch (4, 5, 6)
  auto c = start(journal, rec.handler());
  CAF_CHECK_EQUAL(rec.seen, expected("c|1", 1, 3));
  pass(200ms);
  CAF_CHECK_EQUAL(rec.seen, expected("c|1", 1, 9));
  std::string text;
  auto rh = self->request(c, caf::infinite, describe_atom::value);
  sched.run();
  rh.receive([&](std::string& x) { text = x; }, [](caf::error&) {});
  auto tree = nlohmann::json::parse(text);
  CAF_CHECK_EQUAL(tree["restarts"], 1);
  CAF_CHECK_EQUAL(tree["status"], "running");
}

CAF_TEST(an asynchronous handler overlaps batches and saves only the finished
             prefix) {
  append_events(*journal, "c|1", 1, 12);
  std::vector<std::pair<std::string, batch_done>> started;
  event_consumer_config cfg;
  cfg.max_batches_in_flight = 3;
  cfg.start = [&](const std::vector<persistence::event_record>& batch,
                  batch_done done) {
    started.emplace_back(batch.back().position.to_string(), std::move(done));
  };
  start(journal, std::move(cfg));
  // Three batches of three run at once; the fourth waits for a free slot.
  CAF_REQUIRE_EQUAL(started.size(), 3u);
  CAF_CHECK_EQUAL(started[2].first, "9.9");
  started[1].second(true);
  sched.run();
  // The second batch finished before the first: nothing is saved yet, and
  // the freed slot starts the fourth.
  CAF_CHECK(journal->load_offset("test") == persistence::journal_position{});
  CAF_REQUIRE_EQUAL(started.size(), 4u);
  started[0].second(true);
  sched.run();
  CAF_CHECK_EQUAL(journal->load_offset("test").to_string(), "6.6");
  started[2].second(true);
  started[3].second(true);
  sched.run();
  CAF_CHECK_EQUAL(journal->load_offset("test").to_string(), "12.12");
}

CAF_TEST(a failed asynchronous batch makes the consumer read again from its
             saved offset) {
  append_events(*journal, "c|1", 1, 6);
  std::vector<std::pair<std::string, batch_done>> started;
  event_consumer_config cfg;
  cfg.start = [&](const std::vector<persistence::event_record>& batch,
                  batch_done done) {
    started.emplace_back(batch.front().position.to_string(), std::move(done));
  };
  start(journal, std::move(cfg));
  CAF_REQUIRE_EQUAL(started.size(), 2u);
  started[0].second(true);
  started[1].second(false);
  sched.run();
  pass(200ms);
  // Restarted after its backoff at the saved offset 3.3: batch 4..6 again.
  CAF_REQUIRE_EQUAL(started.size(), 3u);
  CAF_CHECK_EQUAL(started[2].first, "4.4");
  CAF_CHECK_EQUAL(journal->load_offset("test").to_string(), "3.3");
}

CAF_TEST(a paced consumer reads again only after its interval but catches up at
             once) {
  append_events(*journal, "c|1", 1, 7); // batches of 3: 3 + 3 + 1
  std::vector<size_t> batches;
  event_consumer_config cfg;
  cfg.min_read_interval = 50ms;
  cfg.handle = [&](const std::vector<persistence::event_record>& batch) {
    batches.push_back(batch.size());
  };
  start(journal, std::move(cfg));
  // Full batches are read back to back; the short one starts the pause.
  CAF_CHECK_EQUAL(batches, (std::vector<size_t>{3, 3, 1}));
  append_events(*journal, "c|1", 8, 8);
  sched.run();
  append_events(*journal, "c|1", 9, 9);
  sched.run();
  CAF_CHECK_EQUAL(batches.size(), 3u); // both pushes wait out the pause
  pass(60ms);
  // One read for both commits.
  CAF_CHECK_EQUAL(batches, (std::vector<size_t>{3, 3, 1, 2}));
}

CAF_TEST(the offset is saved at most once per interval and when stopping) {
  append_events(*journal, "c|1", 1, 3);
  event_consumer_config cfg;
  cfg.offset_save_interval = 1h;
  cfg.handle = rec.handler();
  auto c = start(journal, std::move(cfg));
  CAF_CHECK_EQUAL(rec.seen, expected("c|1", 1, 3));
  // Within the interval (counted from the start) nothing is saved...
  append_events(*journal, "c|1", 4, 6);
  sched.run();
  CAF_CHECK_EQUAL(rec.seen, expected("c|1", 1, 6));
  CAF_CHECK(journal->load_offset("test") == persistence::journal_position{});
  stop(c);
  CAF_CHECK_EQUAL(journal->load_offset("test").to_string(), "6.6");
}

CAF_TEST(a read held back behind a pushed commit is retried without a push) {
  auto j = std::make_shared<horizon_journal>();
  start(j, rec.handler());
  append_events(*j, "c|1", 1, 2);
  sched.run();
  CAF_CHECK(rec.seen.empty());
  // The horizon moves on without a commit, hence without a push: the
  // reader tries again within milliseconds, long before its 1 s poll.
  j->horizon = 2;
  pass(20ms);
  CAF_CHECK_EQUAL(rec.seen, expected("c|1", 1, 2));
}

CAF_TEST(a consumer that may not run reads nothing until it may) {
  append_events(*journal, "c|1", 1, 2);
  bool allowed = false;
  event_consumer_config cfg;
  cfg.handle = rec.handler();
  cfg.may_run = [&] { return allowed; };
  start(journal, std::move(cfg));
  CAF_CHECK(rec.seen.empty());
  allowed = true;
  pass(1100ms); // the next poll asks again
  CAF_CHECK_EQUAL(rec.seen, expected("c|1", 1, 2));
}

CAF_TEST(a new consumer of the same name continues after the saved offset) {
  append_events(*journal, "c|1", 1, 4);
  stop(start(journal, rec.handler()));
  append_events(*journal, "c|1", 5, 6);
  recorder second;
  start(journal, second.handler());
  CAF_CHECK_EQUAL(second.seen, expected("c|1", 5, 6));
}

CAF_TEST(a handler that owns its offset starts there and saves none) {
  append_events(*journal, "c|1", 1, 5);
  start(journal, rec.handler(), [] {
    return persistence::journal_position{3, 3};
  });
  CAF_CHECK_EQUAL(rec.seen, expected("c|1", 4, 5));
  CAF_CHECK(journal->load_offset("test") == persistence::journal_position{});
}

CAF_TEST(without a push the poll timer still delivers new events) {
  auto silent = std::make_shared<silent_journal>();
  start(silent, rec.handler());
  append_events(*silent, "c|1", 1, 2);
  sched.run();
  CAF_CHECK(rec.seen.empty());
  pass(1100ms);
  CAF_CHECK_EQUAL(rec.seen, expected("c|1", 1, 2));
}

CAF_TEST(a rewound consumer delivers the events after the offset again) {
  append_events(*journal, "c|1", 1, 5);
  auto c = start(journal, rec.handler());
  CAF_CHECK_EQUAL(rec.seen, expected("c|1", 1, 5));
  auto rh = self->request(c, caf::infinite, rewind_atom::value, int64_t{2},
                          int64_t{2});
  sched.run();
  bool done = false;
  rh.receive([&](bool x) { done = x; }, [](caf::error&) {});
  CAF_CHECK(done);
  auto again = expected("c|1", 1, 5);
  for (auto& x : expected("c|1", 3, 5))
    again.push_back(x);
  CAF_CHECK_EQUAL(rec.seen, again);
  CAF_CHECK_EQUAL(journal->load_offset("test").to_string(), "5.5");
}

CAF_TEST(a consumer that owns its offset refuses to rewind) {
  auto c = start(journal, rec.handler(),
                 [] { return persistence::journal_position{}; });
  auto rh = self->request(c, caf::infinite, rewind_atom::value, int64_t{0},
                          int64_t{0});
  sched.run();
  bool done = true;
  rh.receive([&](bool x) { done = x; }, [](caf::error&) {});
  CAF_CHECK(!done);
}

CAF_TEST(a stopped consumer terminates only after its reader) {
  auto c = start(journal, rec.handler());
  self->monitor(c);
  stop(c);
  CAF_REQUIRE(!self->mailbox().empty());
  bool down = false;
  self->receive([&](caf::down_msg& msg) { down = msg.source == c.address(); });
  CAF_CHECK(down);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(a detached consumer keeps up with a concurrent writer) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto journal = std::make_shared<persistence::memory_journal>();
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<int64_t> seen;
  event_consumer_config cc;
  cc.name = "threaded";
  cc.journal = journal;
  cc.handle = [&](const std::vector<persistence::event_record>& batch) {
    std::lock_guard<std::mutex> guard{mtx};
    for (auto& ev : batch)
      seen.push_back(ev.seq_nr);
    cv.notify_all();
  };
  auto consumer = spawn_event_consumer(sys, cc);
  std::thread writer{[&] { append_events(*journal, "c|1", 1, 2000); }};
  writer.join();
  {
    std::unique_lock<std::mutex> guard{mtx};
    cv.wait_for(guard, 10s, [&] { return seen.size() >= 2000; });
    CAF_REQUIRE_EQUAL(seen.size(), 2000u);
    for (size_t i = 0; i < seen.size(); ++i)
      CAF_CHECK_EQUAL(seen[i], static_cast<int64_t>(i + 1));
  }
  caf::anon_send_exit(consumer, caf::exit_reason::user_shutdown);
}
