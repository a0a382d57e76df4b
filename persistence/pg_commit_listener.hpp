// Commit announcements from the journal writers of other nodes.
#pragma once

#include "persistence/journal.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>

namespace mall::persistence {

/// Listens (LISTEN) on PostgreSQL channel `channel`, where every journal
/// writer of the cluster announces each commit as "tx.offset", and passes
/// each position to `on_commit`, on a thread of its own. A node's consumers
/// are thus woken right after commits of any node, not only its own.
/// Reconnects after an outage (the consumers' poll covers the gap).
class pg_commit_listener {
public:
  pg_commit_listener(std::string url, std::string channel,
                     std::function<void(journal_position)> on_commit);
  ~pg_commit_listener();

  pg_commit_listener(const pg_commit_listener&) = delete;
  pg_commit_listener& operator=(const pg_commit_listener&) = delete;

  /// The position in an announcement; std::nullopt if malformed.
  static std::optional<journal_position> parse(const std::string& payload);

  /// The announcement of `at`.
  static std::string payload(journal_position at);

private:
  void run();

  std::string url_;
  std::string channel_;
  std::function<void(journal_position)> on_commit_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

} // namespace mall::persistence
