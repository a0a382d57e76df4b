// Versioned schema migrations for PostgreSQL.
#pragma once

#include <pqxx/connection>
#include <string>
#include <vector>

namespace mall::persistence {

/// One step of the schema: applied once, in version order.
struct pg_migration {
  int version = 0;
  std::string sql;
};

/// What `pg_schema::migrate` did.
struct pg_migrate_result {
  /// Versions applied by this call, in order (empty when up to date).
  std::vector<int> applied;
  /// Why migrating stopped; empty on success.
  std::string error;

  bool ok() const { return error.empty(); }
};

/// The database schema as an ordered list of migrations. `migrate` applies
/// the missing ones, each in its own transaction, under an advisory lock so
/// that nodes starting at the same time migrate once. Applied versions are
/// recorded in `schema_migrations(version, applied_at)`.
class pg_schema {
public:
  /// The journal, snapshots and consumer offsets.
  static const std::vector<pg_migration>& journal_migrations();

  /// A schema of `migrations` (versions unique, ascending).
  explicit pg_schema(
      std::vector<pg_migration> migrations = journal_migrations());

  /// Brings the database behind `connection` up to date.
  pg_migrate_result migrate(pqxx::connection& connection) const;

  /// Opens `url` and migrates it.
  pg_migrate_result migrate(const std::string& url) const;

private:
  std::vector<pg_migration> migrations_;
};

} // namespace mall::persistence
