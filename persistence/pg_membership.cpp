#include "persistence/pg_membership.hpp"

#include "persistence/journal.hpp"

#include <pqxx/pqxx>

namespace mall::persistence {

namespace {

// -- statements ---------------------------------------------------------------
// Every time comes from clock_timestamp(): the database's clock, read when
// the statement gets there, also after waiting for a row lock.

/// The columns `to_member` reads, in order (`cluster_ms` is migration 200's).
const std::string member_columns =
    " node_id, address, http_address, status, incarnation, version,"
    " cluster_ms(lease_expires_at), cluster_ms(last_alive_at),"
    " cluster_ms(joined_at), cluster_ms(clock_timestamp()), hosts_shards";

/// The columns `to_shard` reads, in order.
const std::string shard_columns = " shard, epoch, owner, owner_incarnation,"
                                  " released, cluster_ms(changed_at)";

// ON CONFLICT locks the existing row and evaluates the WHERE on its newest
// version: of two racing joins, the second sees the first's running lease.
const std::string join_sql = R"sql(
  INSERT INTO cluster_members AS m (node_id, address, http_address, status,
    incarnation, version, lease_expires_at, last_alive_at, joined_at,
    hosts_shards)
  VALUES ($1, $2, $3, 'joining', 1, 1, clock_timestamp() + cluster_lease($4),
    clock_timestamp(), clock_timestamp(), $5)
  ON CONFLICT (node_id) DO UPDATE SET
    address = EXCLUDED.address, http_address = EXCLUDED.http_address,
    hosts_shards = EXCLUDED.hosts_shards,
    status = 'joining', incarnation = m.incarnation + 1,
    version = m.version + 1,
    lease_expires_at = clock_timestamp() + cluster_lease($4),
    last_alive_at = clock_timestamp(), joined_at = clock_timestamp()
  WHERE m.status = 'down' OR m.lease_expires_at <= clock_timestamp()
  RETURNING)sql" + member_columns;

// A concurrent writer of the row (mark_down, expire, a claim taking the
// shards of an expired owner) makes PostgreSQL re-check this WHERE, clock
// included, on the newest version once that writer commits.
const std::string renew_sql = R"sql(
  UPDATE cluster_members SET version = version + 1,
    lease_expires_at = clock_timestamp() + cluster_lease($3),
    last_alive_at = clock_timestamp()
  WHERE node_id = $1 AND incarnation = $2 AND status <> 'down'
    AND lease_expires_at > clock_timestamp()
  RETURNING)sql" + member_columns;

const std::string set_status_sql = R"sql(
  UPDATE cluster_members SET status = $3, version = version + 1
  WHERE node_id = $1 AND version = $2 AND status <> 'down'
    AND ($3 = 'down' OR lease_expires_at > clock_timestamp())
  RETURNING)sql" + member_columns;

const std::string mark_down_sql = R"sql(
  UPDATE cluster_members SET status = 'down', version = version + 1
  WHERE node_id = $1 AND incarnation = $2 AND status <> 'down'
    AND lease_expires_at <= clock_timestamp()
  RETURNING)sql" + member_columns;

// The outer join yields the clock even when there is no member.
const std::string members_sql =
    "SELECT m.node_id IS NOT NULL," + member_columns + R"sql(
  FROM (SELECT 1) AS one LEFT JOIN cluster_members AS m ON true
  ORDER BY node_id)sql";

// Rows are locked in node id order so that concurrent calls cannot deadlock.
const std::string expire_sql = R"sql(
  WITH victims AS (
    SELECT node_id AS victim FROM cluster_members
    WHERE status <> 'down' AND lease_expires_at <= clock_timestamp()
    ORDER BY node_id FOR UPDATE)
  UPDATE cluster_members AS m SET status = 'down', version = m.version + 1
  FROM victims
  WHERE m.node_id = victims.victim AND m.status <> 'down'
    AND m.lease_expires_at <= clock_timestamp()
  RETURNING)sql" + member_columns;

const std::string lock_shard_sql = "SELECT" + shard_columns +
                                   " FROM cluster_shards WHERE shard = $1"
                                   " FOR UPDATE";

const std::string claimer_live_sql = R"sql(
  SELECT 1 FROM cluster_members
  WHERE node_id = $1 AND incarnation = $2 AND status IN ('joining', 'up')
    AND lease_expires_at > clock_timestamp())sql";

const std::string owner_alive_sql = R"sql(
  SELECT 1 FROM cluster_members
  WHERE node_id = $1 AND incarnation = $2 AND status <> 'down')sql";

const std::string take_shard_sql = R"sql(
  UPDATE cluster_shards SET epoch = epoch + 1, owner = $2,
    owner_incarnation = $3, released = false, changed_at = clock_timestamp()
  WHERE shard = $1
  RETURNING)sql" + shard_columns;

const std::string release_shard_sql = R"sql(
  UPDATE cluster_shards SET released = true
  WHERE shard = $1 AND owner = $2 AND owner_incarnation = $3 AND epoch = $4
  RETURNING)sql" + shard_columns;

// Rows of shards never claimed (a refused first claim) have epoch 0.
const std::string shard_sql = "SELECT" + shard_columns +
                              " FROM cluster_shards"
                              " WHERE shard = $1 AND epoch > 0";

const std::string shards_sql = "SELECT" + shard_columns +
                               " FROM cluster_shards WHERE epoch > 0"
                               " ORDER BY shard";

// -- rows ---------------------------------------------------------------------

/// The member in the `member_columns` of `r` that start at column `at`.
member_row to_member(const pqxx::row& r, int at = 0) {
  member_row row;
  row.node_id = r[at].as<std::string>();
  row.address = r[at + 1].as<std::string>();
  row.http_address = r[at + 2].as<std::string>();
  // The table's CHECK constraint admits only known names.
  row.status = parse_member_status(r[at + 3].as<std::string>())
                   .value_or(member_status::down);
  row.incarnation = r[at + 4].as<int64_t>();
  row.version = r[at + 5].as<int64_t>();
  row.lease_expires_ms = r[at + 6].as<int64_t>();
  row.last_alive_ms = r[at + 7].as<int64_t>();
  row.since_ms = r[at + 8].as<int64_t>();
  row.db_now_ms = r[at + 9].as<int64_t>();
  row.hosts_shards = r[at + 10].as<bool>();
  return row;
}

shard_row to_shard(const pqxx::row& r) {
  return shard_row{r[0].as<int>(),         r[1].as<int64_t>(),
                   r[2].as<std::string>(), r[3].as<int64_t>(),
                   r[4].as<bool>(),        r[5].as<int64_t>()};
}

std::optional<member_row> first_member(const pqxx::result& r) {
  if (r.empty())
    return std::nullopt;
  return to_member(r[0]);
}

std::optional<shard_row> first_shard(const pqxx::result& r) {
  if (r.empty())
    return std::nullopt;
  return to_shard(r[0]);
}

membership_view read_members(pqxx::transaction_base& tx) {
  membership_view view;
  for (const auto& row : tx.exec(members_sql)) {
    view.db_now_ms = row[10].as<int64_t>();
    if (row[0].as<bool>())
      view.members.push_back(to_member(row, 1));
  }
  return view;
}

std::vector<shard_row> read_shards(pqxx::transaction_base& tx) {
  std::vector<shard_row> rows;
  for (const auto& row : tx.exec(shards_sql))
    rows.push_back(to_shard(row));
  return rows;
}

int64_t lease_ms(std::chrono::milliseconds lease) {
  return static_cast<int64_t>(lease.count());
}

} // namespace

const std::vector<pg_migration>& pg_membership::migrations() {
  static const std::vector<pg_migration> steps{
      {200, R"sql(
      CREATE FUNCTION cluster_ms(t timestamptz) RETURNS bigint
        LANGUAGE sql IMMUTABLE
        RETURN floor(extract(epoch FROM t) * 1000)::bigint;
      CREATE FUNCTION cluster_lease(ms bigint) RETURNS interval
        LANGUAGE sql IMMUTABLE
        RETURN ms * interval '1 millisecond';
      CREATE TABLE cluster_members (
        node_id text PRIMARY KEY,
        address text NOT NULL,
        http_address text NOT NULL,
        status text NOT NULL
          CHECK (status IN ('joining', 'up', 'leaving', 'down')),
        incarnation bigint NOT NULL,
        version bigint NOT NULL,
        lease_expires_at timestamptz NOT NULL,
        last_alive_at timestamptz NOT NULL,
        joined_at timestamptz NOT NULL
      );
    )sql"},
      {201, R"sql(
      CREATE TABLE cluster_shards (
        shard integer PRIMARY KEY,
        epoch bigint NOT NULL DEFAULT 0,
        owner text NOT NULL DEFAULT '',
        owner_incarnation bigint NOT NULL DEFAULT 0,
        released boolean NOT NULL DEFAULT false,
        changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
    )sql"},
      {202, R"sql(
      ALTER TABLE cluster_members
        ADD COLUMN hosts_shards boolean NOT NULL DEFAULT true;
    )sql"},
  };
  return steps;
}

pg_membership::pg_membership(std::string url, size_t max_connections,
                             std::chrono::milliseconds stall_timeout)
    : pool_(std::move(url), max_connections, [&] {
        auto ms = std::to_string(stall_timeout.count());
        return "SET lock_timeout = " + ms +
               "; SET idle_in_transaction_session_timeout = " + ms +
               "; SET statement_timeout = " + ms;
      }()) {}

template<class F> auto pg_membership::run(const char* what, F&& work) {
  try {
    return pool_.with_connection(std::forward<F>(work));
  } catch (const pqxx::failure& e) {
    throw journal_error{std::string{"membership "} + what + ": " + e.what()};
  }
}

// -- members ------------------------------------------------------------------

std::optional<member_row> pg_membership::join(const std::string& node_id,
                                              const std::string& address,
                                              const std::string& http_address,
                                              std::chrono::milliseconds lease,
                                              bool hosts_shards) {
  return run("join", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    return first_member(tx.exec_params(join_sql, node_id, address, http_address,
                                       lease_ms(lease), hosts_shards));
  });
}

std::optional<member_row>
pg_membership::renew(const std::string& node_id, int64_t incarnation,
                     std::chrono::milliseconds lease) {
  return run("renew", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    return first_member(
        tx.exec_params(renew_sql, node_id, incarnation, lease_ms(lease)));
  });
}

std::optional<member_row> pg_membership::set_status(const std::string& node_id,
                                                    int64_t expected_version,
                                                    member_status status) {
  return run("set_status", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    return first_member(tx.exec_params(set_status_sql, node_id,
                                       expected_version,
                                       std::string{to_string(status)}));
  });
}

std::optional<member_row> pg_membership::mark_down(const std::string& node_id,
                                                   int64_t incarnation) {
  return run("mark_down", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    return first_member(tx.exec_params(mark_down_sql, node_id, incarnation));
  });
}

membership_view pg_membership::members() {
  return run("members", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    return read_members(tx);
  });
}

std::vector<member_row> pg_membership::expire() {
  return run("expire", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    std::vector<member_row> rows;
    for (const auto& row : tx.exec(expire_sql))
      rows.push_back(to_member(row));
    return rows;
  });
}

// -- shards -------------------------------------------------------------------

std::optional<shard_row> pg_membership::claim_shard(int shard,
                                                    const std::string& node_id,
                                                    int64_t incarnation) {
  return run("claim_shard", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    tx.exec_params("INSERT INTO cluster_shards (shard) VALUES ($1)"
                   " ON CONFLICT (shard) DO NOTHING",
                   shard);
    // Holding the shard row serializes the claims of this shard.
    auto current = to_shard(tx.exec_params1(lock_shard_sql, shard));
    if (tx.exec_params(claimer_live_sql, node_id, incarnation).empty())
      return std::optional<shard_row>{};
    bool mine =
        current.owner == node_id && current.owner_incarnation == incarnation;
    if (mine && !current.released)
      return std::optional<shard_row>{current};
    if (!mine && !current.owner.empty() && !current.released) {
      // The owner is dead only if we mark it down now, or it already is down
      // or superseded. A lease that merely looks expired to a read is not
      // enough: a renewal racing with that read could still commit.
      auto marked = tx.exec_params(mark_down_sql, current.owner,
                                   current.owner_incarnation);
      if (marked.empty() && !tx.exec_params(owner_alive_sql, current.owner,
                                            current.owner_incarnation)
                                 .empty())
        return std::optional<shard_row>{};
    }
    auto claimed = first_shard(
        tx.exec_params(take_shard_sql, shard, node_id, incarnation));
    tx.commit();
    return claimed;
  });
}

std::optional<shard_row>
pg_membership::release_shard(int shard, const std::string& node_id,
                             int64_t incarnation, int64_t epoch) {
  return run("release_shard", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    return first_shard(
        tx.exec_params(release_shard_sql, shard, node_id, incarnation, epoch));
  });
}

std::optional<shard_row> pg_membership::shard(int shard) {
  return run("shard", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    return first_shard(tx.exec_params(shard_sql, shard));
  });
}

std::vector<shard_row> pg_membership::shards() {
  return run("shards", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    return read_shards(tx);
  });
}

cluster_view pg_membership::snapshot() {
  return run("snapshot", [&](pqxx::connection& c) {
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx{c};
    cluster_view view{read_members(tx), read_shards(tx)};
    tx.commit();
    return view;
  });
}

} // namespace mall::persistence
