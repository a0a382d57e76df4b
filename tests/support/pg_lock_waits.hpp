// How many sessions of a test database wait on a lock: tests that hold a
// row or table wait for this before they go on.
#pragma once

#include <pqxx/pqxx>

#include <string>

namespace mall::test_support {

/// Sessions of `observer`'s database waiting on a lock, counting only
/// statements that start with `statement_prefix` (empty: all).
inline int lock_waiters(pqxx::connection& observer,
                        const std::string& statement_prefix = {}) {
  pqxx::nontransaction tx{observer};
  return tx
      .exec_params("SELECT count(*) FROM pg_stat_activity WHERE "
                   "datname = current_database() AND "
                   "wait_event_type = 'Lock' AND starts_with(query, $1)",
                   statement_prefix)[0][0]
      .as<int>();
}

} // namespace mall::test_support
