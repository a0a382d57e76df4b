#include "actors/entity_router.hpp"

#include "actors/cluster_endpoint.hpp"
#include "actors/cluster_messages.hpp"
#include "actors/entity_region.hpp"
#include "actors/entity_shard.hpp"
#include "actors/local_dispatch.hpp"
#include "actors/remote_forwarder.hpp"
#include "actors/runtime_messages.hpp"
#include "domains/common/json_text.hpp"

#include "caf/exit_reason.hpp"
#include "caf/send.hpp"

namespace mall::actors {

entity_router::entity_router(caf::actor_system& sys,
                             std::shared_ptr<const entity_registry> registry,
                             std::shared_ptr<const entity_environment> env,
                             caf::actor escalation,
                             std::optional<cluster_routing> cluster)
    : sys_(sys) {
  auto count = std::max<size_t>(env->settings.shard_count, 1);
  directory_ = std::make_shared<shard_directory>(count);
  shard_config prototype{0, std::move(registry), std::move(env),
                         std::move(escalation)};
  // Shards start here, not inside the region, so that `ask` can route as
  // soon as the constructor returns.
  std::vector<caf::actor> shards;
  for (size_t i = 0; i < count; ++i) {
    auto cfg = prototype;
    cfg.index = i;
    shards.push_back(spawn_entity_shard(sys, std::move(cfg)));
    directory_->set(i, shards.back());
  }
  region_ = spawn_entity_region(sys, std::move(shards), directory_,
                                std::move(prototype));
  if (cluster) {
    routes_ = cluster->routes;
    endpoint_ = spawn_cluster_endpoint(sys, routes_, directory_);
    forwarder_ = spawn_remote_forwarder(
        sys, {routes_, directory_, std::move(cluster->node_id)});
  }
}

entity_router::~entity_router() {
  for (auto* hdl : {&forwarder_, &endpoint_})
    if (*hdl)
      caf::anon_send_exit(*hdl, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(region_, caf::exit_reason::user_shutdown);
}

void entity_router::ask(entity_command cmd, int64_t timeout_ms,
                        reply_handler on_reply) {
  auto index = shard_for(cmd.type, cmd.id, shard_count());
  auto deadline = sys_.clock().now() + std::chrono::milliseconds(timeout_ms);
  // Not make_shared: the shard's deadline queue holds a weak_ptr until the
  // deadline, which would keep a combined block alive that long.
  std::shared_ptr<reply_guard> reply{new reply_guard(std::move(on_reply))};
  if (!routes_) {
    // If the shard is gone the message is dropped, and with it the last
    // owner of the guard, which then answers `unavailable`.
    caf::anon_send(
        directory_->get(index),
        ask_request{std::move(cmd), deadline, std::move(reply), nullptr});
    return;
  }
  if (routes_->enter_local(index)) {
    dispatch_local(
        *directory_, routes_, index,
        ask_request{std::move(cmd), deadline, std::move(reply), nullptr});
    return;
  }
  caf::anon_send(forwarder_, forward_request{std::move(cmd), deadline,
                                             std::move(reply), index});
}

size_t entity_router::shard_for(const std::string& type, const std::string& id,
                                size_t shard_count) {
  uint64_t hash = 14695981039346656037ull;
  auto mix = [&hash](char c) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  };
  for (auto c : type)
    mix(c);
  mix('|');
  for (auto c : id)
    mix(c);
  return static_cast<size_t>(hash % shard_count);
}

void entity_router::crash_entity(const std::string& type,
                                 const std::string& id) {
  caf::anon_send(directory_->get(shard_for(type, id, shard_count())),
                 crash_atom::value, type, id);
}

void entity_router::crash_shard(size_t index) {
  caf::anon_send(region_, crash_atom::value, index);
}

void entity_router::connect_peers(std::vector<std::string> addresses) {
  if (forwarder_)
    caf::anon_send(forwarder_, caf::connect_atom::value, std::move(addresses));
}

void entity_router::reset_shard(size_t index) {
  caf::anon_send(region_, reset_atom::value, index);
}

void entity_router::supervision_tree(std::function<void(nlohmann::json)> done) {
  caf::anon_send(region_, tree_request{[done](std::string text) {
                   done(domains::parse_json(text));
                 }});
}

void entity_router::show_in_tree(std::string name, std::string kind,
                                 caf::actor actor) {
  caf::anon_send(region_, watch_atom::value, std::move(name), std::move(kind),
                 std::move(actor));
}

} // namespace mall::actors
