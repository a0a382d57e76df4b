#define CAF_SUITE actors.handoff_simulation
#include "tests/support/caf_test.hpp"

#include "tests/support/cluster_simulation.hpp"

using namespace mall::test_support;

CAF_TEST(over 500 random histories no shard ever has two serving nodes) {
  auto t0 = std::chrono::steady_clock::now();
  auto report = run_seeds(sim_config{}, 1, 500);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - t0)
                .count();
  CAF_MESSAGE("500 runs of 200 steps in "
              << ms << " ms: " << report.crashes << " crashes, "
              << report.freezes << " freezes (" << report.stale_resumes
              << " resumed after their lease), " << report.leaves
              << " graceful leaves, " << report.handoffs << " handoffs, "
              << report.takeovers << " takeovers, " << report.rejoins
              << " rejoins, " << report.fenced_ticks << " fenced ticks");
  CAF_CHECK_EQUAL(report.violations, 0u);
  CAF_CHECK_EQUAL(report.first_violation, "");
  // Liveness: once stable for a lease + margin + skew + a few protocol
  // rounds, every shard is served by exactly its target among live nodes.
  CAF_CHECK_EQUAL(report.liveness_failures, 0u);
  CAF_CHECK_EQUAL(report.first_liveness_failure, "");
  // The histories must actually exercise every path of the rules.
  CAF_CHECK_GREATER(report.crashes, 100u);
  CAF_CHECK_GREATER(report.stale_resumes, 10u);
  CAF_CHECK_GREATER(report.leaves, 100u);
  CAF_CHECK_GREATER(report.handoffs, 1000u);
  CAF_CHECK_GREATER(report.takeovers, 1000u);
  CAF_CHECK_GREATER(report.rejoins, 100u);
  CAF_CHECK_GREATER(report.fenced_ticks, 1000u);
}

CAF_TEST(a margin below the clock skew lets two nodes serve one shard) {
  sim_config cfg;
  cfg.clock_skew_ms = 600;
  cfg.rules.margin_ms = 0;
  auto report = run_seeds(cfg, 1, 200);
  CAF_MESSAGE("violations: " << report.violations
                             << ", first: " << report.first_violation);
  CAF_CHECK_GREATER(report.violations, 0u);
}

CAF_TEST(taking over before the old lease expires lets two nodes serve) {
  // A negative margin: others start 300 ms before the expiry, the holder
  // stops only 300 ms after it.
  sim_config cfg;
  cfg.clock_skew_ms = 0;
  cfg.rules.margin_ms = -300;
  auto report = run_seeds(cfg, 1, 50);
  CAF_MESSAGE("violations: " << report.violations
                             << ", first: " << report.first_violation);
  CAF_CHECK_GREATER(report.violations, 0u);
}
