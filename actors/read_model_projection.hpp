// Runs a pure view fold (domains/<context>/*_view.hpp) over the journal into
// a read_model_store, exactly once per event.
#pragma once

#include "actors/event_consumer.hpp"
#include "actors/projection_row_cache.hpp"
#include "domains/common/aggregate.hpp"
#include "domains/common/json_text.hpp"
#include "domains/common/view_row.hpp"
#include "persistence/read_model_store.hpp"

#include <spdlog/spdlog.h>

#include <functional>
#include <map>
#include <memory>

namespace mall::actors {

/// Called after each batch is committed with the projection's new offset.
using projection_progress = std::function<void(persistence::journal_position)>;

/// An event consumer that folds the events of `Aggregate` with `View::fold`
/// and commits the changed rows together with its offset, so a replayed
/// batch cannot apply twice. The consumer's name is `View::name`; rows go to
/// model `View::name`.
template<class View, class Aggregate>
event_consumer_config
read_model_projection(std::shared_ptr<persistence::journal> journal,
                      std::shared_ptr<persistence::read_model_store> store,
                      runtime_settings settings,
                      projection_progress on_progress = {}) {
  const std::string name = View::name;
  const std::string prefix = std::string{Aggregate::type_name} + "|";
  event_consumer_config cfg;
  cfg.name = name;
  cfg.journal = std::move(journal);
  cfg.settings = settings;
  cfg.min_read_interval = settings.projection_read_interval;
  // The offset this runner started from and has committed since: a commit
  // only lands if the store still has it, so a second runner (a node that
  // froze with a batch in hand while another took the projection over)
  // can never write stale rows.
  auto committed = std::make_shared<persistence::journal_position>();
  auto cache =
      std::make_shared<projection_row_cache>(settings.projection_cache_rows);
  cfg.load_own_offset = [store, name, committed, cache] {
    cache->clear();
    *committed = store->offset(name);
    return *committed;
  };
  cfg.handle = [store, name, prefix, on_progress, committed,
                cache](const std::vector<persistence::event_record>& batch) {
    if (batch.empty())
      return;
    // The rows this batch touches, so that several events of one entity
    // fold on top of each other before the single commit: from the cache,
    // or else read in one query.
    struct touched_row {
      std::optional<domains::view_row> row;
      bool changed = false;
    };
    std::map<std::string, touched_row> touched;
    std::vector<std::string> missing;
    for (const auto& rec : batch) {
      if (rec.persistence_id.compare(0, prefix.size(), prefix) != 0)
        continue;
      auto id = rec.persistence_id.substr(prefix.size());
      if (touched.count(id) != 0)
        continue;
      auto cached = cache->take(id);
      // No row can exist before an entity's first event: rows only hold
      // events up to the stored offset, which is before this one.
      if (!cached && rec.seq_nr != 1)
        missing.push_back(id);
      touched.emplace(std::move(id), touched_row{std::move(cached)});
    }
    if (!missing.empty())
      for (auto& stored : store->find_all(name, missing))
        touched[stored.key].row =
            domains::view_row{stored.key, stored.owner, stored.sort_key,
                              domains::parse_json(stored.doc)};
    for (const auto& rec : batch) {
      if (rec.persistence_id.compare(0, prefix.size(), prefix) != 0)
        continue;
      auto id = rec.persistence_id.substr(prefix.size());
      auto& entry = touched[id];
      auto event = Aggregate::decode_event(domains::parse_json(rec.payload));
      if (auto after = View::fold(entry.row, id, event, rec.position.offset)) {
        entry.row = std::move(after);
        entry.changed = true;
      }
    }
    std::vector<persistence::read_model_row> rows;
    for (auto& [id, entry] : touched)
      if (entry.changed)
        rows.push_back({name, entry.row->key, entry.row->owner,
                        entry.row->sort_key, domains::dump_json(entry.row->doc),
                        domains::status_of(entry.row->doc)});
    store->commit(name, rows, batch.back().position, *committed);
    *committed = batch.back().position;
    for (auto& [id, entry] : touched)
      if (entry.row)
        cache->put(std::move(*entry.row));
    if (on_progress)
      on_progress(batch.back().position);
  };
  return cfg;
}

} // namespace mall::actors
