// What every entity actor of one node shares.
#pragma once

#include "actors/runtime_settings.hpp"
#include "persistence/journal.hpp"

#include <cstdint>
#include <functional>
#include <memory>

namespace mall::actors {

/// The journal, settings and clock shared by all entities of a node (one
/// instance, held by pointer so that an idle entity stays small).
struct entity_environment {
  std::shared_ptr<persistence::journal> journal;
  runtime_settings settings;
  /// Wall-clock milliseconds since the epoch for `command_context::now_ms`;
  /// replaceable so that tests fix time.
  std::function<int64_t()> now_ms;
};

/// The system clock in milliseconds since the epoch (the default `now_ms`).
int64_t system_now_ms();

} // namespace mall::actors
