// Runs a pure view fold (domains/<context>/*_view.hpp) over the journal into
// a read_model_store, exactly once per event.
#pragma once

#include "actors/event_consumer.hpp"
#include "domains/common/aggregate.hpp"
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
  // The offset this runner started from and has committed since: a commit
  // only lands if the store still has it, so a second runner (a node that
  // froze with a batch in hand while another took the projection over)
  // can never write stale rows.
  auto committed = std::make_shared<persistence::journal_position>();
  cfg.load_own_offset = [store, name, committed] {
    *committed = store->offset(name);
    return *committed;
  };
  cfg.handle = [store, name, prefix, on_progress, committed](
                   const std::vector<persistence::event_record>& batch) {
    if (batch.empty())
      return;
    // Rows touched by this batch, read in one query, so that several events
    // of one entity fold on top of each other before the single commit.
    std::map<std::string, std::optional<domains::view_row>> touched;
    for (const auto& rec : batch)
      if (rec.persistence_id.compare(0, prefix.size(), prefix) == 0)
        touched.emplace(rec.persistence_id.substr(prefix.size()), std::nullopt);
    std::vector<std::string> ids;
    for (auto& [id, row] : touched)
      ids.push_back(id);
    if (!ids.empty())
      for (auto& stored : store->find_all(name, ids))
        touched[stored.key] =
            domains::view_row{stored.key, stored.owner, stored.sort_key,
                              domains::json::parse(stored.doc)};
    for (const auto& rec : batch) {
      if (rec.persistence_id.compare(0, prefix.size(), prefix) != 0)
        continue;
      auto& row = touched[rec.persistence_id.substr(prefix.size())];
      auto event = Aggregate::decode_event(domains::json::parse(rec.payload));
      if (auto after = View::fold(row, rec.persistence_id.substr(prefix.size()),
                                  event, rec.position.offset))
        row = std::move(after);
    }
    std::vector<persistence::read_model_row> rows;
    for (auto& [id, row] : touched)
      if (row)
        rows.push_back(
            {name, row->key, row->owner, row->sort_key, row->doc.dump()});
    store->commit(name, rows, batch.back().position, *committed);
    *committed = batch.back().position;
    if (on_progress)
      on_progress(batch.back().position);
  };
  return cfg;
}

} // namespace mall::actors
