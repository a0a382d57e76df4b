#include "app/node_config.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>

namespace mall::app {

namespace {

void declare_options(CLI::App& cli, node_config& c) {
  cli.add_option("--node-id", c.node_id, "unique name of this node");
  cli.add_option("--http-address", c.http_address, "HTTP listen address");
  cli.add_option("--http-port", c.http_port, "HTTP listen port");
  cli.add_option("--http-threads", c.http_threads, "HTTP io threads")
      ->check(CLI::Range(1, 64));
  cli.add_option("--cluster-address", c.cluster_address,
                 "cluster (CAF middleman) listen address");
  cli.add_option("--cluster-port", c.cluster_port, "cluster listen port");
  cli.add_option("--seeds", c.seeds, "seed nodes host:port, comma separated")
      ->delimiter(',');
  cli.add_option("--db", c.db, "PostgreSQL URL; empty = embedded database");
  cli.add_option("--data-dir", c.data_dir, "folder for the embedded database");
  cli.add_option("--shard-count", c.shard_count, "number of shards")
      ->check(CLI::Range(1, 10000));
  cli.add_option("--heartbeat-interval-ms", c.heartbeat_interval_ms)
      ->check(CLI::Range(10, 60000));
  cli.add_option("--failure-timeout-ms", c.failure_timeout_ms)
      ->check(CLI::Range(10, 600000));
  cli.add_option("--hosts-shards", c.hosts_shards,
                 "false: serve no shard, forward every command");
  cli.add_option("--lease-duration-ms", c.lease_duration_ms)
      ->check(CLI::Range(100, 600000));
  cli.add_option("--passivation-idle-s", c.passivation_idle_s)
      ->check(CLI::Range(1, 86400));
  cli.add_option("--snapshot-every", c.snapshot_every)
      ->check(CLI::Range(1, 1000000));
  cli.add_option("--restart-backoff-min-ms", c.restart_backoff_min_ms)
      ->check(CLI::Range(1, 600000));
  cli.add_option("--restart-backoff-max-ms", c.restart_backoff_max_ms)
      ->check(CLI::Range(1, 600000));
  cli.add_option("--restart-budget", c.restart_budget)
      ->check(CLI::Range(1, 1000));
  cli.add_option("--restart-budget-window-s", c.restart_budget_window_s)
      ->check(CLI::Range(1, 86400));
  cli.add_option("--order-timeout-s", c.order_timeout_s)
      ->check(CLI::Range(1, 86400));
  cli.add_option("--order-reply-timeout-ms", c.order_reply_timeout_ms)
      ->check(CLI::Range(0, 600000));
  cli.add_option("--consistency-wait-ms", c.consistency_wait_ms)
      ->check(CLI::Range(0, 600000));
  cli.add_option("--body-limit-bytes", c.body_limit_bytes)
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  cli.add_option("--header-limit-bytes", c.header_limit_bytes)
      ->check(CLI::Range(int64_t{1024}, int64_t{1} << 20));
  cli.add_option("--rate-limit-per-s", c.rate_limit_per_s)
      ->check(CLI::Range(1, 10000000));
  cli.add_option("--rate-limit-burst", c.rate_limit_burst)
      ->check(CLI::Range(1, 10000000));
  cli.add_option("--ask-timeout-ms", c.ask_timeout_ms)
      ->check(CLI::Range(10, 600000));
  cli.add_option("--token-ttl-s", c.token_ttl_s)->check(CLI::Range(1, 604800));
  cli.add_option("--jwt-secret", c.jwt_secret, "HS256 signing secret");
  cli.add_option("--log-level", c.log_level)
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  cli.add_option("--log-format", c.log_format)
      ->check(CLI::IsMember({"text", "json"}));
}

} // namespace

config_outcome parse_node_config(int argc, const char* const* argv) {
  node_config config;
  CLI::App cli{"12st mall node"};
  declare_options(cli, config);
  // The file is optional by default (a fresh checkout may run anywhere);
  // an explicitly named one must exist.
  auto* file = cli.set_config("--config", "", "read settings from FILE");
  cli.allow_config_extras(CLI::config_extras_mode::error);
  bool explicit_file = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    explicit_file |= arg == "--config" || arg.rfind("--config=", 0) == 0;
  }
  if (!explicit_file && std::filesystem::exists("cluster.conf"))
    file->default_str("cluster.conf");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out;
    std::ostringstream err;
    int code = cli.exit(e, out, err);
    return {std::nullopt, out.str() + err.str(), code};
  }
  if (config.restart_backoff_min_ms > config.restart_backoff_max_ms)
    return {std::nullopt,
            "restart-backoff-min-ms must not exceed restart-backoff-max-ms\n",
            2};
  return {config, "", 0};
}

} // namespace mall::app
