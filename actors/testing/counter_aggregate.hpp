// A tiny aggregate for the runtime's tests and benchmarks: a counter.
// Not a bounded context; it only exercises the aggregate contract.
#pragma once

#include "domains/common/aggregate.hpp"
#include "domains/common/json_object.hpp"

#include <optional>
#include <stdexcept>
#include <variant>

namespace mall::actors::testing {

/// A counter: `increment` (by 1..1000) writes an event, `get` reads,
/// `reject` is always refused and `explode` throws inside `decide` (a poison
/// command).
struct counter_aggregate {
  static constexpr const char* type_name = "counter";

  struct state {
    bool exists = false;
    int64_t value = 0;
  };

  struct increment {
    int64_t by = 1;
  };
  struct get {};
  struct reject {};
  struct explode {};
  using command = std::variant<increment, get, reject, explode>;

  struct incremented {
    int64_t by = 0;
  };
  using event = incremented;

  static std::optional<command> parse_command(const domains::json& j,
                                              domains::rejection& why) {
    auto type = j.value("type", std::string{});
    if (type == "increment") {
      auto by = j.find("by");
      if (by == j.end() || !by->is_number_integer() || *by < 1 || *by > 1000) {
        why = {"invalid_input", "by"};
        return std::nullopt;
      }
      return increment{by->get<int64_t>()};
    }
    if (type == "get")
      return get{};
    if (type == "reject")
      return reject{};
    if (type == "explode")
      return explode{};
    why = {"invalid_input", "type"};
    return std::nullopt;
  }

  static domains::decision<event> decide(const state&, const command& cmd,
                                         const domains::command_context&) {
    if (auto inc = std::get_if<increment>(&cmd))
      return domains::decision<event>::accept({incremented{inc->by}});
    if (std::holds_alternative<reject>(cmd))
      return domains::decision<event>::reject("not_found", "counter");
    if (std::holds_alternative<explode>(cmd))
      throw std::runtime_error("poison command");
    return domains::decision<event>::nothing();
  }

  static state apply(state s, const event& ev) {
    s.exists = true;
    s.value += ev.by;
    return s;
  }

  static domains::json reply(const state& s, const command&) {
    return domains::json_object{}.with("value", s.value);
  }

  static domains::json encode_event(const event& ev) {
    return domains::json_object{}.with("type", "Incremented").with("by", ev.by);
  }

  static event decode_event(const domains::json& j) {
    return incremented{j.at("by").get<int64_t>()};
  }

  static domains::json encode_state(const state& s) {
    return domains::json_object{}.with("value", s.value);
  }

  static state decode_state(const domains::json& j) {
    return state{true, j.at("value").get<int64_t>()};
  }
};

/// A counter that supports `{"type":"await"}`: settled once its value
/// reaches 10. Not found until its first increment, so `get` and `await` on
/// a fresh one are rejected.
struct settling_counter_aggregate : counter_aggregate {
  static constexpr const char* type_name = "settling";

  static bool settled(const state& s) { return s.value >= 10; }

  static domains::decision<event> decide(const state& s, const command& cmd,
                                         const domains::command_context& ctx) {
    if (std::holds_alternative<get>(cmd) && !s.exists)
      return domains::decision<event>::reject("not_found", "settling");
    return counter_aggregate::decide(s, cmd, ctx);
  }
};

} // namespace mall::actors::testing
