// Every knob of a node: defaults written once here, documented in README.md
// and cluster.conf, overridable by `--config FILE` and by `--<key> value`.
#pragma once

#include "actors/runtime_settings.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mall::app {

namespace detail {

/// The runtime's own defaults, so that they are written once.
inline const actors::runtime_settings runtime_defaults{};

template<class Duration> int count_in(std::chrono::milliseconds value) {
  return static_cast<int>(std::chrono::duration_cast<Duration>(value).count());
}

} // namespace detail

/// The settings of one node.
struct node_config {
  // -- identity and addresses ------------------------------------------------
  std::string node_id = "node-1";
  std::string http_address = "127.0.0.1";
  uint16_t http_port = 8080;
  int http_threads = 2;
  std::string cluster_address = "127.0.0.1";
  uint16_t cluster_port = 4000;
  std::vector<std::string> seeds;

  // -- storage ---------------------------------------------------------------
  /// PostgreSQL URL; empty means "start the embedded one under data_dir/pg".
  std::string db;
  std::string data_dir = "var/node-1";

  // -- cluster ---------------------------------------------------------------
  int shard_count = static_cast<int>(detail::runtime_defaults.shard_count);
  int heartbeat_interval_ms = 100;
  int failure_timeout_ms = 600;
  int lease_duration_ms = 1000;
  /// False: a gateway-only member that forwards every command and serves
  /// no shard (and no consumer).
  bool hosts_shards = true;

  // -- entities and supervision --------------------------------------------
  int passivation_idle_s = detail::count_in<std::chrono::seconds>(
      detail::runtime_defaults.passivation_idle);
  int snapshot_every =
      static_cast<int>(detail::runtime_defaults.snapshot_every);
  int restart_backoff_min_ms = detail::count_in<std::chrono::milliseconds>(
      detail::runtime_defaults.restart_backoff_min);
  int restart_backoff_max_ms = detail::count_in<std::chrono::milliseconds>(
      detail::runtime_defaults.restart_backoff_max);
  int restart_budget =
      static_cast<int>(detail::runtime_defaults.restart_budget);
  int restart_budget_window_s = detail::count_in<std::chrono::seconds>(
      detail::runtime_defaults.restart_window);

  // -- orders ----------------------------------------------------------------
  int order_timeout_s = 10;
  int order_reply_timeout_ms = 2000;
  int consistency_wait_ms = 2000;

  // -- HTTP limits and auth --------------------------------------------------
  int64_t body_limit_bytes = 1024 * 1024;
  int64_t header_limit_bytes = 16 * 1024;
  int rate_limit_per_s = 1000;
  int rate_limit_burst = 500;
  int ask_timeout_ms = 5000;
  int token_ttl_s = 3600;
  /// HS256 signing secret; empty means MALL_JWT_SECRET or one generated and
  /// kept in the data folder.
  std::string jwt_secret;

  // -- logging ---------------------------------------------------------------
  std::string log_level = "info";
  /// "text" or "json".
  std::string log_format = "text";
};

/// The result of reading the command line: a config, or a message for the
/// operator and the exit code to leave with (0 for `--help`).
struct config_outcome {
  std::optional<node_config> config;
  std::string message;
  int exit_code = 0;
};

/// Reads `--config FILE` (default `cluster.conf` when it exists) and then
/// the flags, which override the file. Unknown keys and bad values are
/// errors, never silently ignored.
config_outcome parse_node_config(int argc, const char* const* argv);

} // namespace mall::app
