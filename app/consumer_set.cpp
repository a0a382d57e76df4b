#include "app/consumer_set.hpp"

#include "actors/actor_shutdown.hpp"

namespace mall::app {

consumer_set::~consumer_set() {
  stop_all();
}

void consumer_set::stop_all() {
  std::lock_guard<std::mutex> guard{mutex_};
  for (auto& [name, s] : slots_) {
    stop_and_wait(s.running);
    s.running = nullptr;
  }
}

bool consumer_set::stop_and_wait(const caf::actor& consumer) {
  return !consumer ||
         actors::stop_actor(sys_, consumer, std::chrono::seconds(30));
}

void consumer_set::start(const std::string& name, factory make) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto running = make();
  on_start_(name, running);
  slots_[name] = slot{std::move(make), std::move(running)};
}

void consumer_set::add(const std::string& name, factory make) {
  std::lock_guard<std::mutex> guard{mutex_};
  slots_[name] = slot{std::move(make), nullptr};
}

void consumer_set::pause(const std::string& name) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto i = slots_.find(name);
  if (i == slots_.end() || !i->second.running)
    return;
  // One that did not stop stays listed, so that `resume` never starts a
  // second copy next to it.
  if (stop_and_wait(i->second.running))
    i->second.running = nullptr;
}

void consumer_set::resume(const std::string& name) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto i = slots_.find(name);
  if (i == slots_.end() || i->second.running)
    return;
  i->second.running = i->second.make();
  on_start_(name, i->second.running);
}

bool consumer_set::known(const std::string& name) {
  std::lock_guard<std::mutex> guard{mutex_};
  return slots_.count(name) != 0;
}

bool consumer_set::restart(const std::string& name,
                           const std::function<void()>& while_stopped) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto i = slots_.find(name);
  if (i == slots_.end() || !i->second.running)
    return false;
  stop_and_wait(i->second.running);
  while_stopped();
  i->second.running = i->second.make();
  on_start_(name, i->second.running);
  return true;
}

caf::actor consumer_set::find(const std::string& name) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto i = slots_.find(name);
  return i == slots_.end() ? caf::actor{} : i->second.running;
}

std::vector<std::pair<std::string, caf::actor>> consumer_set::all() {
  std::lock_guard<std::mutex> guard{mutex_};
  std::vector<std::pair<std::string, caf::actor>> result;
  for (auto& [name, s] : slots_)
    if (s.running)
      result.emplace_back(name, s.running);
  return result;
}

} // namespace mall::app
