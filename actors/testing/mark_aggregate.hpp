// An aggregate with idempotent commands for the runtime's policy tests: a
// set of marks. Not a bounded context.
#pragma once

#include "domains/common/aggregate.hpp"
#include "domains/common/json_object.hpp"

#include <optional>
#include <set>
#include <string>
#include <variant>

namespace mall::actors::testing {

/// A set of string keys: `mark {key}` adds one (a repeat writes nothing),
/// `refuse {}` is always rejected with `conflict`, `get {}` reads.
struct mark_aggregate {
  static constexpr const char* type_name = "mark";

  struct state {
    std::set<std::string> keys;
  };

  struct mark {
    std::string key;
  };
  struct refuse {};
  struct get {};
  using command = std::variant<mark, refuse, get>;

  struct marked {
    std::string key;
  };
  using event = marked;

  static std::optional<command> parse_command(const domains::json& j,
                                              domains::rejection& why) {
    auto type = j.value("type", std::string{});
    if (type == "mark") {
      auto key = j.find("key");
      if (key == j.end() || !key->is_string()) {
        why = {"invalid_input", "key"};
        return std::nullopt;
      }
      return mark{key->get<std::string>()};
    }
    if (type == "refuse")
      return refuse{};
    if (type == "get")
      return get{};
    why = {"invalid_input", "type"};
    return std::nullopt;
  }

  static domains::decision<event> decide(const state& s, const command& cmd,
                                         const domains::command_context&) {
    if (auto m = std::get_if<mark>(&cmd)) {
      if (s.keys.count(m->key))
        return domains::decision<event>::nothing();
      return domains::decision<event>::accept({marked{m->key}});
    }
    if (std::holds_alternative<refuse>(cmd))
      return domains::decision<event>::reject("conflict", "refused");
    return domains::decision<event>::nothing();
  }

  static state apply(state s, const event& ev) {
    s.keys.insert(ev.key);
    return s;
  }

  static domains::json reply(const state& s, const command&) {
    return domains::json_object{}.with("keys", s.keys);
  }

  static domains::json encode_event(const event& ev) {
    return domains::json_object{}.with("type", "Marked").with("key", ev.key);
  }

  static event decode_event(const domains::json& j) {
    return marked{j.at("key").get<std::string>()};
  }

  static domains::json encode_state(const state& s) {
    return domains::json_object{}.with("keys", s.keys);
  }

  static state decode_state(const domains::json& j) {
    return state{j.at("keys").get<std::set<std::string>>()};
  }
};

} // namespace mall::actors::testing
