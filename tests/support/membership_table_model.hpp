// An in-memory membership store with the exact rules of pg_membership's
// SQL, on a clock the test controls: the database of cluster simulations.
#pragma once

#include "persistence/membership.hpp"

#include <functional>
#include <map>
#include <stdexcept>

namespace mall::testing {

/// `persistence::membership_store` in memory. Every call is atomic, as one
/// statement or transaction of the PostgreSQL store is. `now_ms` is the
/// database clock; `fail` (optional) makes a call throw, as an unreachable
/// database does.
class membership_table_model : public persistence::membership_store {
public:
  using member_row = persistence::member_row;
  using member_status = persistence::member_status;
  using shard_row = persistence::shard_row;

  std::function<int64_t()> now_ms;
  std::function<bool()> fail;
  /// Optional: a change is made but its reply is lost (the call throws).
  std::function<bool()> lose_reply;

  std::optional<member_row> join(const std::string& node_id,
                                 const std::string& address,
                                 const std::string& http_address,
                                 std::chrono::milliseconds lease,
                                 bool hosts_shards = true) override {
    auto now = clock();
    auto i = members_.find(node_id);
    if (i != members_.end() && i->second.status != member_status::down &&
        i->second.lease_expires_ms > now)
      return std::nullopt;
    auto& m = members_[node_id];
    m.node_id = node_id;
    m.address = address;
    m.http_address = http_address;
    m.hosts_shards = hosts_shards;
    m.status = member_status::joining;
    m.incarnation += 1;
    m.version += 1;
    m.lease_expires_ms = now + lease.count();
    m.last_alive_ms = m.since_ms = now;
    return reply(stamped(m, now));
  }

  std::optional<member_row> renew(const std::string& node_id,
                                  int64_t incarnation,
                                  std::chrono::milliseconds lease) override {
    auto now = clock();
    auto* m = find(node_id);
    if (!m || m->incarnation != incarnation ||
        m->status == member_status::down || m->lease_expires_ms <= now)
      return std::nullopt;
    m->version += 1;
    m->lease_expires_ms = now + lease.count();
    m->last_alive_ms = now;
    return reply(stamped(*m, now));
  }

  std::optional<member_row> set_status(const std::string& node_id,
                                       int64_t expected_version,
                                       member_status status) override {
    auto now = clock();
    auto* m = find(node_id);
    if (!m || m->version != expected_version ||
        m->status == member_status::down ||
        (status != member_status::down && m->lease_expires_ms <= now))
      return std::nullopt;
    m->status = status;
    m->version += 1;
    return reply(stamped(*m, now));
  }

  persistence::membership_view members() override {
    auto now = clock();
    persistence::membership_view view;
    view.db_now_ms = now;
    for (auto& [id, m] : members_)
      view.members.push_back(stamped(m, now));
    return view;
  }

  std::optional<shard_row> claim_shard(int shard, const std::string& node_id,
                                       int64_t incarnation) override {
    auto now = clock();
    auto* claimer = find(node_id);
    if (!claimer || claimer->incarnation != incarnation ||
        !(claimer->status == member_status::joining ||
          claimer->status == member_status::up) ||
        claimer->lease_expires_ms <= now)
      return std::nullopt;
    auto& row = shards_[shard];
    row.shard = shard;
    bool mine = row.owner == node_id && row.owner_incarnation == incarnation;
    if (mine && !row.released)
      return row;
    if (!mine && !row.owner.empty() && !row.released) {
      auto* owner = find(row.owner);
      bool same = owner && owner->incarnation == row.owner_incarnation &&
                  owner->status != member_status::down;
      if (same && owner->lease_expires_ms > now)
        return std::nullopt; // its owner may still serve it
      if (same) {            // expired: marked down in the same transaction
        owner->status = member_status::down;
        owner->version += 1;
      }
    }
    row.epoch += 1;
    row.owner = node_id;
    row.owner_incarnation = incarnation;
    row.released = false;
    row.changed_ms = now;
    return reply(row);
  }

  std::optional<shard_row> release_shard(int shard, const std::string& node_id,
                                         int64_t incarnation,
                                         int64_t epoch) override {
    clock();
    auto i = shards_.find(shard);
    if (i == shards_.end() || i->second.owner != node_id ||
        i->second.owner_incarnation != incarnation || i->second.epoch != epoch)
      return std::nullopt;
    i->second.released = true;
    return reply(i->second);
  }

  persistence::cluster_view snapshot() override {
    persistence::cluster_view view{members(), {}};
    for (auto& [s, row] : shards_)
      if (row.epoch > 0)
        view.shards.push_back(row);
    return view;
  }

  /// The ownership row of `shard` (epoch 0: never claimed).
  shard_row shard(int shard) const {
    auto i = shards_.find(shard);
    if (i != shards_.end())
      return i->second;
    shard_row never;
    never.shard = shard;
    return never;
  }

  /// The row of `node_id`, or null.
  const member_row* member(const std::string& node_id) const {
    auto i = members_.find(node_id);
    return i == members_.end() ? nullptr : &i->second;
  }

private:
  member_row* find(const std::string& node_id) {
    auto i = members_.find(node_id);
    return i == members_.end() ? nullptr : &i->second;
  }

  int64_t clock() {
    if (fail && fail())
      throw std::runtime_error("membership store unreachable");
    return now_ms();
  }

  template<class Row> Row reply(Row row) {
    if (lose_reply && lose_reply())
      throw std::runtime_error("membership store: reply lost");
    return row;
  }

  static member_row stamped(member_row row, int64_t now) {
    row.db_now_ms = now;
    return row;
  }

  std::map<std::string, member_row> members_;
  std::map<int, shard_row> shards_;
};

} // namespace mall::testing
