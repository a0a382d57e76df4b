// What a shard keeps per entity: its status, restarts and the commands in
// flight or held for it. Internal to entity_shard.cpp.
#pragma once

#include "actors/entity_messages.hpp"
#include "actors/reply_guard.hpp"
#include "actors/restart_policy.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "caf/actor.hpp"
#include "caf/actor_clock.hpp"
#include "caf/message.hpp"
#include "caf/response_promise.hpp"

namespace mall::actors::shard_books {

using time_point = caf::actor_clock::time_point;

/// A command forwarded to, or held for, one entity, with whoever waits for
/// its answer: an actor (`promise`) or `entity_router::ask` (`reply`).
struct pending_command {
  /// Holds the `entity_command`; kept so it can be sent again.
  caf::message msg;
  caf::response_promise promise;
  std::shared_ptr<reply_guard> reply;
  uint64_t seq = 0;
  /// How often it was lost while its entity crashed on it.
  uint8_t losses = 0;
  /// `ask_request::held`: dropped with the command.
  std::shared_ptr<void> held;

  void deliver(entity_reply r) {
    if (reply)
      reply->deliver(std::move(r));
    else
      promise.deliver(std::move(r));
  }
};

enum class child_status : uint8_t {
  recovering,
  running,
  passivating,
  restarting,
  failed
};

inline const char* to_string(child_status x) {
  switch (x) {
  case child_status::recovering:
    return "recovering";
  case child_status::running:
    return "running";
  case child_status::passivating:
    return "passivating";
  case child_status::restarting:
    return "restarting";
  default:
    return "failed";
  }
}

/// What an entity's crashes and failed recoveries left behind.
struct failure_record {
  time_point failed_until;
  restart_policy restarts;
  restart_policy::duration last_backoff{0};
  std::string last_error;
};

/// One entity of the shard, alive or not.
struct child {
  caf::actor actor;
  child_status status = child_status::running;
  /// Bumped on each start so a stale restart timer does nothing.
  uint32_t generation = 0;
  /// Sent to `actor`, unanswered, oldest first.
  std::vector<pending_command> in_flight;
  /// Held while the entity is not running, oldest first.
  std::vector<pending_command> waiting;
  time_point last_active;
  /// Only for an entity that ever failed: most never do, and each byte here
  /// is paid by every active entity.
  std::unique_ptr<failure_record> failure;

  failure_record& failures() {
    if (!failure)
      failure = std::make_unique<failure_record>();
    return *failure;
  }
  uint64_t total_restarts() const {
    return failure ? failure->restarts.total_restarts() : 0;
  }
};

using child_map = std::unordered_map<std::string, child>;
using child_entry = child_map::value_type;

/// An ask's deadline; the ask itself may have been answered long ago.
struct deadline {
  time_point at;
  std::weak_ptr<reply_guard> reply;

  friend bool operator>(const deadline& a, const deadline& b) {
    return a.at > b.at;
  }
};

} // namespace mall::actors::shard_books
