// Statements that run hundreds of times a second, planned once per
// connection instead of on every call.
#pragma once

#include <pqxx/pqxx>

#include <string>
#include <utility>

namespace mall::persistence {

/// Runs `sql` on `tx` as the prepared statement `name` of its connection,
/// defining it on first use (also on a new connection after a reconnect).
/// PostgreSQL plans an unnamed statement anew each time, which for the
/// journal's short lookups cost more than running them. Only for
/// statements whose plan suits every parameter value.
template<class... Args>
pqxx::result exec_prepared(pqxx::transaction_base& tx, const char* name,
                           const std::string& sql, Args&&... args) {
  // Defining the same name with the same text again changes nothing.
  tx.conn().prepare(name, sql);
  return tx.exec_prepared(name, std::forward<Args>(args)...);
}

} // namespace mall::persistence
