#define CAF_SUITE actors.fenced_gateway
#include "tests/support/caf_test.hpp"

#include "actors/fenced_gateway.hpp"

#include <atomic>
#include <vector>

using namespace mall::actors;

namespace {

/// Answers every command with its id and counts them.
struct echo_gateway : entity_gateway {
  void ask(entity_command cmd, int64_t, reply_handler on_reply) override {
    ++asked;
    on_reply(entity_reply{{}, {}, cmd.id, "1.1", false});
  }
  int asked = 0;
};

entity_reply ask(entity_gateway& g, std::string id) {
  entity_reply got{"no_reply", "", "", ""};
  g.ask({"product", std::move(id), R"({"type":"get"})", "t"}, 1000,
        [&](entity_reply r) { got = std::move(r); });
  return got;
}

} // namespace

CAF_TEST(commands pass only while the node serves) {
  echo_gateway inner;
  std::atomic<bool> serving{true};
  fenced_gateway fenced{inner, [&] { return serving.load(); }};
  CAF_CHECK_EQUAL(ask(fenced, "p_1").body, "p_1");
  serving = false;
  auto refused = ask(fenced, "p_2");
  CAF_CHECK_EQUAL(refused.error_code, "unavailable");
  CAF_CHECK_EQUAL(inner.asked, 1);
  serving = true;
  CAF_CHECK_EQUAL(ask(fenced, "p_3").body, "p_3");
  CAF_CHECK_EQUAL(inner.asked, 2);
}
