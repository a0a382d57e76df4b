#include "app/node_operations.hpp"

#include "actors/runtime_messages.hpp"
#include "domains/common/decision.hpp"
#include "domains/common/json_text.hpp"

#include "caf/send.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

namespace mall::app {

namespace {

net::operation_result failure(std::string code, std::string message) {
  net::operation_result result;
  result.error_code = std::move(code);
  result.error_message = std::move(message);
  return result;
}

/// The API's member status: an `up` member whose lease ran out is
/// `suspect` until another node marks it down.
std::string status_of(const persistence::member_row& m) {
  if (m.status == persistence::member_status::up && !m.lease_valid())
    return "suspect";
  return persistence::to_string(m.status);
}

/// A consumer runs on one node of the cluster: the one serving its shard.
net::operation_result runs_elsewhere(const std::string& name) {
  return failure("unavailable", name + " runs on another node of the "
                                       "cluster; ask that node (GET "
                                       "/admin/actors shows it)");
}

} // namespace

node_operations::node_operations(
    caf::actor_system& sys, actors::entity_router& router,
    consumer_set& consumers, std::shared_ptr<persistence::pg_journal> journal,
    std::shared_ptr<persistence::read_model_store> store,
    std::set<std::string> projections,
    std::shared_ptr<persistence::pg_membership> membership, std::string self)
    : sys_(sys),
      router_(router),
      consumers_(consumers),
      journal_(std::move(journal)),
      store_(std::move(store)),
      projections_(std::move(projections)),
      membership_(std::move(membership)),
      self_(std::move(self)) {}

void node_operations::cluster(done_handler done) {
  boost::asio::post(pool_, [this, done = std::move(done)] {
    try {
      done(cluster_json(membership_->snapshot()));
    } catch (const std::exception& e) {
      done(failure("unavailable", e.what()));
    }
  });
}

void node_operations::leave(std::string node_id, done_handler done) {
  if (node_id.empty())
    node_id = self_;
  boost::asio::post(pool_, [this, node_id, done = std::move(done)] {
    try {
      // The node itself notices `leaving` in the table at its next tick;
      // a concurrent change of its row (a renewal) makes this try again.
      for (int attempt = 0; attempt < 20; ++attempt) {
        auto view = membership_->members();
        auto m = std::find_if(view.members.begin(), view.members.end(),
                              [&](const persistence::member_row& r) {
                                return r.node_id == node_id;
                              });
        if (m == view.members.end())
          return done(failure("not_found", "node_id: no member " + node_id));
        if (m->status == persistence::member_status::up &&
            !membership_->set_status(node_id, m->version,
                                     persistence::member_status::leaving))
          continue;
        net::operation_result result;
        auto status = m->status == persistence::member_status::up
                          ? persistence::member_status::leaving
                          : m->status;
        result.body = {{"node_id", node_id},
                       {"status", persistence::to_string(status)}};
        return done(std::move(result));
      }
      done(failure("unavailable", "the member row keeps changing, retry"));
    } catch (const std::exception& e) {
      done(failure("unavailable", e.what()));
    }
  });
}

net::operation_result
node_operations::cluster_json(const persistence::cluster_view& view) const {
  std::map<std::string, size_t> held;
  auto owners = nlohmann::json::object();
  for (auto& s : view.shards)
    if (!s.released && !s.owner.empty()) {
      owners[std::to_string(s.shard)] = s.owner;
      ++held[s.owner];
    }
  auto members = nlohmann::json::array();
  for (auto& m : view.membership.members)
    members.push_back({{"node_id", m.node_id},
                       {"address", m.address},
                       {"http_address", m.http_address},
                       {"status", status_of(m)},
                       {"incarnation", m.incarnation},
                       {"shard_count", held[m.node_id]},
                       {"hosts_shards", m.hosts_shards},
                       {"since", domains::rfc3339(m.since_ms)}});
  net::operation_result result;
  result.body = {
      {"self", self_},
      {"members", std::move(members)},
      {"shards",
       {{"count", router_.shard_count()}, {"owners", std::move(owners)}}}};
  return result;
}

node_operations::~node_operations() {
  chaos_.stop();
  pool_.join();
}

void node_operations::actor_tree(done_handler done) {
  router_.supervision_tree([done = std::move(done)](nlohmann::json tree) {
    net::operation_result result;
    result.body = std::move(tree);
    done(std::move(result));
  });
}

std::optional<net::operation_result>
node_operations::uncrashable(const std::string& target,
                             const std::string& id) const {
  if (target == "entity") {
    // `id` names the entity as "<type>/<id>", e.g. "product/p_1f".
    auto slash = id.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == id.size())
      return failure("invalid_input", "id: expected <type>/<entity id>");
  } else if (target == "shard") {
    if (id.empty())
      return std::nullopt;
    if (id.size() > 9 || !std::all_of(id.begin(), id.end(), [](char c) {
          return c >= '0' && c <= '9';
        }))
      return failure("invalid_input", "id: expected a shard number");
    if (std::stoul(id) >= router_.shard_count())
      return failure("not_found", "id: no such shard");
  } else if (target == "projection") {
    if (!id.empty() && !consumers_.known(id))
      return failure("not_found", "id: no such projection or policy");
  } else {
    return failure("invalid_input",
                   "target: " + target +
                       " cannot be crashed on purpose yet; use entity, "
                       "shard or projection");
  }
  return std::nullopt;
}

void node_operations::crash(std::string target, std::string id,
                            done_handler done) {
  if (auto why = uncrashable(target, id))
    return done(std::move(*why));
  net::operation_result result;
  auto& crashed = result.body["crashed"] = nlohmann::json::array();
  if (target == "entity") {
    auto slash = id.find('/');
    router_.crash_entity(id.substr(0, slash), id.substr(slash + 1));
    crashed.push_back(id);
  } else if (target == "shard") {
    size_t index = id.empty() ? 0 : std::stoul(id);
    router_.crash_shard(index);
    crashed.push_back("shard-" + std::to_string(index));
  } else if (target == "projection") {
    for (auto& [name, consumer] : consumers_.all())
      if (id.empty() || id == name) {
        caf::anon_send(consumer, actors::crash_atom::value);
        crashed.push_back(name);
      }
    if (crashed.empty())
      return done(failure("not_found", "id: no such projection or policy"));
  }
  done(std::move(result));
}

void node_operations::schedule_chaos(net::chaos_plan plan, done_handler done) {
  for (auto& [target, id] : plan.targets)
    if (auto why = uncrashable(target, id))
      return done(std::move(*why));
  net::operation_result result;
  auto& targets = result.body["targets"] = nlohmann::json::array();
  for (auto& [target, id] : plan.targets)
    targets.push_back(id.empty() ? target : target + ":" + id);
  result.body["status"] = "scheduled";
  result.body["per_second"] = plan.per_second;
  result.body["duration_s"] = plan.duration_s;
  result.body["crashes"] = chaos_.start(std::move(plan));
  done(std::move(result));
}

void node_operations::chaos_status(done_handler done) {
  auto now = chaos_.current();
  net::operation_result result;
  result.body = {{"status", now.running ? "running" : "idle"},
                 {"crashed", now.crashed},
                 {"planned", now.planned}};
  done(std::move(result));
}

void node_operations::stop_chaos(done_handler done) {
  auto stopped = chaos_.stop();
  net::operation_result result;
  result.body = {{"status", stopped.running ? "stopped" : "idle"},
                 {"crashed", stopped.crashed}};
  done(std::move(result));
}

void node_operations::chaos_crash(const std::string& target,
                                  const std::string& id) {
  auto pick = id;
  if (pick.empty() && target == "shard") {
    pick = std::to_string(chaos_rng_() % router_.shard_count());
  } else if (pick.empty() && target == "projection") {
    auto all = consumers_.all();
    if (all.empty())
      return; // none runs on this node now
    pick = all[chaos_rng_() % all.size()].first;
  }
  crash(target, pick, [target, pick](net::operation_result result) {
    if (!result.error_code.empty())
      spdlog::warn("chaos: crash of {} {} failed: {}", target, pick,
                   result.error_message);
    else
      spdlog::info("chaos: crashed {}",
                   domains::dump_json(result.body["crashed"]));
  });
}

void node_operations::rebuild_projection(std::string name, done_handler done) {
  if (projections_.count(name) == 0)
    return done(failure("not_found", "no projection named " + name));
  boost::asio::post(pool_, [this, name, done = std::move(done)] {
    if (!consumers_.restart(name, [&] { store_->reset(name, name); }))
      return done(runs_elsewhere(name));
    net::operation_result result;
    result.body = {{"projection", name}, {"status", "rebuilding"}};
    done(std::move(result));
  });
}

void node_operations::rewind_consumer(std::string name, done_handler done) {
  if (projections_.count(name) != 0 || !consumers_.known(name))
    return done(failure("not_found", "no policy named " + name));
  boost::asio::post(pool_, [this, name, done = std::move(done)] {
    if (!consumers_.restart(name, [&] { journal_->save_offset(name, {}); }))
      return done(runs_elsewhere(name));
    net::operation_result result;
    result.body = {{"consumer", name}, {"status", "rewound"}};
    done(std::move(result));
  });
}

void node_operations::metrics(std::function<void(std::string)> done) {
  std::string text;
  text += "# TYPE mall_journal_commits_total counter\n";
  text += "mall_journal_commits_total " + std::to_string(journal_->commits()) +
          "\n";
  text += "# TYPE mall_journal_conflicts_total counter\n";
  text += "mall_journal_conflicts_total " +
          std::to_string(journal_->conflicts()) + "\n";
  text += "# TYPE mall_journal_failures_total counter\n";
  text += "mall_journal_failures_total " +
          std::to_string(journal_->failures()) + "\n";
  done(std::move(text));
}

} // namespace mall::app
