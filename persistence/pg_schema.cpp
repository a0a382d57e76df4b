#include "persistence/pg_schema.hpp"

#include <pqxx/pqxx>
#include <set>
#include <spdlog/spdlog.h>

namespace mall::persistence {

namespace {

// Any constant shared by every node; "mall" in ASCII.
constexpr const char* migration_lock_key = "1835101292";

} // namespace

const std::vector<pg_migration>& pg_schema::journal_migrations() {
  static const std::vector<pg_migration> migrations{
      {1, R"sql(
      CREATE TABLE journal (
        global_offset bigserial NOT NULL,
        tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
        persistence_id text NOT NULL,
        seq_nr bigint NOT NULL,
        event_type text NOT NULL,
        payload text NOT NULL,
        trace_id text NOT NULL DEFAULT '',
        written_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (persistence_id, seq_nr)
      );
      -- Consumers read in commit order: (tx, global_offset).
      CREATE INDEX journal_commit_order ON journal (tx, global_offset);
    )sql"},
      {2, R"sql(
      CREATE TABLE snapshots (
        persistence_id text PRIMARY KEY,
        seq_nr bigint NOT NULL,
        payload text NOT NULL,
        written_at timestamptz NOT NULL DEFAULT now()
      );
    )sql"},
      {3, R"sql(
      CREATE TABLE consumer_offsets (
        consumer text PRIMARY KEY,
        tx bigint NOT NULL,
        global_offset bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    )sql"},
  };
  return migrations;
}

pg_schema::pg_schema(std::vector<pg_migration> migrations)
    : migrations_(std::move(migrations)) {}

pg_migrate_result pg_schema::migrate(pqxx::connection& connection) const {
  pg_migrate_result result;
  try {
    pqxx::nontransaction session{connection};
    // Session lock: held across the per-migration transactions below and
    // released on every path, including when the connection dies.
    session.exec(std::string{"SELECT pg_advisory_lock("} + migration_lock_key +
                 ")");
    session.commit();
    try {
      {
        pqxx::work tx{connection};
        tx.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version integer PRIMARY KEY, "
                "applied_at timestamptz NOT NULL DEFAULT now())");
        tx.commit();
      }
      std::set<int> done;
      {
        pqxx::read_transaction tx{connection};
        for (auto row : tx.exec("SELECT version FROM schema_migrations"))
          done.insert(row[0].as<int>());
      }
      for (auto& migration : migrations_) {
        if (done.count(migration.version) != 0)
          continue;
        pqxx::work tx{connection};
        tx.exec(migration.sql);
        tx.exec_params("INSERT INTO schema_migrations (version) VALUES ($1)",
                       migration.version);
        tx.commit();
        result.applied.push_back(migration.version);
        spdlog::info("schema migration {} applied", migration.version);
      }
    } catch (const std::exception& e) {
      result.error = e.what();
    }
    pqxx::nontransaction unlock{connection};
    unlock.exec(std::string{"SELECT pg_advisory_unlock("} + migration_lock_key +
                ")");
  } catch (const std::exception& e) {
    if (result.error.empty())
      result.error = e.what();
  }
  if (!result.ok())
    spdlog::error("schema migration failed: {}", result.error);
  return result;
}

pg_migrate_result pg_schema::migrate(const std::string& url) const {
  try {
    pqxx::connection connection{url};
    return migrate(connection);
  } catch (const std::exception& e) {
    pg_migrate_result result;
    result.error = e.what();
    return result;
  }
}

} // namespace mall::persistence
