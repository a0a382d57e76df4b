#include "persistence/pg_read_model_store.hpp"

#include "persistence/pg_array_literal.hpp"
#include "persistence/pg_prepared.hpp"

#include <pqxx/pqxx>

#include <regex>

namespace mall::persistence {

namespace {

/// Cursor = "<sort_key>.<key>" of the last row of the previous page.
const std::regex cursor_format{"([0-9]{1,40})\\.([A-Za-z0-9_-]{1,64})"};

read_model_row to_row(const pqxx::row& r) {
  return read_model_row{r[0].as<std::string>(), r[1].as<std::string>(),
                        r[2].as<std::string>(), r[3].as<std::string>(),
                        r[4].as<std::string>(), r[5].as<std::string>()};
}

} // namespace

const std::vector<pg_migration>& pg_read_model_store::migrations() {
  static const std::vector<pg_migration> steps{
      {100, R"sql(
      CREATE TABLE read_models (
        model text NOT NULL,
        key text NOT NULL,
        owner text NOT NULL DEFAULT '',
        sort_key text NOT NULL,
        doc jsonb NOT NULL,
        PRIMARY KEY (model, key)
      );
      CREATE INDEX read_models_by_owner
        ON read_models (model, owner, sort_key DESC, key DESC);
      CREATE INDEX read_models_by_sort
        ON read_models (model, sort_key DESC, key DESC);
      CREATE INDEX read_models_by_status
        ON read_models (model, (doc->>'status'), sort_key);
    )sql"},
      // The status index cost a third of every upsert, and while the
      // statistics lagged behind the growing table PostgreSQL took it for
      // `model = ...` alone and filtered thousands of rows by key or owner.
      // Only the order timeout sweeper asks by status, for pending rows:
      // those alone are indexed now.
      {101, R"sql(
      DROP INDEX read_models_by_status;
      CREATE INDEX read_models_pending ON read_models (model, sort_key)
        WHERE doc->>'status' = 'pending';
    )sql"},
      // An index on an expression over `doc` makes every update of a row
      // write a new entry into each of its indexes (no HOT update), though
      // most updates (stock of a product, delivery of an order) change
      // neither the status nor a key; and parsing every document into jsonb
      // took an eighth of a projection's commit. PostgreSQL never looks
      // inside a document: it is stored as the text the projection wrote,
      // with its status in a column of its own, and pages keep room for
      // updated rows next to the old ones.
      {102, R"sql(
      DROP INDEX read_models_pending;
      ALTER TABLE read_models ALTER COLUMN doc TYPE text,
        ADD COLUMN status text NOT NULL DEFAULT '',
        SET (fillfactor = 70);
      UPDATE read_models SET status = COALESCE(doc::jsonb->>'status', '');
      CREATE INDEX read_models_pending ON read_models (model, sort_key)
        WHERE status = 'pending';
    )sql"},
  };
  return steps;
}

template<class F> auto pg_read_model_store::with(lane& l, F&& work) {
  std::lock_guard<std::mutex> guard{l.mutex};
  if (!l.connection || !l.connection->is_open())
    l.connection = std::make_unique<pqxx::connection>(url_);
  try {
    return work(*l.connection);
  } catch (const pqxx::broken_connection& e) {
    l.connection.reset();
    throw journal_error{std::string{"read model store: "} + e.what()};
  } catch (const pqxx::sql_error& e) {
    throw journal_error{std::string{"read model store: "} + e.what()};
  }
}

pg_read_model_store::pg_read_model_store(std::string url)
    : url_(std::move(url)) {
  // Fail at start, not at the first event, when the database is unreachable.
  with(writer_, [](pqxx::connection&) { return 0; });
}

void pg_read_model_store::commit(const std::string& consumer,
                                 const std::vector<read_model_row>& rows,
                                 journal_position position,
                                 std::optional<journal_position> expected) {
  std::vector<std::string> models, keys, owners, sort_keys, docs, statuses;
  for (const auto& row : rows) {
    models.push_back(row.model);
    keys.push_back(row.key);
    owners.push_back(row.owner);
    sort_keys.push_back(row.sort_key);
    docs.push_back(row.doc);
    statuses.push_back(row.status);
  }
  // With no `expected`, any stored offset passes.
  bool check = expected.has_value();
  auto from = expected.value_or(journal_position{});
  auto written = with(writer_, [&](pqxx::connection& c) {
    // One statement is one transaction: the check, the offset and the rows
    // land together, in a single round trip. The offset moves first, and
    // only from `expected`: a new offset row only when zero is expected, an
    // existing one only if it still holds `expected` (ON CONFLICT checks its
    // newest version; a concurrent first commit makes this insert wait for
    // it and then conflict). The rows are written only if the offset moved.
    pqxx::nontransaction tx{c};
    auto r = exec_prepared(
        tx, "read_model_commit",
        "WITH moved AS ("
        " INSERT INTO consumer_offsets (consumer, tx, global_offset)"
        " SELECT $6, $7, $8 WHERE NOT $9 OR ($10 = 0 AND $11 = 0) OR EXISTS"
        "  (SELECT 1 FROM consumer_offsets WHERE consumer = $6)"
        " ON CONFLICT (consumer) DO UPDATE SET"
        " tx = EXCLUDED.tx, global_offset = EXCLUDED.global_offset,"
        " updated_at = now()"
        " WHERE NOT $9 OR (consumer_offsets.tx = $10 AND"
        "  consumer_offsets.global_offset = $11)"
        " RETURNING 1),"
        " upserted AS ("
        " INSERT INTO read_models (model, key, owner, sort_key, doc, status)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::text[],"
        "  $4::text[], $5::text[], $12::text[])"
        " WHERE EXISTS (SELECT 1 FROM moved)"
        " ON CONFLICT (model, key) DO UPDATE SET owner = EXCLUDED.owner,"
        " sort_key = EXCLUDED.sort_key, doc = EXCLUDED.doc,"
        " status = EXCLUDED.status RETURNING 1)"
        " SELECT count(*) FROM moved",
        pg_array_literal(models), pg_array_literal(keys),
        pg_array_literal(owners), pg_array_literal(sort_keys),
        pg_array_literal(docs), consumer, position.tx, position.offset, check,
        from.tx, from.offset, pg_array_literal(statuses));
    return r[0][0].as<int64_t>();
  });
  if (written == 0)
    throw journal_error("read model " + consumer +
                        ": its offset moved on elsewhere; start again from "
                        "the stored one");
}

journal_position pg_read_model_store::offset(const std::string& consumer) {
  return with(reader_, [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    auto r = exec_prepared(
        tx, "read_model_offset",
        "SELECT tx, global_offset FROM consumer_offsets WHERE consumer = $1",
        consumer);
    if (r.empty())
      return journal_position{};
    return journal_position{r[0][0].as<int64_t>(), r[0][1].as<int64_t>()};
  });
}

std::optional<read_model_row>
pg_read_model_store::find(const std::string& model, const std::string& key) {
  return with(reader_, [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    auto r = tx.exec_params("SELECT model, key, owner, sort_key, doc, status "
                            "FROM read_models WHERE model = $1 AND key = $2",
                            model, key);
    if (r.empty())
      return std::optional<read_model_row>{};
    return std::optional<read_model_row>{to_row(r[0])};
  });
}

std::vector<read_model_row>
pg_read_model_store::find_all(const std::string& model,
                              const std::vector<std::string>& keys) {
  return with(reader_, [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    // One primary-key lookup per key, whatever the statistics say.
    auto r = exec_prepared(
        tx, "read_model_find_all",
        "SELECT r.model, r.key, r.owner, r.sort_key, r.doc, r.status "
        "FROM unnest($2::text[]) AS wanted(key) CROSS JOIN LATERAL ("
        " SELECT * FROM read_models"
        " WHERE model = $1 AND key = wanted.key) r",
        model, pg_array_literal(keys));
    std::vector<read_model_row> rows;
    for (const auto& row : r)
      rows.push_back(to_row(row));
    return rows;
  });
}

std::optional<read_model_page>
pg_read_model_store::list(const std::string& model, const std::string& owner,
                          int limit, const std::string& cursor) {
  std::string after_sort;
  std::string after_key;
  if (!cursor.empty()) {
    std::smatch m;
    if (!std::regex_match(cursor, m, cursor_format))
      return std::nullopt;
    after_sort = m[1];
    after_key = m[2];
  }
  return with(reader_, [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    // Only the conditions that apply, so that the plan is plainly the
    // owner's or the model's index in list order. One row more than asked
    // tells whether there is a next page.
    std::string sql = "SELECT model, key, owner, sort_key, doc, status "
                      "FROM read_models WHERE model = $1";
    sql += owner.empty() ? " AND $2 = ''" : " AND owner = $2";
    sql += after_sort.empty() ? " AND $3 = '' AND $4 = ''"
                              : " AND (sort_key, key) < ($3, $4)";
    sql += " ORDER BY sort_key DESC, key DESC LIMIT $5";
    auto r =
        tx.exec_params(sql, model, owner, after_sort, after_key, limit + 1);
    read_model_page page;
    for (const auto& row : r) {
      if (static_cast<int>(page.rows.size()) == limit) {
        const auto& last = page.rows.back();
        page.next_cursor = last.sort_key + "." + last.key;
        break;
      }
      page.rows.push_back(to_row(row));
    }
    return std::optional<read_model_page>{std::move(page)};
  });
}

std::vector<std::string> pg_read_model_store::keys_with_status(
    const std::string& model, const std::string& status,
    const std::string& sort_key_below, int limit) {
  return with(reader_, [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    // A custom plan (unnamed statement) sees the literal status and so can
    // use the partial index of pending rows.
    auto r = tx.exec_params(
        "SELECT key FROM read_models WHERE model = $1 AND status = $2 "
        "AND sort_key < $3 ORDER BY sort_key, key LIMIT $4",
        model, status, sort_key_below, limit);
    std::vector<std::string> keys;
    for (const auto& row : r)
      keys.push_back(row[0].as<std::string>());
    return keys;
  });
}

void pg_read_model_store::reset(const std::string& consumer,
                                const std::string& model) {
  with(writer_, [&](pqxx::connection& c) {
    pqxx::work tx{c};
    tx.exec_params("DELETE FROM read_models WHERE model = $1", model);
    tx.exec_params("DELETE FROM consumer_offsets WHERE consumer = $1",
                   consumer);
    tx.commit();
    return 0;
  });
}

} // namespace mall::persistence
