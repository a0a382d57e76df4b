#define CAF_SUITE persistence.journal_tail
#include "tests/support/caf_test.hpp"

#include "persistence/journal_tail.hpp"

#include <mutex>
#include <random>
#include <thread>

using namespace mall::persistence;

namespace {

/// The database's commit-order stream: events are only ever appended.
struct stream {
  std::mutex mutex;
  std::vector<event_record> events;
  size_t fetches = 0;

  void commit(size_t count) {
    std::lock_guard<std::mutex> guard{mutex};
    for (size_t i = 0; i < count; ++i) {
      event_record e;
      auto n = static_cast<int64_t>(events.size()) + 1;
      e.persistence_id = "t|" + std::to_string(n % 7);
      e.seq_nr = n;
      // Transactions of three events each, as a group commit writes them.
      e.position = {100 + (n - 1) / 3, n};
      events.push_back(e);
    }
  }

  std::vector<event_record> after(journal_position p, size_t max) {
    std::lock_guard<std::mutex> guard{mutex};
    std::vector<event_record> result;
    for (auto& e : events)
      if (p < e.position && result.size() < max)
        result.push_back(e);
    return result;
  }

  journal_tail::fetch_function fetch() {
    return [this](journal_position p, size_t max) {
      {
        std::lock_guard<std::mutex> guard{mutex};
        ++fetches;
      }
      return after(p, max);
    };
  }
};

std::vector<int64_t> offsets(const std::vector<event_record>& events) {
  std::vector<int64_t> result;
  for (auto& e : events)
    result.push_back(e.position.offset);
  return result;
}

} // namespace

CAF_TEST(readers at the same place share one database read) {
  stream db;
  db.commit(10);
  journal_tail tail{db.fetch(), 100};
  auto first = tail.read({}, 5);
  CAF_CHECK_EQUAL(offsets(first), offsets(db.after({}, 5)));
  CAF_CHECK_EQUAL(db.fetches, 1u);
  // A second and third consumer at the same offset: from memory.
  CAF_CHECK_EQUAL(offsets(tail.read({}, 5)), offsets(first));
  CAF_CHECK_EQUAL(offsets(tail.read(first[1].position, 2)),
                  offsets(db.after(first[1].position, 2)));
  CAF_CHECK_EQUAL(db.fetches, 1u);
  // At the end of what is kept, the next read asks the database.
  auto rest = tail.read(first.back().position, 100);
  CAF_CHECK_EQUAL(offsets(rest), offsets(db.after(first.back().position, 100)));
  CAF_CHECK_EQUAL(db.fetches, 2u);
}

CAF_TEST(a reader at the end sees events committed since) {
  stream db;
  journal_tail tail{db.fetch(), 100};
  CAF_CHECK(tail.read({}, 10).empty());
  db.commit(4);
  auto got = tail.read({}, 10);
  CAF_CHECK_EQUAL(got.size(), 4u);
  db.commit(2);
  CAF_CHECK_EQUAL(offsets(tail.read(got.back().position, 10)),
                  offsets(db.after(got.back().position, 10)));
}

CAF_TEST(a reader behind the kept stretch reads the database directly) {
  stream db;
  db.commit(30);
  journal_tail tail{db.fetch(), 8};
  journal_position at;
  for (int i = 0; i < 3; ++i)
    at = tail.read(at, 8).back().position; // keeps the last 8 only
  auto fetches = db.fetches;
  CAF_CHECK_EQUAL(offsets(tail.read({}, 5)), offsets(db.after({}, 5)));
  CAF_CHECK_EQUAL(db.fetches, fetches + 1);
  // The kept stretch is untouched by the replay.
  auto last_kept = db.after({}, 30)[20].position;
  CAF_CHECK_EQUAL(offsets(tail.read(last_kept, 3)),
                  offsets(db.after(last_kept, 3)));
  CAF_CHECK_EQUAL(db.fetches, fetches + 1);
  // More than the tail keeps at once: straight from the database.
  CAF_CHECK_EQUAL(offsets(tail.read({}, 20)), offsets(db.after({}, 20)));
}

CAF_TEST(a reader ahead of the kept stretch starts a new one) {
  stream db;
  db.commit(20);
  journal_tail tail{db.fetch(), 100};
  tail.read({}, 3);
  auto ahead = db.after({}, 20)[10].position;
  CAF_CHECK_EQUAL(offsets(tail.read(ahead, 4)), offsets(db.after(ahead, 4)));
  // Whoever was behind it now reads directly, and still right.
  CAF_CHECK_EQUAL(offsets(tail.read({}, 3)), offsets(db.after({}, 3)));
}

CAF_TEST(random readers always get a prefix of what the database holds) {
  for (unsigned seed = 1; seed <= 50; ++seed) {
    std::mt19937 rng{seed};
    stream db;
    journal_tail tail{db.fetch(), 1 + rng() % 40};
    std::vector<journal_position> readers(1 + rng() % 5);
    size_t wrong = 0, missed = 0;
    for (int step = 0; step < 300; ++step) {
      if (rng() % 3 == 0)
        db.commit(rng() % 6);
      auto& at = readers[rng() % readers.size()];
      if (rng() % 20 == 0)
        at = {}; // a rebuild from the start
      auto max = 1 + rng() % 12;
      auto got = tail.read(at, max);
      auto truth = db.after(at, max);
      if (got.size() > truth.size() ||
          offsets(got) != offsets({truth.begin(), truth.begin() + got.size()}))
        ++wrong;
      // One thread: nobody else fetched meanwhile, so nothing is missed.
      if (got.empty() && !truth.empty())
        ++missed;
      if (!got.empty())
        at = got.back().position;
    }
    CAF_CHECK_EQUAL(wrong, 0u);
    CAF_CHECK_EQUAL(missed, 0u);
  }
}

CAF_TEST(concurrent readers each see every event exactly once and in order) {
  stream db;
  journal_tail tail{db.fetch(), 64};
  constexpr size_t total = 3000;
  std::thread writer{[&] {
    for (size_t n = 0; n < total; n += 3)
      db.commit(3);
  }};
  std::vector<std::vector<int64_t>> seen(4);
  std::vector<std::thread> readers;
  for (auto& mine : seen)
    readers.emplace_back([&tail, &mine] {
      journal_position at;
      auto deadline =
          std::chrono::steady_clock::now() + std::chrono::seconds{10};
      while (mine.size() < total && std::chrono::steady_clock::now() < deadline)
        for (auto& e : tail.read(at, 10)) {
          mine.push_back(e.position.offset);
          at = e.position;
        }
    });
  writer.join();
  for (auto& r : readers)
    r.join();
  std::vector<int64_t> expected(total);
  for (size_t i = 0; i < total; ++i)
    expected[i] = static_cast<int64_t>(i) + 1;
  for (auto& mine : seen)
    CAF_CHECK(mine == expected);
  CAF_MESSAGE(4 * total / 10 << " reads of 10, " << db.fetches
                             << " database reads");
}
