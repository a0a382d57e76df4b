// Throughput of commands through entity_gateway::ask on the memory journal,
// and the memory an active entity costs.
//
//   bench_entity_commands [entities] [in_flight] [seconds] [activate]
//
// Run with MALLOC_CONF=tcache:false to also count heap allocations per
// command (jemalloc's counters see every allocation only without its
// thread caches; the rates are lower then).

#include "actors/entity_router.hpp"
#include "actors/testing/counter_aggregate.hpp"
#include "persistence/memory_journal.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>

#include <jemalloc/jemalloc.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include "app/caf_settings.hpp"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"

using namespace mall;
using namespace mall::actors;
using counter = actors::testing::counter_aggregate;
using bench_clock = std::chrono::steady_clock;

namespace {

/// Resident set size in bytes, from /proc/self/statm.
long rss_bytes() {
  std::ifstream in{"/proc/self/statm"};
  long pages = 0;
  long resident = 0;
  in >> pages >> resident;
  return resident * 4096;
}

/// CPU seconds (user + system) of the whole process so far. The machine is
/// shared, so commands per CPU second say more than wall-clock rates.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto secs = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

/// Heap allocations so far, or -1 while jemalloc's thread caches hide them.
double allocations() {
  bool tcache = true;
  size_t size = sizeof(tcache);
  if (mallctl("opt.tcache", &tcache, &size, nullptr, 0) != 0 || tcache)
    return -1;
  uint64_t epoch = 1;
  size = sizeof(epoch);
  mallctl("epoch", &epoch, &size, &epoch, size);
  double total = 0;
  for (auto* name :
       {"stats.arenas.4096.small.nmalloc", "stats.arenas.4096.large.nmalloc"}) {
    uint64_t count = 0;
    size = sizeof(count);
    if (mallctl(name, &count, &size, nullptr, 0) != 0)
      return -1;
    total += static_cast<double>(count);
  }
  return total;
}

std::shared_ptr<entity_environment> make_env() {
  auto env = std::make_shared<entity_environment>();
  env->journal = std::make_shared<persistence::memory_journal>();
  env->now_ms = system_now_ms;
  env->settings.passivation_idle = std::chrono::hours(1);
  return env;
}

/// Counts replies and wakes the main thread when all are in.
struct completion {
  std::mutex mtx;
  std::condition_variable cv;
  std::atomic<long> done{0};
  std::atomic<long> errors{0};
  long target = 0;

  void one(const entity_reply& r) {
    if (!r.ok())
      errors.fetch_add(1, std::memory_order_relaxed);
    if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == target) {
      std::lock_guard<std::mutex> guard{mtx};
      cv.notify_all();
    }
  }

  void wait() {
    std::unique_lock<std::mutex> guard{mtx};
    cv.wait(guard, [this] { return done.load() >= target; });
  }
};

void measure_memory(caf::actor_system& sys,
                    std::shared_ptr<const entity_registry> registry,
                    long entities) {
  auto router = std::make_unique<entity_router>(sys, registry, make_env());
  // Warm up the shards and allocator with one small round.
  completion warm;
  warm.target = 1000;
  for (long i = 0; i < warm.target; ++i)
    router->ask({"counter", "w" + std::to_string(i), R"({"type":"get"})", ""},
                10000, [&](entity_reply r) { warm.one(r); });
  warm.wait();
  auto before = rss_bytes();
  // Activate in waves of 1000 so that transient messages do not inflate the
  // heap and the figure shows what stays per entity.
  long errors = 0;
  for (long first = 0; first < entities; first += 1000) {
    completion c;
    c.target = std::min(1000l, entities - first);
    for (long i = first; i < first + c.target; ++i)
      router->ask({"counter", "e" + std::to_string(i), R"({"type":"get"})", ""},
                  60000, [&](entity_reply r) { c.one(r); });
    c.wait();
    errors += c.errors.load();
  }
  auto after = rss_bytes();
  std::printf("memory: %ld active entities, RSS +%.1f MiB, %.0f bytes per "
              "entity (errors: %ld)\n",
              entities, (after - before) / 1048576.0,
              double(after - before) / entities, errors);
}

void measure_throughput(caf::actor_system& sys,
                        std::shared_ptr<const entity_registry> registry,
                        long entities, long in_flight, double seconds,
                        const char* label, const std::string& body) {
  auto router = std::make_unique<entity_router>(sys, registry, make_env());
  std::atomic<bool> stop{false};
  completion c;
  std::atomic<long> started{0};
  // A closed loop: each reply sends the next command of its slot.
  std::function<void(long)> next = [&](long slot) {
    started.fetch_add(1, std::memory_order_relaxed);
    router->ask({"counter", "e" + std::to_string(slot % entities), body, ""},
                10000, [&, slot](entity_reply r) {
                  c.one(r);
                  if (!stop.load(std::memory_order_relaxed))
                    next(slot + in_flight);
                });
  };
  // Activate every entity first so that the figure is steady-state.
  completion warm;
  warm.target = entities;
  for (long i = 0; i < entities; ++i)
    router->ask({"counter", "e" + std::to_string(i), R"({"type":"get"})", ""},
                60000, [&](entity_reply r) { warm.one(r); });
  warm.wait();
  c.target = -1;
  auto t0 = bench_clock::now();
  auto cpu0 = cpu_seconds();
  auto allocs0 = allocations();
  for (long i = 0; i < in_flight; ++i)
    next(i);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  auto done = c.done.load();
  auto t1 = bench_clock::now();
  auto cpu = cpu_seconds() - cpu0;
  auto allocs = allocations() - allocs0;
  stop = true;
  // Let the loop drain before the router goes away.
  while (c.done.load() < started.load())
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto secs = std::chrono::duration<double>(t1 - t0).count();
  std::printf("%s: %ld commands in %.2f s over %ld entities, %ld in flight: "
              "%.0f commands/s, %.0f per CPU second (errors: %ld)\n",
              label, done, secs, entities, in_flight, done / secs, done / cpu,
              c.errors.load());
  if (allocs0 >= 0)
    std::printf("  %.1f heap allocations per command\n", allocs / done);
}

} // namespace

int main(int argc, char** argv) {
  long entities = argc > 1 ? std::stol(argv[1]) : 10000;
  long in_flight = argc > 2 ? std::stol(argv[2]) : 20000;
  double seconds = argc > 3 ? std::stod(argv[3]) : 3.0;
  long activate = argc > 4 ? std::stol(argv[4]) : 100000;
  spdlog::set_level(spdlog::level::warn);
  caf::actor_system_config cfg;
  app::apply_caf_settings(cfg);
  caf::actor_system sys{cfg};
  auto registry = std::make_shared<entity_registry>();
  registry->add<counter>();
  measure_memory(sys, registry, activate);
  measure_throughput(sys, registry, entities, in_flight, seconds, "reads (get)",
                     R"({"type":"get"})");
  measure_throughput(sys, registry, entities, in_flight, seconds,
                     "writes (increment, 1 event each)",
                     R"({"type":"increment","by":1})");
  return 0;
}
