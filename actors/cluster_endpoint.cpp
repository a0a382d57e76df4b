#include "actors/cluster_endpoint.hpp"

#include "actors/cluster_messages.hpp"
#include "actors/entity.hpp"
#include "actors/entity_router.hpp"

#include "caf/event_based_actor.hpp"
#include "caf/response_promise.hpp"

namespace mall::actors {

namespace {

caf::behavior cluster_endpoint(caf::event_based_actor* self,
                               std::shared_ptr<shard_routes> routes,
                               std::shared_ptr<shard_directory> directory) {
  return {
      [=](remote_ask_atom, entity_command& cmd,
          int64_t timeout_ms) -> caf::result<entity_reply> {
        auto index =
            entity_router::shard_for(cmd.type, cmd.id, routes->shard_count());
        if (!routes->enter_local(index))
          return error_reply(moved_code, "shard " + std::to_string(index) +
                                             " is not served here");
        auto promise = self->make_response_promise<entity_reply>();
        self->request(directory->get(index),
                      std::chrono::milliseconds(timeout_ms), std::move(cmd))
            .then(
                [=](entity_reply& reply) mutable {
                  routes->leave_local(index);
                  promise.deliver(std::move(reply));
                },
                [=](caf::error& err) mutable {
                  routes->leave_local(index);
                  promise.deliver(error_reply(
                      "unavailable", "shard " + std::to_string(index) + ": " +
                                         self->system().render(err)));
                });
        return promise;
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
