#define CAF_SUITE actors.read_model_projection
#include "tests/support/caf_test.hpp"

#include "actors/read_model_projection.hpp"
#include "domains/products/catalog_view.hpp"
#include "domains/products/product_aggregate.hpp"
#include "persistence/memory_journal.hpp"

#include <map>

using namespace mall;
using namespace mall::domains::products;

namespace {

/// A read model store in memory that counts the reads of rows.
struct counting_store : persistence::read_model_store {
  std::map<std::string, persistence::read_model_row> rows;
  persistence::journal_position stored;
  size_t reads = 0;
  size_t rows_read = 0;
  size_t rows_written = 0;

  void commit(const std::string&,
              const std::vector<persistence::read_model_row>& changed,
              persistence::journal_position position,
              std::optional<persistence::journal_position> expected) override {
    if (expected && !(*expected == stored))
      throw persistence::journal_error("offset moved on elsewhere");
    for (auto& row : changed)
      rows[row.key] = row;
    rows_written += changed.size();
    stored = position;
  }
  persistence::journal_position offset(const std::string&) override {
    return stored;
  }
  std::optional<persistence::read_model_row>
  find(const std::string&, const std::string& key) override {
    auto i = rows.find(key);
    if (i == rows.end())
      return std::nullopt;
    return i->second;
  }
  std::vector<persistence::read_model_row>
  find_all(const std::string&, const std::vector<std::string>& keys) override {
    ++reads;
    std::vector<persistence::read_model_row> found;
    for (auto& key : keys)
      if (auto i = rows.find(key); i != rows.end()) {
        found.push_back(i->second);
        ++rows_read;
      }
    return found;
  }
  std::optional<persistence::read_model_page>
  list(const std::string&, const std::string&, int,
       const std::string&) override {
    return std::nullopt;
  }
  std::vector<std::string> keys_with_status(const std::string&,
                                            const std::string&,
                                            const std::string&, int) override {
    return {};
  }
  void reset(const std::string&, const std::string&) override {
    rows.clear();
    stored = {};
  }
};

struct fixture {
  std::shared_ptr<counting_store> store = std::make_shared<counting_store>();
  actors::event_consumer_config cfg;
  int64_t offset = 0;
  std::map<std::string, int64_t> seq_nrs;

  explicit fixture(size_t cache_rows = 100) {
    actors::runtime_settings settings;
    settings.projection_cache_rows = cache_rows;
    cfg = actors::read_model_projection<catalog_view, product_aggregate>(
        std::make_shared<persistence::memory_journal>(), store, settings);
    cfg.load_own_offset();
  }

  persistence::event_record event(const std::string& id,
                                  const product_event& e) {
    persistence::event_record rec;
    rec.persistence_id = "product|" + id;
    rec.seq_nr = ++seq_nrs[id];
    rec.type = "any";
    rec.payload = product_aggregate::encode_event(e).dump();
    ++offset;
    rec.position = {offset, offset};
    return rec;
  }

  int64_t stock_of(const std::string& id) {
    return domains::json::parse(store->rows.at(id).doc)
        .at("stock")
        .get<int64_t>();
  }
};

} // namespace

CAF_TEST(rows it committed fold on without being read back) {
  fixture f;
  f.cfg.handle({f.event("p1", product_created{"p1", "Kettle", 100, 5}),
                f.event("p2", product_created{"p2", "Mug", 10, 1})});
  f.cfg.handle({f.event("p1", stock_increased{3, std::nullopt})});
  f.cfg.handle({f.event("p1", stock_decreased{"o1", 2, "Kettle", 100}),
                f.event("p2", stock_increased{4, std::nullopt})});
  CAF_CHECK_EQUAL(f.store->rows_read, 0u);
  CAF_CHECK_EQUAL(f.stock_of("p1"), 6);
  CAF_CHECK_EQUAL(f.stock_of("p2"), 5);
  CAF_CHECK_EQUAL(f.store->stored.offset, f.offset);
}

CAF_TEST(the first event of an entity needs no read) {
  fixture f{0}; // nothing cached
  f.cfg.handle({f.event("p1", product_created{"p1", "Kettle", 100, 5}),
                f.event("p2", product_created{"p2", "Mug", 10, 1})});
  CAF_CHECK_EQUAL(f.store->reads, 0u);
  f.cfg.handle({f.event("p1", stock_increased{1, std::nullopt})});
  CAF_CHECK_EQUAL(f.store->reads, 1u);
  CAF_CHECK_EQUAL(f.stock_of("p1"), 6);
}

CAF_TEST(an event that changes nothing writes no row) {
  fixture f;
  f.cfg.handle({f.event("p1", product_created{"p1", "Kettle", 100, 5})});
  auto written = f.store->rows_written;
  f.cfg.handle({f.event("p1", reservation_voided{"o9"})});
  CAF_CHECK_EQUAL(f.store->rows_written, written);
  CAF_CHECK_EQUAL(f.store->stored.offset, f.offset);
}

CAF_TEST(a restarted runner reads its rows from the store again) {
  fixture f;
  f.cfg.handle({f.event("p1", product_created{"p1", "Kettle", 100, 5})});
  // Another runner moved the row on meanwhile (the store is the truth).
  auto row = f.store->rows.at("p1");
  auto doc = domains::json::parse(row.doc);
  doc["stock"] = 50;
  f.store->rows["p1"].doc = doc.dump();
  f.cfg.load_own_offset();
  f.cfg.handle({f.event("p1", stock_increased{1, std::nullopt})});
  CAF_CHECK_EQUAL(f.store->rows_read, 1u);
  CAF_CHECK_EQUAL(f.stock_of("p1"), 51);
}

CAF_TEST(rows beyond the cache are read back) {
  fixture f{2};
  for (auto id : {"p1", "p2", "p3"})
    f.cfg.handle({f.event(id, product_created{id, "Item", 1, 1})});
  f.cfg.handle({f.event("p1", stock_increased{1, std::nullopt}),
                f.event("p3", stock_increased{1, std::nullopt})});
  CAF_CHECK_EQUAL(f.store->rows_read, 1u); // p1 was evicted, p3 was not
  CAF_CHECK_EQUAL(f.stock_of("p1"), 2);
  CAF_CHECK_EQUAL(f.stock_of("p3"), 2);
}

CAF_TEST(after a refused commit the runner starts again from the store) {
  fixture f;
  f.cfg.handle({f.event("p1", product_created{"p1", "Kettle", 100, 5})});
  f.store->stored = {999, 999}; // another runner committed meanwhile
  bool refused = false;
  try {
    f.cfg.handle({f.event("p1", stock_increased{1, std::nullopt})});
  } catch (const persistence::journal_error&) {
    refused = true;
  }
  CAF_CHECK(refused);
  CAF_CHECK_EQUAL(f.stock_of("p1"), 5);
  f.cfg.load_own_offset();
  f.cfg.handle({f.event("p1", stock_increased{2, std::nullopt})});
  CAF_CHECK_EQUAL(f.stock_of("p1"), 7);
}
