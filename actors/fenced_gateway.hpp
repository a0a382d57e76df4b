// An entity_gateway that refuses every command while this node must not
// serve (its cluster lease is not valid).
#pragma once

#include "actors/entity_gateway.hpp"

#include <functional>

namespace mall::actors {

/// Forwards to `inner` while `serving()` holds, and answers `unavailable`
/// at once otherwise: a node that lost (or never got) its lease must not
/// run commands, because another node may own its shards by now.
/// `serving` is called once per command from any thread: keep it cheap.
class fenced_gateway : public entity_gateway {
public:
  fenced_gateway(entity_gateway& inner, std::function<bool()> serving);

  void ask(entity_command cmd, int64_t timeout_ms,
           reply_handler on_reply) override;

private:
  entity_gateway& inner_;
  std::function<bool()> serving_;
};

} // namespace mall::actors
