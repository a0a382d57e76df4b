// The vocabulary every bounded context shares: a rejection, a decision and
// the context a command is decided in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mall::domains {

/// Why a command was refused. `code` is one of API.md's error codes
/// (`invalid_input`, `not_found`, `username_taken`, ...), `message` names the
/// offending field.
struct rejection {
  std::string code;
  std::string message;
};

/// The outcome of `decide`: the events to persist (possibly none, e.g. for an
/// idempotent repeat or a read) or a rejection.
template<class Event> struct decision {
  std::vector<Event> events;
  std::optional<rejection> error;

  static decision accept(std::vector<Event> evs) {
    return decision{std::move(evs), std::nullopt};
  }
  static decision nothing() { return decision{}; }
  static decision reject(std::string code, std::string message) {
    return decision{{}, rejection{std::move(code), std::move(message)}};
  }
  bool rejected() const noexcept { return error.has_value(); }
};

/// What a domain may not obtain by itself: time and identity come in as
/// arguments so that `decide` stays pure and testable.
struct command_context {
  /// The aggregate's id (the entity id the command was routed to).
  std::string entity_id;
  /// Wall-clock time of the command in milliseconds since the epoch.
  int64_t now_ms = 0;
};

/// Formats milliseconds since the epoch as an RFC 3339 UTC timestamp with
/// millisecond precision, e.g. `2026-11-21T23:55:44.123Z`.
std::string rfc3339(int64_t epoch_ms);

} // namespace mall::domains
