#include "app/node.hpp"

#include "actors/actor_shutdown.hpp"
#include "actors/entity_router.hpp"
#include "actors/order_timeout_sweeper.hpp"
#include "actors/read_model_projection.hpp"
#include "actors/saga_policy.hpp"
#include "actors/shard_allocation.hpp"
#include "app/caf_settings.hpp"
#include "app/cluster_membership.hpp"
#include "app/consumer_set.hpp"
#include "app/logging.hpp"
#include "app/node_operations.hpp"
#include "app/node_secrets.hpp"
#include "app/projection_watermark.hpp"
#include "app/read_model_views.hpp"
#include "domains/accounts/account_aggregate.hpp"
#include "domains/deliveries/delivery_aggregate.hpp"
#include "domains/orders/order_aggregate.hpp"
#include "domains/orders/order_saga.hpp"
#include "domains/orders/order_view.hpp"
#include "domains/products/catalog_view.hpp"
#include "domains/products/product_aggregate.hpp"
#include "net/admin_bootstrap.hpp"
#include "net/http_server.hpp"
#include "persistence/embedded_postgres.hpp"
#include "persistence/pg_journal.hpp"
#include "persistence/pg_membership.hpp"
#include "persistence/pg_read_model_store.hpp"
#include "persistence/pg_schema.hpp"

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/io/middleman.hpp"

#include "caf/send.hpp"
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>
#include <unistd.h>

namespace mall::app {

namespace {

using namespace std::chrono;

actors::runtime_settings runtime_settings_of(const node_config& c) {
  actors::runtime_settings s;
  s.passivation_idle = seconds(c.passivation_idle_s);
  s.snapshot_every = c.snapshot_every;
  s.restart_backoff_min = milliseconds(c.restart_backoff_min_ms);
  s.restart_backoff_max = milliseconds(c.restart_backoff_max_ms);
  s.restart_budget = static_cast<size_t>(c.restart_budget);
  s.restart_window = seconds(c.restart_budget_window_s);
  s.shard_count = static_cast<size_t>(c.shard_count);
  return s;
}

net::http_settings http_settings_of(const node_config& c,
                                    std::string jwt_secret) {
  net::http_settings s;
  s.address = c.http_address;
  s.port = c.http_port;
  s.threads = c.http_threads;
  s.body_limit = static_cast<size_t>(c.body_limit_bytes);
  s.header_limit = static_cast<size_t>(c.header_limit_bytes);
  s.ask_timeout = milliseconds(c.ask_timeout_ms);
  s.order_reply_timeout = milliseconds(c.order_reply_timeout_ms);
  s.rate_limit_per_second = c.rate_limit_per_s;
  s.rate_limit_burst = c.rate_limit_burst;
  s.jwt_secret = std::move(jwt_secret);
  s.token_ttl = seconds(c.token_ttl_s);
  return s;
}

/// The schema of everything this node stores.
persistence::pg_schema node_schema() {
  auto steps = persistence::pg_schema::journal_migrations();
  for (const auto& step : persistence::pg_read_model_store::migrations())
    steps.push_back(step);
  for (const auto& step : persistence::pg_membership::migrations())
    steps.push_back(step);
  return persistence::pg_schema{std::move(steps)};
}

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

/// The shard whose server also runs consumer `name`: one node at a time.
size_t shard_of_consumer(const std::string& name, size_t shard_count) {
  return actors::stable_hash(name) % shard_count;
}

/// Waits for SIGINT or SIGTERM (blocked by `block_stop_signals`).
int wait_for_stop_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

} // namespace

void block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int run_node(const node_config& config) {
  configure_logging(config.log_level, config.log_format, config.node_id);
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);

  // -- database ---------------------------------------------------------------
  std::unique_ptr<persistence::embedded_postgres> embedded;
  std::string url = config.db;
  if (url.empty()) {
    embedded =
        std::make_unique<persistence::embedded_postgres>(config.data_dir);
    if (auto err = embedded->start()) {
      spdlog::critical("cannot start the embedded PostgreSQL: {}", *err);
      return 1;
    }
    url = embedded->connection_url();
    spdlog::info("embedded PostgreSQL ready in {} (port {})",
                 embedded->folder(), embedded->port());
  }
  if (auto migrated = node_schema().migrate(url); !migrated.ok()) {
    spdlog::critical("cannot migrate the database: {}", migrated.error);
    return 1;
  }

  // -- secrets ----------------------------------------------------------------
  auto jwt_secret = config.jwt_secret;
  if (jwt_secret.empty())
    jwt_secret = env_or_empty("MALL_JWT_SECRET");
  if (jwt_secret.empty()) {
    auto kept = kept_secret(config.data_dir + "/jwt-secret", &random_secret);
    if (!kept) {
      spdlog::critical("cannot keep a JWT secret in {}", config.data_dir);
      return 1;
    }
    jwt_secret = *kept;
  }
  auto admin_user = env_or_empty("MALL_ADMIN_USER");
  auto admin_password = env_or_empty("MALL_ADMIN_PASSWORD");
  if (admin_user.empty())
    admin_user = "admin";
  if (admin_password.empty()) {
    auto file = config.data_dir + "/admin-password";
    bool first_time = !std::filesystem::exists(file);
    auto kept = kept_secret(file, &random_secret);
    if (!kept) {
      spdlog::critical("cannot keep an admin password in {}", config.data_dir);
      return 1;
    }
    admin_password = *kept;
    if (first_time)
      std::cout << "admin account '" << admin_user
                << "' password: " << admin_password << " (kept in " << file
                << ")" << std::endl;
  }

  // -- runtime
  // ------------------------------------------------------------------
  auto settings = runtime_settings_of(config);
  int exit_code = 0;
  {
    // Written by the cluster membership, read by every command and commit.
    auto routes = std::make_shared<actors::shard_routes>(settings.shard_count);
    persistence::pg_journal_options journal_options{url};
    journal_options.stall_timeout = milliseconds(config.lease_duration_ms / 2);
    journal_options.may_commit = [routes] { return routes->lease_valid(); };
    journal_options.commit_channel = "mall_journal_commits";
    // Until the first membership tick says otherwise, peers may listen.
    auto peers_present = std::make_shared<std::atomic<bool>>(true);
    journal_options.peers_listening = [peers_present] {
      return peers_present->load(std::memory_order_relaxed);
    };
    auto journal = std::make_shared<persistence::pg_journal>(journal_options);
    auto store = std::make_shared<persistence::pg_read_model_store>(url);
    caf::actor_system_config caf_config;
    apply_caf_settings(caf_config);
    apply_cluster_settings(caf_config,
                           milliseconds(config.heartbeat_interval_ms),
                           milliseconds(config.failure_timeout_ms));
    caf::actor_system system{caf_config};

    // One line per bounded context.
    auto registry = std::make_shared<actors::entity_registry>();
    registry->add<domains::products::product_aggregate>();
    registry->add<domains::accounts::account_aggregate>();
    registry->add<domains::orders::order_aggregate>();
    registry->add<domains::deliveries::delivery_aggregate>();
    auto env = std::make_shared<actors::entity_environment>(
        actors::entity_environment{journal, settings, &actors::system_now_ms});
    actors::entity_router router{
        system,
        registry,
        env,
        {},
        actors::cluster_routing{routes, config.node_id}};
    auto published =
        system.middleman().publish(router.endpoint(), config.cluster_port,
                                   config.cluster_address.c_str(), true);
    if (!published) {
      spdlog::critical("cannot listen on cluster port {}:{}: {}",
                       config.cluster_address, config.cluster_port,
                       system.render(published.error()));
      return 1;
    }

    // Seeds first (any of them may be down); the members come with the
    // first tick.
    std::vector<std::string> seeds;
    auto own_address =
        config.cluster_address + ":" + std::to_string(config.cluster_port);
    for (const auto& seed : config.seeds)
      if (seed != own_address)
        seeds.push_back(seed);
    router.connect_peers(seeds);

    // -- read models and policies: each runs on the node serving its shard
    using domains::orders::order_view;
    using domains::products::catalog_view;
    auto reload = [store](std::string name) {
      return [store, name] { return store->offset(name); };
    };
    auto catalog_progress =
        std::make_shared<projection_watermark>(reload(catalog_view::name));
    catalog_progress->advance(store->offset(catalog_view::name));
    auto orders_progress =
        std::make_shared<projection_watermark>(reload(order_view::name));
    orders_progress->advance(store->offset(order_view::name));
    consumer_set consumers{
        system, [&router](const std::string& name, const caf::actor& consumer) {
          auto kind = name == "order_timeout_sweeper" ? "policy" : "consumer";
          router.show_in_tree(name, kind, consumer);
        }};
    // Consumers, like commands, run only while this node holds its lease.
    auto leased = [&routes](actors::event_consumer_config cfg) {
      cfg.may_run = [&routes] { return routes->lease_valid(); };
      return cfg;
    };
    consumers.add(catalog_view::name, [&] {
      return actors::spawn_event_consumer(
          system, leased(actors::read_model_projection<
                         catalog_view, domains::products::product_aggregate>(
                      journal, store, settings, [catalog_progress](auto at) {
                        catalog_progress->advance(at);
                      })));
    });
    consumers.add(order_view::name, [&] {
      return actors::spawn_event_consumer(
          system, leased(actors::read_model_projection<
                         order_view, domains::orders::order_aggregate>(
                      journal, store, settings, [orders_progress](auto at) {
                        orders_progress->advance(at);
                      })));
    });
    actors::saga_policy_options saga_options;
    saga_options.ask_timeout_ms = config.ask_timeout_ms;
    saga_options.settings = settings;
    consumers.add(saga_options.name, [&] {
      return actors::spawn_event_consumer(
          system, leased(actors::saga_policy(
                      journal, router,
                      actors::policy_reaction_of(&domains::orders::react),
                      saga_options)));
    });
    actors::order_timeout_sweeper_config sweeper_config;
    sweeper_config.find_overdue = [store](int64_t cutoff_ms) {
      return store->keys_with_status(order_view::name, "pending",
                                     domains::sort_key_of(cutoff_ms), 500);
    };
    sweeper_config.now_ms = &actors::system_now_ms;
    sweeper_config.order_timeout = seconds(config.order_timeout_s);
    sweeper_config.ask_timeout_ms = config.ask_timeout_ms;
    const std::string sweeper_name = "order_timeout_sweeper";
    consumers.add(sweeper_name, [&] {
      return actors::spawn_order_timeout_sweeper(system, router,
                                                 sweeper_config);
    });
    read_model_views views{store, catalog_progress, orders_progress,
                           milliseconds(config.consistency_wait_ms)};

    // -- cluster membership: which shards (and consumers) this node serves
    auto membership_table = std::make_shared<persistence::pg_membership>(
        url, 4, milliseconds(config.lease_duration_ms / 3));
    std::vector<std::string> consumer_names{
        catalog_view::name, order_view::name, saga_options.name, sweeper_name};
    cluster_membership_hooks hooks;
    hooks.reset_shard = [&router](size_t shard) { router.reset_shard(shard); };
    // Stopping a consumer waits for it: on a thread of its own, in order,
    // so that the membership thread never misses a renewal over it. (A
    // second runner for a moment is harmless: projections commit only on
    // top of the offset they started from, the saga's steps are idempotent.)
    boost::asio::thread_pool consumer_moves{1};
    hooks.served_changed = [&](size_t shard, bool served) {
      for (const auto& name : consumer_names)
        if (shard_of_consumer(name, settings.shard_count) == shard)
          boost::asio::post(consumer_moves, [&consumers, name, served] {
            if (served)
              consumers.resume(name);
            else
              consumers.pause(name);
          });
    };
    hooks.fenced = [&journal] { journal->fence(); };
    // The middleman's heartbeats watch every live member.
    // The middleman's heartbeats watch every live member; commits are
    // announced to the other nodes only while there are any (a member that
    // joins meanwhile is announced to from the next tick on, and its
    // consumers poll until then).
    hooks.peers_seen = [&router,
                        peers_present](const std::vector<std::string>& peers) {
      peers_present->store(!peers.empty(), std::memory_order_relaxed);
      router.connect_peers(peers);
    };
    // A leave asked for by an operator ends the process like a SIGTERM.
    hooks.left = [] { kill(getpid(), SIGTERM); };
    cluster_membership_options membership_options;
    auto& steward = membership_options.steward;
    steward.node_id = config.node_id;
    steward.address = own_address;
    steward.http_address =
        config.http_address + ":" + std::to_string(config.http_port);
    steward.lease = milliseconds(config.lease_duration_ms);
    steward.drain_timeout = milliseconds(config.ask_timeout_ms);
    steward.shard_count = settings.shard_count;
    steward.hosts_shards = config.hosts_shards;
    membership_options.tick = milliseconds(config.heartbeat_interval_ms);
    cluster_membership membership{membership_table, routes, membership_options,
                                  hooks};
    // Commands need no lease to be forwarded: a node that lost its lease
    // (or has left) still answers by sending them to the owners, and its own
    // shards refuse them (`shard_routes::enter_local`).
    actors::entity_gateway& gateway = router;
    node_operations operations{
        system,           router,        consumers,
        journal,          store,         {catalog_view::name, order_view::name},
        membership_table, config.node_id};

    // -- gateway --------------------------------------------------------------
    std::atomic<bool> ready{false};
    std::atomic<bool> stopping{false};
    net::token_service tokens{jwt_secret, seconds(config.token_ttl_s)};
    net::password_hasher hasher;
    auto readiness = [&]() {
      std::vector<std::string> reasons;
      if (stopping)
        reasons.push_back("stopping");
      else if (!ready)
        reasons.push_back("starting");
      if (!journal->healthy())
        reasons.push_back("journal unreachable");
      if (!membership.serving())
        reasons.push_back("no cluster lease");
      else if (!membership.ready())
        reasons.push_back("shards without a server");
      if (membership.leaving())
        reasons.push_back("leaving the cluster");
      return reasons;
    };
    net::http_server server{http_settings_of(config, jwt_secret),
                            net::gateway_services{gateway, views, readiness,
                                                  tokens, hasher, &views,
                                                  &operations}};
    auto started = server.start();
    if (!started.ok()) {
      spdlog::critical("cannot listen on {}:{}: {}", config.http_address,
                       config.http_port, started.error);
      exit_code = 1;
    } else if (!membership.wait_until_ready(seconds(60))) {
      spdlog::critical("no cluster lease within 60 s (is another process "
                       "running as {}?)",
                       config.node_id);
      exit_code = 1;
    } else {
      auto admin = net::ensure_admin_account(gateway, hasher, admin_user,
                                             admin_password, seconds(30));
      if (!admin.ok) {
        spdlog::critical("admin account '{}': {}", admin_user, admin.message);
        exit_code = 1;
      } else {
        ready = true;
        spdlog::info("node {} serving http://{}:{}", config.node_id,
                     config.http_address, started.port);
        auto sig = wait_for_stop_signal();
        spdlog::info("{} received: shutting down", strsignal(sig));
      }
    }

    // -- shutdown, in the reverse order of the dependencies ---------------
    // Hand the shards off first, while this node still answers HTTP (by
    // forwarding), so that a rolling restart fails no request.
    stopping = true;
    // No crashes on purpose while the shards are handed off.
    operations.stop_chaos([](const net::operation_result&) {});
    membership.leave();
    if (membership.wait_until_left(seconds(15))) {
      // Other nodes learn the new owners at their next tick; until then
      // they may still send here, and get `moved` back. Closing the cluster
      // port earlier would fail their commands in flight instead.
      std::this_thread::sleep_for(3 *
                                  milliseconds(config.heartbeat_interval_ms));
    } else {
      spdlog::warn("the graceful leave did not finish; the rest of the "
                   "shards is released as the node stops");
    }
    server.shutdown(seconds(10));
    // Before the router goes: the sweeper and the saga ask through it; and
    // before the flush, so that the saga's last commands are in it.
    consumer_moves.join();
    consumers.stop_all();
    journal->flush();
  }
  if (embedded)
    embedded->stop();
  spdlog::info("node {} stopped", config.node_id);
  return exit_code;
}

} // namespace mall::app
