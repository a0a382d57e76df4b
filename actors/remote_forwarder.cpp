#include "actors/remote_forwarder.hpp"

#include "actors/cluster_messages.hpp"
#include "actors/entity.hpp"
#include "actors/local_dispatch.hpp"
#include "actors/runtime_messages.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "caf/event_based_actor.hpp"
#include "caf/io/middleman.hpp"
#include "caf/io/middleman_actor.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/system_messages.hpp"

namespace mall::actors {

namespace {

using time_point = caf::actor_clock::time_point;
using retry_atom = caf::atom_constant<caf::atom("fwdretry")>;

/// A connection to another node's endpoint.
struct peer {
  caf::actor endpoint;
  bool connecting = false;
  time_point retry_after;
  /// A failed connect was logged: the next ones are not, until success.
  bool failure_logged = false;
  /// Sent and unanswered, by id: failed at once when the connection is
  /// lost (CAF would let them run into their timeout).
  std::unordered_map<uint64_t, std::shared_ptr<forward_request>> in_flight;
};

struct forwarder_state {
  remote_forwarder_config cfg;
  /// By address (host:port).
  std::unordered_map<std::string, peer> peers;
  std::vector<forward_request> parked;
  bool retry_armed = false;
  uint64_t next_id = 0;

  static inline const char* name = "remote_forwarder";
};

using forwarder_actor = caf::stateful_actor<forwarder_state>;

void attempt(forwarder_actor* self, forward_request req);

void park(forwarder_actor* self, forward_request req) {
  auto& st = self->state;
  st.parked.push_back(std::move(req));
  if (!st.retry_armed) {
    st.retry_armed = true;
    self->delayed_send(self, st.cfg.retry_interval, retry_atom::value);
  }
}

void retry_parked(forwarder_actor* self) {
  auto& st = self->state;
  st.retry_armed = false;
  auto parked = std::move(st.parked);
  st.parked.clear();
  for (auto& req : parked)
    attempt(self, std::move(req));
}

void connect(forwarder_actor* self, const std::string& address) {
  auto& p = self->state.peers[address];
  if (p.endpoint || p.connecting || self->clock().now() < p.retry_after)
    return;
  // Seeds come from the operator: a malformed one is skipped, never thrown.
  auto colon = address.rfind(':');
  unsigned port = 0;
  auto digits = colon == std::string::npos
                    ? std::string_view{}
                    : std::string_view{address}.substr(colon + 1);
  auto [end, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || ec != std::errc{} ||
      end != digits.data() + digits.size() || port == 0 || port > 65535) {
    if (!p.failure_logged)
      spdlog::warn("cluster: {} is no host:port, not connecting", address);
    p.failure_logged = true;
    return;
  }
  auto host = address.substr(0, colon);
  p.connecting = true;
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, std::chrono::seconds(2), caf::connect_atom::value, host,
                static_cast<uint16_t>(port))
      .then(
          [self, address](const caf::node_id&, caf::strong_actor_ptr& ptr,
                          const std::set<std::string>&) {
            auto& p = self->state.peers[address];
            p.connecting = false;
            p.failure_logged = false;
            p.endpoint = caf::actor_cast<caf::actor>(ptr);
            if (p.endpoint)
              self->monitor(p.endpoint);
            else // nothing published there (yet): not every 10 ms
              p.retry_after =
                  self->clock().now() + self->state.cfg.reconnect_delay;
            retry_parked(self);
          },
          [self, address](caf::error& err) {
            auto& p = self->state.peers[address];
            p.connecting = false;
            p.retry_after =
                self->clock().now() + self->state.cfg.reconnect_delay;
            if (!p.failure_logged)
              spdlog::warn("cluster: cannot connect to {}: {}", address,
                           self->system().render(err));
            p.failure_logged = true;
          });
}

void send_remote(forwarder_actor* self, const std::string& address,
                 forward_request req, time_point now) {
  auto& p = self->state.peers[address];
  auto remaining =
      std::chrono::duration_cast<std::chrono::milliseconds>(req.deadline - now);
  auto id = self->state.next_id++;
  auto held = std::make_shared<forward_request>(std::move(req));
  p.in_flight.emplace(id, held);
  // Takes the request out of the books; false if the connection loss
  // answered it already.
  auto settle = [self, address, id] {
    return self->state.peers[address].in_flight.erase(id) > 0;
  };
  self->request(p.endpoint, remaining, remote_ask_atom::value, held->cmd,
                static_cast<int64_t>(remaining.count()))
      .then(
          [self, held, settle](entity_reply& reply) {
            if (!settle())
              return;
            if (reply.error_code == moved_code) {
              park(self, std::move(*held));
              return;
            }
            held->reply->deliver(std::move(reply));
          },
          [self, held, settle](caf::error& err) {
            if (!settle())
              return;
            held->reply->deliver(error_reply(
                "unavailable",
                "the owner of shard " + std::to_string(held->shard) +
                    " did not answer: " + self->system().render(err)));
          });
}

void attempt(forwarder_actor* self, forward_request req) {
  auto& st = self->state;
  auto now = self->clock().now();
  if (now >= req.deadline) {
    req.reply->deliver(error_reply(
        "unavailable",
        "no node serves shard " + std::to_string(req.shard) + " yet, retry"));
    return;
  }
  if (st.cfg.routes->enter_local(req.shard)) {
    dispatch_local(*st.cfg.directory, st.cfg.routes, req.shard,
                   ask_request{std::move(req.cmd), req.deadline,
                               std::move(req.reply), nullptr});
    return;
  }
  auto owner = st.cfg.routes->remote_owner(req.shard);
  if (!owner || owner->node_id == st.cfg.node_id) {
    park(self, std::move(req));
    return;
  }
  auto& p = st.peers[owner->address];
  if (!p.endpoint) {
    connect(self, owner->address);
    park(self, std::move(req));
    return;
  }
  send_remote(self, owner->address, std::move(req), now);
}

caf::behavior remote_forwarder(forwarder_actor* self,
                               remote_forwarder_config cfg) {
  self->state.cfg = std::move(cfg);
  self->set_down_handler([self](caf::down_msg& msg) {
    for (auto& [address, p] : self->state.peers)
      if (p.endpoint && p.endpoint.address() == msg.source) {
        spdlog::info("cluster: lost the connection to {}", address);
        p.endpoint = nullptr;
        // They may or may not have run there: never send them twice.
        auto lost = std::move(p.in_flight);
        p.in_flight.clear();
        for (auto& [id, req] : lost)
          req->reply->deliver(error_reply(
              "unavailable", "the node serving shard " +
                                 std::to_string(req->shard) +
                                 " was lost with the command in flight"));
      }
  });
  return {
      [self](forward_request& req) { attempt(self, std::move(req)); },
      [self](caf::connect_atom, const std::vector<std::string>& addresses) {
        for (const auto& address : addresses)
          connect(self, address);
      },
      [self](retry_atom) { retry_parked(self); },
  };
}

} // namespace

caf::actor spawn_remote_forwarder(caf::actor_system& sys,
                                  remote_forwarder_config cfg) {
  return sys.spawn(remote_forwarder, std::move(cfg));
}

} // namespace mall::actors
