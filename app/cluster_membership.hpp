// Keeps this node a member of the cluster table in PostgreSQL.
#pragma once

#include "persistence/pg_membership.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mall::app {

/// Who this node is in the cluster table.
struct cluster_membership_options {
  std::string node_id;
  /// host:port of the cluster (CAF middleman) listener.
  std::string address;
  /// host:port of the HTTP gateway.
  std::string http_address;
  std::chrono::milliseconds lease{1000};
  size_t shard_count = 64;
};

/// A thread that joins the cluster table as a new incarnation, sets itself
/// `up`, claims its shards and renews its lease every third of it. Until
/// shards move between nodes (issue 4), a node claims every shard: a second
/// process with the same database cannot claim them while this one lives.
///
/// `serving()` is true only while the lease is valid, counted on this
/// node's steady clock from when the last successful join or renewal was
/// *sent*: the database started the lease later, so this node always stops
/// first (fencing). A refused renewal (the lease expired, e.g. after a
/// SIGSTOP) makes it join again as a fresh incarnation. The destructor
/// releases its shards and marks it `down`.
class cluster_membership {
public:
  cluster_membership(std::shared_ptr<persistence::pg_membership> table,
                     cluster_membership_options options);
  ~cluster_membership();

  cluster_membership(const cluster_membership&) = delete;
  cluster_membership& operator=(const cluster_membership&) = delete;

  /// Cheap and thread-safe: called for every command.
  bool serving() const;

  /// Blocks until `serving()` or `timeout`; returns `serving()`. A node
  /// restarted after a crash waits here for its old lease to run out.
  bool wait_until_serving(std::chrono::milliseconds timeout) const;

  /// The incarnation held now (0 before the first join).
  int64_t incarnation() const { return incarnation_.load(); }

private:
  using clock = std::chrono::steady_clock;

  void run();
  /// Joins, sets `up` and claims the shards; true when all of that worked.
  bool join(clock::time_point sent);
  /// Claims the shards not held yet, in order; false when one is refused.
  bool claim_missing();
  void renew(clock::time_point sent);
  void leave();
  void fence();

  std::shared_ptr<persistence::pg_membership> table_;
  cluster_membership_options options_;

  /// Thread only: the row version and the shards held with their epochs.
  int64_t version_ = 0;
  std::vector<persistence::shard_row> shards_;
  bool joined_ = false;
  bool outage_logged_ = false;

  std::atomic<int64_t> incarnation_{0};
  /// Steady-clock nanoseconds until which this node may serve.
  std::atomic<int64_t> serving_until_{0};

  std::mutex mtx_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace mall::app
