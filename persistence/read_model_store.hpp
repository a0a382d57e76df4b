// Storage of read models (projections) next to the journal.
#pragma once

#include "persistence/journal.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mall::persistence {

/// One row of a read model: a JSON document under a key, optionally owned by
/// a user (for per-customer views), listed newest first by `sort_key`.
struct read_model_row {
  std::string model;
  std::string key;
  /// Whose row it is (empty when public).
  std::string owner;
  /// Rows are listed by (`sort_key`, `key`) descending; compared as text,
  /// so numeric keys must be zero-padded to a fixed width.
  std::string sort_key;
  /// The document as JSON text.
  std::string doc;
  /// The document's top-level `status` (empty when it has none), stored
  /// beside it so that rows can be found by status without parsing `doc`.
  std::string status;
};

/// One page of rows and the cursor of the next one.
struct read_model_page {
  std::vector<read_model_row> rows;
  /// Empty on the last page.
  std::string next_cursor;
};

/// Read models with their consumer offset, changed atomically: a projection
/// stores its rows and its offset in one transaction, so each event takes
/// effect exactly once however often it is delivered.
class read_model_store {
public:
  virtual ~read_model_store() = default;

  /// Upserts `rows` and sets `consumer`'s offset to `position`, atomically.
  /// With `expected`, only if the stored offset still is `expected` (the
  /// zero position when none is stored); otherwise nothing is written and
  /// `journal_error` is thrown: another runner of the consumer moved on, and
  /// this one must start again from the stored offset.
  virtual void
  commit(const std::string& consumer, const std::vector<read_model_row>& rows,
         journal_position position,
         std::optional<journal_position> expected = std::nullopt) = 0;

  /// The offset `consumer` committed last (zero position when never).
  virtual journal_position offset(const std::string& consumer) = 0;

  virtual std::optional<read_model_row> find(const std::string& model,
                                             const std::string& key) = 0;

  /// The rows of `model` among `keys` (in no particular order; keys without
  /// a row are left out), in one round trip.
  virtual std::vector<read_model_row>
  find_all(const std::string& model, const std::vector<std::string>& keys) = 0;

  /// Up to `limit` rows of `model` (only `owner`'s when not empty), newest
  /// first, after `cursor` (a `next_cursor` of an earlier page, or empty).
  /// Returns std::nullopt for a cursor it did not produce.
  virtual std::optional<read_model_page> list(const std::string& model,
                                              const std::string& owner,
                                              int limit,
                                              const std::string& cursor) = 0;

  /// Keys of up to `limit` rows of `model` whose document's top-level
  /// `status` is `status` and whose sort key is below `sort_key_below`,
  /// oldest first (e.g. orders still pending since before a deadline).
  virtual std::vector<std::string>
  keys_with_status(const std::string& model, const std::string& status,
                   const std::string& sort_key_below, int limit) = 0;

  /// Deletes every row of `model` and `consumer`'s offset, atomically, so
  /// the projection replays from the start of the journal.
  virtual void reset(const std::string& consumer, const std::string& model) = 0;
};

} // namespace mall::persistence
