// The event consumers of a node, by name, so operators can restart them.
#pragma once

#include "actors/event_consumer.hpp"

#include "caf/actor.hpp"
#include "caf/actor_system.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace mall::app {

/// Owns the running consumers (projections and policies) of this node.
/// Each is spawned from a factory so that it can be stopped, have its
/// offset changed, and start again (rebuild, rewind).
class consumer_set {
public:
  using factory = std::function<caf::actor()>;
  /// Told about every consumer (re)started, e.g. to list it in the
  /// supervision tree.
  using observer = std::function<void(const std::string&, const caf::actor&)>;

  consumer_set(caf::actor_system& sys, observer on_start)
      : sys_(sys), on_start_(std::move(on_start)) {}

  /// Stops every consumer and waits for them.
  ~consumer_set();

  /// Stops every consumer and waits for them (at shutdown, before the
  /// journal's last flush).
  void stop_all();

  /// Starts `name` with `make` and keeps the factory.
  void start(const std::string& name, factory make);

  /// Keeps the factory of `name` without starting it (see `resume`): a
  /// consumer that runs on one node of the cluster at a time.
  void add(const std::string& name, factory make);

  /// Stops `name` and waits until it is down; `resume` starts it again,
  /// from its durable offset. Nothing happens if it is not running.
  void pause(const std::string& name);

  /// Starts `name` again if it is known and not running.
  void resume(const std::string& name);

  /// Stops `name`, waits until it is down, runs `while_stopped` (e.g. resets
  /// its offset), then starts it again. False when `name` is unknown or not
  /// running here.
  bool restart(const std::string& name,
               const std::function<void()>& while_stopped);

  /// Whether `name` is known (running or not).
  bool known(const std::string& name);

  /// The running consumer `name` (invalid when unknown).
  caf::actor find(const std::string& name);

  /// Names and handles of all consumers.
  std::vector<std::pair<std::string, caf::actor>> all();

private:
  /// False if it did not stop in time.
  bool stop_and_wait(const caf::actor& consumer);

  struct slot {
    factory make;
    caf::actor running;
  };

  caf::actor_system& sys_;
  observer on_start_;
  std::mutex mutex_;
  std::map<std::string, slot> slots_;
};

} // namespace mall::app
