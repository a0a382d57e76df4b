// JSON text to documents and back: domains/common/json_text (RapidJSON
// reading and writing nlohmann documents) against nlohmann's own parse and
// dump, on the texts a node handles most, in the same run.
//
//   bench_json_text [rounds]

#include "domains/common/json_text.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>

using nlohmann::json;
using bench_clock = std::chrono::steady_clock;

namespace {

/// Microseconds per call of `f` over 20,000 calls.
template<class F> double us_per_call(F f) {
  constexpr int calls = 20000;
  auto t0 = bench_clock::now();
  for (int i = 0; i < calls; ++i)
    f();
  auto t1 = bench_clock::now();
  return std::chrono::duration<double, std::micro>(t1 - t0).count() / calls;
}

/// The fastest of `rounds` rounds of `a` and of `b`, their rounds taken in
/// turn: the machine is shared and its speed swings within seconds, so
/// only interleaved minimums compare.
template<class A, class B>
std::pair<double, double> best_of_both(int rounds, A a, B b) {
  double best_a = 1e9;
  double best_b = 1e9;
  for (int r = 0; r < rounds; ++r) {
    best_a = std::min(best_a, us_per_call(a));
    best_b = std::min(best_b, us_per_call(b));
  }
  return {best_a, best_b};
}

/// Defeats dead-code elimination of the measured calls.
volatile size_t sink = 0;

void compare(const char* label, const std::string& text, int rounds) {
  auto doc = json::parse(text);
  auto [parse_old, parse_new] = best_of_both(
      rounds, [&] { sink = sink + json::parse(text).size(); },
      [&] { sink = sink + mall::domains::parse_json(text).size(); });
  auto [dump_old, dump_new] = best_of_both(
      rounds, [&] { sink = sink + doc.dump().size(); },
      [&] { sink = sink + mall::domains::dump_json(doc).size(); });
  std::printf("%-22s %4zu bytes: parse %.2f -> %.2f us (%.2fx), dump %.2f -> "
              "%.2f us (%.2fx)\n",
              label, text.size(), parse_old, parse_new, parse_new / parse_old,
              dump_old, dump_new, dump_new / dump_old);
}

} // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::stoi(argv[1]) : 25;
  std::printf(
      "nlohmann -> json_text, best of %d interleaved rounds; ratio below "
      "1 is faster\n",
      rounds);
  compare("command (increment)", R"({"by":1,"type":"increment"})", rounds);
  compare(
      "event (OrderCreated)",
      R"({"address":"Seoul, Gangnam-gu 123","created_at":1764650000000,)"
      R"("order_id":"o_1234567890abcdef","product_id":"p_9c980e9cbe777271",)"
      R"("qty":1,"type":"OrderCreated","user_id":"u_abcdef0123456789"})",
      rounds);
  auto rows = json::array();
  for (int i = 0; i < 20; ++i)
    rows.push_back({{"order_id", "o_" + std::to_string(1000000000 + i)},
                    {"product_id", "p_9c980e9cbe777271"},
                    {"product_name", "Bench item"},
                    {"qty", 1},
                    {"total", 100},
                    {"order_status", "placed"},
                    {"delivery_status", "started"},
                    {"ordered_at", 1764650000000},
                    {"updated_at", 1764650000100}});
  compare("list of 20 orders", json{{"items", rows}}.dump(), rounds);
  return 0;
}
