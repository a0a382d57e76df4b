// What the admin endpoints ask of the node: its actors, chaos, projections
// and consumers.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace mall::net {

/// The answer of an operation: a JSON body, or an API error code.
struct operation_result {
  nlohmann::json body = nlohmann::json::object();
  /// Empty on success; otherwise an API error code (`not_found` for an
  /// unknown name or id, `unavailable`, ...).
  std::string error_code;
  std::string error_message;
};

/// A chaos schedule: `per_second` times a second for `duration_s` seconds,
/// crash one of `targets` in turn (each `{target, id}` as for `crash`; an
/// empty id picks one at random each time).
struct chaos_plan {
  std::vector<std::pair<std::string, std::string>> targets;
  double per_second = 0;
  double duration_s = 0;
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

  /// Starts `plan` on this node, replacing a schedule that still runs.
  /// Body `{status: "scheduled", targets, per_second, duration_s,
  /// crashes}` (`crashes`: how many it will make); `invalid_input` for a
  /// target this node cannot crash.
  virtual void schedule_chaos(chaos_plan plan, done_handler done) = 0;

  /// The schedule's progress: `{status: "running" | "idle", crashed,
  /// planned}` (of the current or last plan; 0 and 0 before any).
  virtual void chaos_status(done_handler done) = 0;

  /// Stops the running schedule, if any. Body `{status: "stopped" | "idle",
  /// crashed}` (`crashed`: how many the schedule made).
  virtual void stop_chaos(done_handler done) = 0;

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
