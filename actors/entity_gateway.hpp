// What the HTTP gateway needs from the runtime.
#pragma once

#include "actors/entity_messages.hpp"

#include <functional>

namespace mall::actors {

/// Sends commands to entities by (type, id) without knowing where they live:
/// on this node, on another one, or not started yet.
class entity_gateway {
public:
  using reply_handler = std::function<void(entity_reply)>;

  virtual ~entity_gateway() = default;

  /// Delivers `cmd` to its entity and calls `on_reply` exactly once, on a
  /// runtime thread, with the entity's answer or an `unavailable` error
  /// after `timeout_ms`. `on_reply` must not block.
  virtual void ask(entity_command cmd, int64_t timeout_ms,
                   reply_handler on_reply) = 0;
};

} // namespace mall::actors
