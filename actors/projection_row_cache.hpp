// The rows a projection committed last, kept so that folding the next event
// of an entity does not read its row back from the database.
#pragma once

#include "domains/common/view_row.hpp"

#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

namespace mall::actors {

/// Rows by key, at most `capacity` of them (the least recently put go
/// first). Only true while its projection runner is the only writer of the
/// rows: the runner clears it whenever it starts again from the stored
/// offset, and puts rows back only once they are committed.
class projection_row_cache {
public:
  explicit projection_row_cache(size_t capacity) : capacity_(capacity) {}

  /// Removes and returns the row under `key`, if cached.
  std::optional<domains::view_row> take(const std::string& key) {
    auto i = rows_.find(key);
    if (i == rows_.end())
      return std::nullopt;
    auto row = std::move(i->second);
    rows_.erase(i);
    return row;
  }

  void put(domains::view_row row) {
    auto key = row.key;
    rows_.insert_or_assign(key, std::move(row));
    order_.push_back(std::move(key));
    // A key put again stays listed under its older put too: evicting by the
    // list bounds both, at worst dropping a row early.
    while (order_.size() > capacity_) {
      rows_.erase(order_.front());
      order_.pop_front();
    }
  }

  void clear() {
    rows_.clear();
    order_.clear();
  }

  size_t size() const { return rows_.size(); }

private:
  size_t capacity_;
  std::unordered_map<std::string, domains::view_row> rows_;
  /// Keys in the order they were put.
  std::deque<std::string> order_;
};

} // namespace mall::actors
