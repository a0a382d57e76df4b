// A policy: reacts to committed events by sending commands to entities (the
// order saga's steps).
#pragma once

#include "actors/entity_gateway.hpp"
#include "actors/event_consumer.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mall::actors {

/// A command a policy sends in reaction to an event.
struct policy_command {
  /// Entity type and id, e.g. "product", "p_1".
  std::string type;
  std::string id;
  /// The command, {"type": "...", ...}.
  nlohmann::json body;
  /// See `entity_command::expect_new`.
  bool expect_new = false;
};

/// The pure reaction of a policy to one event of entity `type`/`id`
/// (`event` is the encoded event, {"type": ...}): the commands to send, in
/// order; none for events it ignores.
using policy_reaction = std::function<std::vector<policy_command>(
    const std::string& type, const std::string& id,
    const nlohmann::json& event)>;

/// Adapts a reaction returning any command struct with `type`, `id`, `body`
/// and `expect_new` members (e.g. domains' `saga_command`) to a
/// `policy_reaction`.
template<class Reaction> policy_reaction policy_reaction_of(Reaction react) {
  return
      [react = std::move(react)](const std::string& type, const std::string& id,
                                 const nlohmann::json& event) {
        std::vector<policy_command> result;
        for (auto& cmd : react(type, id, event))
          result.push_back(
              policy_command{cmd.type, cmd.id, cmd.body, cmd.expect_new});
        return result;
      };
}

/// How a policy consumer runs.
struct saga_policy_options {
  /// Consumer name and key of its durable offset.
  std::string name = "order_saga";
  /// Timeout of each command's ask.
  int64_t ask_timeout_ms = 5000;
  /// How often the durable offset is saved while batches keep finishing
  /// (the commands are idempotent, so a crash may send a little again).
  std::chrono::milliseconds offset_save_interval{100};
  /// Batch size, poll interval and restart backoff of the consumer.
  runtime_settings settings;
};

/// An event consumer that runs `react` over every committed event and sends
/// the commands through `gateway`, carrying the event's trace id.
///
/// The commands of a batch are sent in event order at once (the gateway
/// delivers the commands for one entity in the order they were sent), and
/// the consumer reads and sends the next batches while the replies are
/// pending: commands for one entity still arrive in event order. An
/// `unavailable` reply fails the batch: the consumer restarts from its
/// durable offset and sends everything after it again, so every command
/// must be idempotent. Any other error
/// (a domain rejection) is logged as a warning and skipped. Events whose
/// payload is not JSON or whose reaction throws are logged as errors and
/// skipped: retrying would not fix them and would stop the saga.
///
/// `gateway` must outlive the consumer.
event_consumer_config saga_policy(std::shared_ptr<persistence::journal> journal,
                                  entity_gateway& gateway,
                                  policy_reaction react,
                                  saga_policy_options options = {});

/// The commands of one batch, in order, each with its event's trace id (the
/// pure part of the handler, exposed for tests).
std::vector<entity_command>
policy_commands_of(const std::vector<persistence::event_record>& batch,
                   const policy_reaction& react);

} // namespace mall::actors
