// read_model_store on PostgreSQL.
#pragma once

#include "persistence/pg_schema.hpp"
#include "persistence/read_model_store.hpp"

#include <memory>
#include <mutex>
#include <pqxx/connection>

namespace mall::persistence {

/// Read models in the table `read_models`, offsets in `consumer_offsets`
/// (shared with the journal's consumers). Sort keys must be digits (they form
/// the cursor). One connection for the projection's writes and one for
/// reads, so that lists never wait behind a batch.
class pg_read_model_store : public read_model_store {
public:
  /// The schema steps this store needs (append to the journal's).
  static const std::vector<pg_migration>& migrations();

  explicit pg_read_model_store(std::string url);

  void commit(const std::string& consumer,
              const std::vector<read_model_row>& rows,
              journal_position position,
              std::optional<journal_position> expected = std::nullopt) override;
  journal_position offset(const std::string& consumer) override;
  std::optional<read_model_row> find(const std::string& model,
                                     const std::string& key) override;
  std::vector<read_model_row>
  find_all(const std::string& model,
           const std::vector<std::string>& keys) override;
  std::optional<read_model_page> list(const std::string& model,
                                      const std::string& owner, int limit,
                                      const std::string& cursor) override;
  /// Indexed for `pending` only (the order timeout sweeper); other
  /// statuses scan the model's rows.
  std::vector<std::string> keys_with_status(const std::string& model,
                                            const std::string& status,
                                            const std::string& sort_key_below,
                                            int limit) override;
  void reset(const std::string& consumer, const std::string& model) override;

private:
  /// A connection that reopens itself after a failure.
  struct lane {
    std::mutex mutex;
    std::unique_ptr<pqxx::connection> connection;
  };

  /// Runs `work` on `l`'s connection under its lock, reconnecting first when
  /// the connection was lost.
  template<class F> auto with(lane& l, F&& work);

  std::string url_;
  lane writer_;
  lane reader_;
};

} // namespace mall::persistence
