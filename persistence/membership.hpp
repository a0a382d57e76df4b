// Plain types of the cluster membership table and the shard table.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mall::persistence {

/// Where a node is in its life. Only `join` moves a node out of `down`.
enum class member_status { joining, up, leaving, down };

/// "joining", "up", "leaving" or "down".
inline const char* to_string(member_status status) {
  switch (status) {
  case member_status::joining:
    return "joining";
  case member_status::up:
    return "up";
  case member_status::leaving:
    return "leaving";
  case member_status::down:
    return "down";
  }
  return "down";
}

/// The status named `text`; std::nullopt for anything else.
inline std::optional<member_status>
parse_member_status(const std::string& text) {
  for (auto status : {member_status::joining, member_status::up,
                      member_status::leaving, member_status::down})
    if (text == to_string(status))
      return status;
  return std::nullopt;
}

/// One node as the membership table knows it. All times are milliseconds
/// since the Unix epoch on the DATABASE clock; compare them with `db_now_ms`,
/// never with the local clock.
struct member_row {
  std::string node_id;
  /// host:port of the node's cluster (CAF middleman) port.
  std::string address;
  /// host:port of the node's HTTP port.
  std::string http_address;
  member_status status = member_status::down;
  /// Bumped by every `join`: one process lifetime of this node id.
  int64_t incarnation = 0;
  /// Bumped by every change of the row; the compare-and-set token.
  int64_t version = 0;
  int64_t lease_expires_ms = 0;
  /// The last join or renewal.
  int64_t last_alive_ms = 0;
  /// When this incarnation joined.
  int64_t since_ms = 0;
  /// False for a gateway-only member: no shard is allocated to it.
  bool hosts_shards = true;
  /// The database clock when this row was read or written.
  int64_t db_now_ms = 0;

  /// Whether the lease was still running at `db_now_ms`.
  bool lease_valid() const { return lease_expires_ms > db_now_ms; }
};

/// Every member and the database clock at the time of reading.
struct membership_view {
  std::vector<member_row> members;
  int64_t db_now_ms = 0;
};

/// Who owns one shard. `epoch` grows by one with every change of owner: it is
/// the shard's fencing token (a node that learns of an ownership with a lower
/// epoch than one it already knows ignores it, so stale routing information
/// can never override newer), and it names the ownership a release belongs to.
struct shard_row {
  int shard = 0;
  int64_t epoch = 0;
  /// Empty when nobody ever claimed the shard.
  std::string owner;
  int64_t owner_incarnation = 0;
  /// The owner has stopped the shard (handoff): anyone live may claim it.
  bool released = false;
  /// The database clock when the owner last changed.
  int64_t changed_ms = 0;
};

/// Both tables as of one instant, for rules that compare shard owners with
/// member rows.
struct cluster_view {
  membership_view membership;
  /// Every claimed shard, by number.
  std::vector<shard_row> shards;
};

/// The membership and shard tables as the cluster rules use them:
/// `pg_membership` in production, a model in simulations. Each call is
/// atomic; a refused compare-and-set is std::nullopt; an unreachable store
/// throws. See `pg_membership` for the exact conditions of each call.
class membership_store {
public:
  virtual ~membership_store() = default;

  virtual std::optional<member_row> join(const std::string& node_id,
                                         const std::string& address,
                                         const std::string& http_address,
                                         std::chrono::milliseconds lease,
                                         bool hosts_shards = true) = 0;

  virtual std::optional<member_row> renew(const std::string& node_id,
                                          int64_t incarnation,
                                          std::chrono::milliseconds lease) = 0;

  virtual std::optional<member_row> set_status(const std::string& node_id,
                                               int64_t expected_version,
                                               member_status status) = 0;

  virtual membership_view members() = 0;

  virtual std::optional<shard_row>
  claim_shard(int shard, const std::string& node_id, int64_t incarnation) = 0;

  virtual std::optional<shard_row> release_shard(int shard,
                                                 const std::string& node_id,
                                                 int64_t incarnation,
                                                 int64_t epoch) = 0;

  virtual cluster_view snapshot() = 0;
};

} // namespace mall::persistence
