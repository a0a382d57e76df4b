// What one entity actor holds: its aggregate's state and the commands it
// is committing or has queued.
#pragma once

#include "actors/entity_environment.hpp"
#include "actors/entity_messages.hpp"
#include "persistence/journal.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "caf/response_promise.hpp"
#include "caf/stateful_actor.hpp"

namespace mall::actors {

/// A command waiting for the entity: it arrived while the entity was
/// committing a batch.
struct queued_command {
  caf::response_promise promise;
  entity_command cmd;
};

/// A command of the batch being committed and the answer it gets once the
/// batch is durable.
struct batch_member {
  caf::response_promise promise;
  entity_reply reply;
};

/// The commands of a busy entity.
struct write_books {
  /// The batch being committed.
  std::vector<batch_member> batch;
  /// Commands that arrived since, oldest first: the next batch.
  std::vector<queued_command> queued;
};

/// State of `entity_actor<Aggregate>`.
template<class Aggregate> struct entity_state {
  /// The aggregate's state. While a batch is being committed it already
  /// includes the batch's events: nothing outside the batch sees it then,
  /// and a failed commit recovers it again from the journal.
  typename Aggregate::state state;
  /// "<type>|<id>".
  std::string persistence_id;
  /// Sequence number of the last event applied.
  int64_t seq_nr = 0;
  /// Journal position of the last event committed (zero while none was):
  /// every reply carries it as the consistency token.
  persistence::journal_position position;
  /// `await` requests waiting for the state to settle, oldest first.
  std::vector<caf::response_promise> parked;
  int64_t snapshot_seq_nr = 0;
  std::shared_ptr<const entity_environment> env;
  /// While a batch is being committed: its commands, and those that
  /// arrived meanwhile. Null while idle, which most entities are.
  std::unique_ptr<write_books> writing;
  /// Started empty without reading the journal (`recovery_record::
  /// assumed_new`) and not yet confirmed by a commit.
  bool assumed_new = false;

  static inline const char* name = "entity";

  bool busy() const { return writing != nullptr; }

  std::string entity_id() const {
    return persistence_id.substr(
        std::char_traits<char>::length(Aggregate::type_name) + 1);
  }
};

template<class Aggregate>
using entity_actor_type = caf::stateful_actor<entity_state<Aggregate>>;

} // namespace mall::actors
