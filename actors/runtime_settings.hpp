// The knobs of the actor runtime, with their defaults written once here.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace mall::actors {

/// Operational settings of the entity runtime of one node. `cluster.conf`
/// overrides these defaults; nothing else should repeat them.
struct runtime_settings {
  using duration = std::chrono::milliseconds;

  // -- entities ---------------------------------------------------------------

  /// An entity that received no command for this long is stopped
  /// (passivated); its next command starts it again from the journal.
  duration passivation_idle{std::chrono::minutes(2)};
  /// Save a snapshot after this many events since the last one (0 = never).
  int64_t snapshot_every = 100;
  /// `await` requests parked per entity until its state settles; beyond
  /// that the current state is answered at once.
  size_t max_parked_per_entity = 1000;

  // -- supervision ------------------------------------------------------------

  /// Delay before the first restart of a crashed actor; doubles per restart
  /// within the budget window, up to `restart_backoff_max`.
  duration restart_backoff_min{std::chrono::milliseconds(100)};
  duration restart_backoff_max{std::chrono::seconds(10)};
  /// At most this many restarts within `restart_window`; one more crash marks
  /// the entity failed (answered `unavailable`) until the window has passed.
  size_t restart_budget = 5;
  duration restart_window{std::chrono::minutes(1)};
  /// Commands buffered per entity while it restarts; overflow is answered
  /// `unavailable` at once.
  size_t max_queued_per_entity = 1000;

  // -- sharding ---------------------------------------------------------------

  /// Hash buckets of entity ids; each is one supervising shard actor.
  size_t shard_count = 64;
  /// How often a shard checks for idle entities and expired asks.
  duration shard_tick{std::chrono::milliseconds(100)};
  /// At most this many entities listed per shard in the supervision tree
  /// (restarted and failed ones first).
  size_t tree_children_per_shard = 50;

  // -- event consumers --------------------------------------------------------

  /// Backstop poll when no commit push arrives.
  duration consumer_poll_interval{std::chrono::seconds(1)};
  /// Events read from the journal per batch.
  size_t consumer_batch_size = 500;
  /// Rows a projection keeps after committing them, so that the next event
  /// of the same entity folds without reading its row back.
  size_t projection_cache_rows = 10000;
  /// A projection reads the journal at most this often while it keeps up
  /// (`event_consumer_config::min_read_interval`): rows are then fresh
  /// within about this much more, and written less often.
  duration projection_read_interval{std::chrono::milliseconds(15)};
};

} // namespace mall::actors
