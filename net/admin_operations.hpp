// What the admin endpoints ask of the node: its actors, chaos, projections
// and consumers.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

namespace mall::net {

/// The answer of an operation: a JSON body, or an API error code.
struct operation_result {
  nlohmann::json body = nlohmann::json::object();
  /// Empty on success; otherwise an API error code (`not_found` for an
  /// unknown name or id, `unavailable`, ...).
  std::string error_code;
  std::string error_message;
};

/// Operations on this node (implemented by the node). Every call answers
/// `done` exactly once, from any thread, without blocking the caller.
class admin_operations {
public:
  using done_handler = std::function<void(operation_result)>;

  virtual ~admin_operations() = default;

  /// The supervision tree: `{name, kind, status, restarts, children: [...]}`.
  virtual void actor_tree(done_handler done) = 0;

  /// Makes actors of `target` (`entity`, `shard`, `region`, `journal`,
  /// `projection` or `gateway`, already validated) fail with an exception;
  /// `id` (empty: any) narrows which. Body `{"crashed": [names...]}`.
  virtual void crash(std::string target, std::string id, done_handler done) = 0;

  /// Starts replaying read model `name` from the journal; `not_found` for
  /// an unknown name.
  virtual void rebuild_projection(std::string name, done_handler done) = 0;

  /// Test hook: sets the durable offset of event consumer `name` (a policy
  /// such as `order_saga`) back to 0, so it sees every event again;
  /// `not_found` for an unknown name.
  virtual void rewind_consumer(std::string name, done_handler done) = 0;

  /// The cluster as the membership table sees it: `{self, members:
  /// [{node_id, address, http_address, status, incarnation, shard_count,
  /// since}], shards: {count, owners: {"<shard>": node_id}}}`.
  virtual void cluster(done_handler done) = 0;

  /// Asks node `node_id` (empty: this node) to leave the cluster: it hands
  /// its shards off, then stops. Body `{node_id, status}` with the status
  /// it has now (`leaving`, or `down` for one already gone); `not_found`
  /// for a node the cluster never had.
  virtual void leave(std::string node_id, done_handler done) = 0;

  /// More Prometheus text to append to the gateway's own metrics (may be
  /// empty); answers `done` with it.
  virtual void metrics(std::function<void(std::string)> done) = 0;
};

} // namespace mall::net
