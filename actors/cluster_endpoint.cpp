#include "actors/cluster_endpoint.hpp"

#include "actors/cluster_messages.hpp"
#include "actors/entity.hpp"
#include "actors/entity_router.hpp"
#include "actors/local_dispatch.hpp"

#include <unordered_map>

#include "caf/event_based_actor.hpp"
#include "caf/response_promise.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"

namespace mall::actors {

namespace {

/// Shard -> endpoint: the answer to remote ask `id`.
using answer_atom = caf::atom_constant<caf::atom("answer")>;

struct endpoint_state {
  std::shared_ptr<shard_routes> routes;
  std::shared_ptr<shard_directory> directory;
  /// Remote asks waiting for their shard's answer, by id.
  std::unordered_map<uint64_t, caf::typed_response_promise<entity_reply>>
      waiting;
  uint64_t next_id = 0;

  static inline const char* name = "cluster_endpoint";
};

using endpoint_actor = caf::stateful_actor<endpoint_state>;

caf::behavior cluster_endpoint(endpoint_actor* self,
                               std::shared_ptr<shard_routes> routes,
                               std::shared_ptr<shard_directory> directory) {
  self->state.routes = std::move(routes);
  self->state.directory = std::move(directory);
  return {
      [self](remote_ask_atom, entity_command& cmd,
             int64_t timeout_ms) -> caf::result<entity_reply> {
        auto& st = self->state;
        auto index = entity_router::shard_for(cmd.type, cmd.id,
                                              st.routes->shard_count());
        if (!st.routes->enter_local(index))
          return error_reply(moved_code, "shard " + std::to_string(index) +
                                             " is not served here");
        auto id = st.next_id++;
        st.waiting.emplace(id, self->make_response_promise<entity_reply>());
        // The local path, so that the handoff counts the command until its
        // entity answered; the answer comes back here as a message, since a
        // response promise belongs to this actor's thread.
        auto me = caf::actor_cast<caf::actor>(self);
        auto deadline =
            self->clock().now() + std::chrono::milliseconds(timeout_ms);
        std::shared_ptr<reply_guard> reply{
            new reply_guard([me, id](entity_reply answer) {
              caf::anon_send(me, answer_atom::value, id, std::move(answer));
            })};
        dispatch_local(
            *st.directory, st.routes, index,
            ask_request{std::move(cmd), deadline, std::move(reply), nullptr});
        return st.waiting.at(id);
      },
      [self](answer_atom, uint64_t id, entity_reply& answer) {
        auto i = self->state.waiting.find(id);
        if (i == self->state.waiting.end())
          return;
        i->second.deliver(std::move(answer));
        self->state.waiting.erase(i);
      },
  };
}

} // namespace

caf::actor spawn_cluster_endpoint(caf::actor_system& sys,
                                  std::shared_ptr<shard_routes> routes,
                                  std::shared_ptr<shard_directory> directory) {
  return sys.spawn(cluster_endpoint, std::move(routes), std::move(directory));
}

} // namespace mall::actors
