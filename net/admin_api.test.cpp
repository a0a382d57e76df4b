#define CAF_SUITE net.admin_api
#include "tests/support/caf_test.hpp"

#include "net/admin_api.hpp"

#include "tests/support/api_harness.hpp"

using namespace mall;
using namespace mall::net;
using boost::beast::http::verb;
using nlohmann::json;

namespace {

/// Records every operation; knows the projection "orders" and the consumer
/// "order_saga" only.
class fake_operations : public admin_operations {
public:
  void actor_tree(done_handler done) override {
    calls.push_back("actors");
    done({json{{"name", "node"},
               {"kind", "root"},
               {"status", "running"},
               {"restarts", 0},
               {"children", json::array()}},
          "", ""});
  }

  void crash(std::string target, std::string id, done_handler done) override {
    calls.push_back("crash " + target + " " + id);
    done({json{{"crashed", {target + ":" + id}}}, "", ""});
  }

  void schedule_chaos(chaos_plan plan, done_handler done) override {
    std::string call = "schedule";
    for (auto& [target, id] : plan.targets)
      call += " " + target + ":" + id;
    calls.push_back(call + " " + json(plan.per_second).dump() + "/s " +
                    json(plan.duration_s).dump() + "s");
    done({json{{"status", "scheduled"}}, "", ""});
  }

  void chaos_status(done_handler done) override {
    calls.push_back("chaos status");
    done({json{{"status", "idle"}, {"crashed", 0}, {"planned", 0}}, "", ""});
  }

  void stop_chaos(done_handler done) override {
    calls.push_back("stop chaos");
    done({json{{"status", "idle"}, {"crashed", 0}}, "", ""});
  }

  void rebuild_projection(std::string name, done_handler done) override {
    calls.push_back("rebuild " + name);
    done(known(name, "orders"));
  }

  void rewind_consumer(std::string name, done_handler done) override {
    calls.push_back("rewind " + name);
    done(known(name, "order_saga"));
  }

  void metrics(std::function<void(std::string)> done) override {
    done("mall_entities_active 3\n");
  }

  void cluster(done_handler done) override {
    calls.push_back("cluster");
    done({json{{"self", "node-1"}, {"members", json::array()}}, "", ""});
  }

  void leave(std::string node_id, done_handler done) override {
    calls.push_back("leave " + node_id);
    if (node_id == "ghost")
      return done({json::object(), "not_found", "node_id: no member ghost"});
    done({json{{"node_id", node_id}, {"status", "leaving"}}, "", ""});
  }

  std::vector<std::string> calls;

private:
  static operation_result known(const std::string& name, const char* known) {
    if (name == known)
      return {json{{"name", name}}, "", ""};
    return {json::object(), "not_found", "no " + name};
  }
};

struct fixture : testing::api_harness {
  fake_operations operations;
  http_metrics metrics;

  fixture() {
    add_admin_routes(router, tokens, operations);
    add_metrics_routes(router, tokens, metrics, &operations);
  }

  testing::handler_answer crash(const std::string& body) {
    return call(verb::post, "/admin/chaos/crash", admin, body);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(admin_api_tests, fixture)

CAF_TEST(an admin reads the supervision tree) {
  auto res = call(verb::get, "/admin/actors", admin);
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body["name"], "node");
  CAF_CHECK(res.body["children"].is_array());
}

CAF_TEST(operations are for admins only) {
  for (auto& [method, target] : std::vector<std::pair<verb, std::string>>{
           {verb::get, "/admin/actors"},
           {verb::post, "/admin/chaos/crash"},
           {verb::post, "/admin/chaos/schedule"},
           {verb::get, "/admin/chaos/schedule"},
           {verb::delete_, "/admin/chaos/schedule"},
           {verb::post, "/admin/projections/orders/rebuild"},
           {verb::post, "/admin/consumers/order_saga/rewind"},
           {verb::get, "/admin/cluster"},
           {verb::post, "/admin/cluster/leave"},
           {verb::get, "/metrics"}}) {
    CAF_CHECK_EQUAL(call(method, target, alice).status, 403);
    CAF_CHECK_EQUAL(call(method, target).status, 401);
  }
  CAF_CHECK(operations.calls.empty());
}

CAF_TEST(a leave names a node or means this one and is 202) {
  auto res = call(verb::post, "/admin/cluster/leave", admin,
                  R"({"node_id":"node-2"})");
  CAF_CHECK_EQUAL(res.status, 202);
  CAF_CHECK_EQUAL(res.body["status"], "leaving");
  CAF_CHECK_EQUAL(call(verb::post, "/admin/cluster/leave", admin).status, 202);
  CAF_CHECK_EQUAL(
      call(verb::post, "/admin/cluster/leave", admin, R"({"node_id":"ghost"})")
          .status,
      404);
  CAF_CHECK_EQUAL(
      operations.calls,
      (std::vector<std::string>{"leave node-2", "leave ", "leave ghost"}));
  for (auto body : {R"({"node_id":7})", R"({"node_id":""})", R"({})",
                    R"({"node_id":"n","force":true})"})
    CAF_CHECK_EQUAL(
        call(verb::post, "/admin/cluster/leave", admin, body).error_code(),
        "invalid_input");
}

CAF_TEST(a crash names a known target and optionally an id) {
  auto res = crash(R"({"target":"entity","id":"order/o_1"})");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body["crashed"], json::array({"entity:order/o_1"}));
  CAF_CHECK_EQUAL(crash(R"({"target":"journal"})").status, 200);
  CAF_CHECK_EQUAL(
      operations.calls,
      (std::vector<std::string>{"crash entity order/o_1", "crash journal "}));
}

CAF_TEST(a crash request with a bad target or fields is 400) {
  for (auto body :
       {R"({"target":"kernel"})", R"({"target":1})", R"({})",
        R"({"target":"shard","id":5})", R"({"target":"shard","id":""})",
        R"({"target":"shard","extra":true})"}) {
    auto res = crash(body);
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK_EQUAL(res.error_code(), "invalid_input");
  }
  CAF_CHECK_EQUAL(crash("").error_code(), "invalid_json");
  CAF_CHECK(operations.calls.empty());
}

CAF_TEST(a chaos schedule is 202 and stopping it 200) {
  auto res = call(verb::post, "/admin/chaos/schedule", admin,
                  R"({"targets":["shard","entity:order/o_1"],)"
                  R"("per_second":2.5,"duration_s":10})");
  CAF_CHECK_EQUAL(res.status, 202);
  CAF_CHECK_EQUAL(res.body["status"], "scheduled");
  CAF_CHECK_EQUAL(call(verb::get, "/admin/chaos/schedule", admin).status, 200);
  CAF_CHECK_EQUAL(call(verb::delete_, "/admin/chaos/schedule", admin).status,
                  200);
  CAF_CHECK_EQUAL(
      operations.calls,
      (std::vector<std::string>{"schedule shard: entity:order/o_1 2.5/s 10.0s",
                                "chaos status", "stop chaos"}));
}

CAF_TEST(a chaos schedule with bad targets or rates or fields is 400) {
  for (auto body : {
           R"({"per_second":1,"duration_s":1})",
           R"({"targets":[],"per_second":1,"duration_s":1})",
           R"({"targets":"shard","per_second":1,"duration_s":1})",
           R"({"targets":["kernel"],"per_second":1,"duration_s":1})",
           R"({"targets":[7],"per_second":1,"duration_s":1})",
           R"({"targets":["shard:"],"per_second":1,"duration_s":1})",
           R"({"targets":["shard"],"duration_s":1})",
           R"({"targets":["shard"],"per_second":0,"duration_s":1})",
           R"({"targets":["shard"],"per_second":-1,"duration_s":1})",
           R"({"targets":["shard"],"per_second":101,"duration_s":1})",
           R"({"targets":["shard"],"per_second":"1","duration_s":1})",
           R"({"targets":["shard"],"per_second":1,"duration_s":3601})",
           R"({"targets":["shard"],"per_second":1})",
           R"({"targets":["shard"],"per_second":1e-10,"duration_s":3600})",
           R"({"targets":["shard"],"per_second":0.5,"duration_s":1})",
           R"({"targets":["shard"],"per_second":1,"duration_s":1,"x":1})",
       }) {
    auto res = call(verb::post, "/admin/chaos/schedule", admin, body);
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK_EQUAL(res.error_code(), "invalid_input");
  }
  std::string many = R"({"targets":[)";
  for (int i = 0; i < 17; ++i)
    many += std::string{i ? "," : ""} + R"("shard")";
  many += R"(],"per_second":1,"duration_s":1})";
  CAF_CHECK_EQUAL(
      call(verb::post, "/admin/chaos/schedule", admin, many).error_code(),
      "invalid_input");
  CAF_CHECK_EQUAL(
      call(verb::post, "/admin/chaos/schedule", admin, "[").error_code(),
      "invalid_json");
  CAF_CHECK(operations.calls.empty());
}

CAF_TEST(rebuilding a projection is 202 and an unknown one 404) {
  auto res = call(verb::post, "/admin/projections/orders/rebuild", admin);
  CAF_CHECK_EQUAL(res.status, 202);
  CAF_CHECK_EQUAL(res.body["name"], "orders");
  res = call(verb::post, "/admin/projections/nope/rebuild", admin);
  CAF_CHECK_EQUAL(res.status, 404);
  CAF_CHECK_EQUAL(res.error_code(), "not_found");
  // A name no node registers is refused without asking.
  res = call(verb::post, "/admin/projections/Bad.Name/rebuild", admin);
  CAF_CHECK_EQUAL(res.status, 404);
  CAF_CHECK_EQUAL(operations.calls,
                  (std::vector<std::string>{"rebuild orders", "rebuild nope"}));
}

CAF_TEST(rewinding a consumer is 202 and an unknown one 404) {
  CAF_CHECK_EQUAL(
      call(verb::post, "/admin/consumers/order_saga/rewind", admin).status,
      202);
  CAF_CHECK_EQUAL(
      call(verb::post, "/admin/consumers/other/rewind", admin).status, 404);
}

CAF_TEST(metrics are prometheus text with what the node adds) {
  metrics.record(200, std::chrono::microseconds{1000});
  auto res = call(verb::get, "/metrics", admin);
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.header("Content-Type"),
                  "text/plain; version=0.0.4; charset=utf-8");
  CAF_CHECK_NOT_EQUAL(
      res.raw.body.find("mall_http_requests_total{status=\"200\"} 1\n"),
      std::string::npos);
  CAF_CHECK_NOT_EQUAL(res.raw.body.find("mall_entities_active 3\n"),
                      std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
