#include "actors/cluster_node.hpp"

#include "actors/shard_allocation.hpp"

#include <algorithm>

namespace mall::actors {

cluster_node::cluster_node(std::string node_id, size_t shard_count,
                           lease_rules rules)
    : id_(std::move(node_id)),
      rules_(rules),
      phases_(shard_count, shard_phase::idle),
      phase_since_ms_(shard_count, never),
      claim_versions_(shard_count, 0) {
  // nop
}

// -- inputs -------------------------------------------------------------------

node_plan cluster_node::step(const cluster_snapshot& view, int64_t now_ms) {
  node_plan plan;
  if (left_)
    return plan;
  auto* own = view.member(id_);
  // Someone marked this incarnation down (or it was replaced): whatever the
  // lease says, the others may already have taken its shards.
  if (is_member() && own != nullptr &&
      (own->incarnation > incarnation_ || (own->incarnation == incarnation_ &&
                                           own->status == member_status::down)))
    lose_incarnation();
  if (left_)
    return plan;
  plan_mark_downs(view, now_ms, plan);
  plan_membership(own, now_ms, plan);
  if (is_member() && view.claims.size() == phases_.size())
    plan_shards(view, now_ms, plan);
  return plan;
}

void cluster_node::on_reply(const cluster_request& request,
                            const cluster_reply& reply) {
  if (auto* r = std::get_if<join_request>(&request)) {
    join_sent_ms_ = never;
    if (reply.ok && !is_member() && !left_) {
      incarnation_ = r->incarnation;
      lease_expiry_ms_ = r->lease_expiry_ms;
      last_renewal_ms_ = r->lease_expiry_ms - rules_.lease_ms;
    }
  } else if (auto* r = std::get_if<renew_request>(&request)) {
    if (r->incarnation != incarnation_ || !is_member())
      return;
    if (reply.ok)
      lease_expiry_ms_ = std::max(lease_expiry_ms_, r->lease_expiry_ms);
    else
      lose_incarnation();
  } else if (auto* r = std::get_if<status_request>(&request)) {
    if (r->incarnation != incarnation_ || !is_member())
      return;
    status_sent_ms_ = never;
    if (reply.ok && r->status == member_status::down) {
      left_ = true;
      lose_incarnation();
    }
  } else if (auto* r = std::get_if<claim_request>(&request)) {
    if (r->incarnation != incarnation_ || !is_member() ||
        phases_.at(r->shard) != shard_phase::claiming)
      return;
    if (reply.ok) {
      phases_[r->shard] = shard_phase::serving;
      claim_versions_[r->shard] = reply.version;
    } else {
      phases_[r->shard] = shard_phase::idle;
    }
  } else if (auto* r = std::get_if<release_request>(&request)) {
    // Released or taken over: either way the shard is not ours any more.
    if (r->incarnation == incarnation_ && is_member() &&
        phases_.at(r->shard) == shard_phase::releasing)
      phases_[r->shard] = shard_phase::idle;
  }
  // A mark-down needs no follow-up: the next snapshot shows its outcome.
}

void cluster_node::on_drained(size_t shard) {
  if (phases_.at(shard) == shard_phase::draining)
    phases_[shard] = shard_phase::drained;
}

// -- queries ------------------------------------------------------------------

bool cluster_node::may_serve(size_t shard, int64_t now_ms) const {
  auto phase = phases_.at(shard);
  return is_member() &&
         (phase == shard_phase::serving || phase == shard_phase::draining) &&
         lease_allows_serving(lease_expiry_ms_, now_ms, rules_);
}

bool cluster_node::accepts_commands(size_t shard, int64_t now_ms) const {
  return phases_.at(shard) == shard_phase::serving && may_serve(shard, now_ms);
}

// -- internals ----------------------------------------------------------------

void cluster_node::lose_incarnation() {
  incarnation_ = 0;
  lease_expiry_ms_ = never;
  last_renewal_ms_ = never;
  status_sent_ms_ = never;
  std::fill(phases_.begin(), phases_.end(), shard_phase::idle);
  if (leaving_)
    left_ = true;
}

void cluster_node::plan_mark_downs(const cluster_snapshot& view, int64_t now_ms,
                                   node_plan& plan) {
  for (auto& row : view.members) {
    bool self = row.node_id == id_ && row.incarnation == incarnation_;
    if (row.status == member_status::down || (self && is_member()) ||
        !lease_allows_takeover(row.lease_expiry_ms, now_ms, rules_))
      continue;
    auto [i, added] = mark_down_sent_ms_.emplace(row.node_id, never);
    if (!added && recently(i->second, now_ms))
      continue;
    i->second = now_ms;
    plan.requests.emplace_back(mark_down_request{row.node_id, row.version});
  }
}

void cluster_node::plan_membership(const member_row* own, int64_t now_ms,
                                   node_plan& plan) {
  if (!is_member()) {
    // A previous incarnation still up must first expire and be marked down
    // (see plan_mark_downs): it may be a frozen process of this node.
    bool row_free = own == nullptr || own->status == member_status::down;
    if (leaving_) {
      left_ = true;
    } else if (row_free && !recently(join_sent_ms_, now_ms)) {
      join_sent_ms_ = now_ms;
      uint64_t incarnation = own == nullptr ? 1 : own->incarnation + 1;
      plan.requests.emplace_back(
          join_request{id_, incarnation, now_ms + rules_.lease_ms});
    }
    return;
  }
  if (now_ms - last_renewal_ms_ >= rules_.renew_interval_ms) {
    last_renewal_ms_ = now_ms;
    plan.requests.emplace_back(
        renew_request{id_, incarnation_, now_ms + rules_.lease_ms});
  }
  if (!leaving_ || own == nullptr || own->incarnation != incarnation_ ||
      recently(status_sent_ms_, now_ms))
    return;
  bool all_idle = std::all_of(phases_.begin(), phases_.end(),
                              [](auto p) { return p == shard_phase::idle; });
  if (own->status == member_status::up) {
    status_sent_ms_ = now_ms;
    plan.requests.emplace_back(
        status_request{id_, incarnation_, member_status::leaving});
  } else if (own->status == member_status::leaving && all_idle) {
    status_sent_ms_ = now_ms;
    plan.requests.emplace_back(
        status_request{id_, incarnation_, member_status::down});
  }
}

void cluster_node::plan_shards(const cluster_snapshot& view, int64_t now_ms,
                               node_plan& plan) {
  bool fenced = !lease_allows_serving(lease_expiry_ms_, now_ms, rules_);
  shard_allocation target{phases_.size(),
                          eligible_owners(view.members, now_ms, rules_)};
  for (size_t shard = 0; shard < phases_.size(); ++shard) {
    bool mine = target.owner(shard) == id_;
    auto& claim = view.claims[shard];
    switch (phases_[shard]) {
    case shard_phase::idle: {
      // Still ours in the table although we do not serve it: a claim or
      // release whose reply got lost.
      bool held = !claim.released && claim.holder == id_ &&
                  claim.incarnation == incarnation_;
      if (mine && !fenced && (held || claim_is_free(claim, view))) {
        set_phase(shard, shard_phase::claiming, now_ms);
        plan.requests.emplace_back(
            claim_request{shard, id_, incarnation_, claim.version});
      } else if (!mine && held) {
        set_phase(shard, shard_phase::releasing, now_ms);
        plan.requests.emplace_back(
            release_request{shard, id_, incarnation_, claim.version});
      }
      break;
    }
    case shard_phase::claiming:
    case shard_phase::releasing:
      // The next snapshot tells whether it happened (see idle).
      if (!recently(phase_since_ms_[shard], now_ms))
        set_phase(shard, shard_phase::idle, now_ms);
      break;
    case shard_phase::serving:
      if (!mine) {
        set_phase(shard, shard_phase::draining, now_ms);
        plan.drain.push_back(shard);
      }
      break;
    case shard_phase::draining:
      if (mine) {
        set_phase(shard, shard_phase::serving, now_ms);
        plan.resume.push_back(shard);
      }
      break;
    case shard_phase::drained:
      if (mine) {
        set_phase(shard, shard_phase::serving, now_ms);
        plan.resume.push_back(shard);
      } else {
        set_phase(shard, shard_phase::releasing, now_ms);
        plan.requests.emplace_back(
            release_request{shard, id_, incarnation_, claim_versions_[shard]});
      }
      break;
    }
  }
}

void cluster_node::set_phase(size_t shard, shard_phase phase, int64_t now_ms) {
  phases_[shard] = phase;
  phase_since_ms_[shard] = now_ms;
}

} // namespace mall::actors
