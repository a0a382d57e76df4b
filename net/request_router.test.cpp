#define CAF_SUITE net.request_router
#include "tests/support/caf_test.hpp"

#include "net/request_router.hpp"

using namespace mall::net;
namespace http = boost::beast::http;
using outcome = route_match::outcome;

namespace {

struct fixture {
  request_router router;
  std::string called;

  fixture() {
    auto tag = [this](std::string name) {
      return [this, name](std::shared_ptr<const api_request>, responder) {
        called = name;
      };
    };
    router.add(http::verb::get, "/products", tag("list"));
    router.add(http::verb::post, "/products", tag("create"));
    router.add(http::verb::get, "/products/{id}", tag("get"));
    router.add(http::verb::patch, "/products/{id}", tag("update"));
    router.add(http::verb::post, "/products/{id}/restock", tag("restock"));
  }

  void call(const route_match& m) {
    (*m.handler)(std::make_shared<api_request>(), [](api_response) {});
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(request_router_tests, fixture)

CAF_TEST(a known method and path find their handler) {
  auto m = router.match(http::verb::post, "/products");
  CAF_REQUIRE_EQUAL(m.result, outcome::found);
  call(m);
  CAF_CHECK_EQUAL(called, "create");
}

CAF_TEST(path parameters are captured by name) {
  auto m = router.match(http::verb::post, "/products/p_1/restock");
  CAF_REQUIRE_EQUAL(m.result, outcome::found);
  CAF_CHECK_EQUAL(m.params.at("id"), "p_1");
  call(m);
  CAF_CHECK_EQUAL(called, "restock");
}

CAF_TEST(a trailing slash names the same resource) {
  auto m = router.match(http::verb::get, "/products/p_1/");
  CAF_REQUIRE_EQUAL(m.result, outcome::found);
  CAF_CHECK_EQUAL(m.params.at("id"), "p_1");
}

CAF_TEST(an unknown path is not found) {
  CAF_CHECK_EQUAL(router.match(http::verb::get, "/nope").result,
                  outcome::not_found);
  CAF_CHECK_EQUAL(router.match(http::verb::get, "/products/p_1/x").result,
                  outcome::not_found);
  CAF_CHECK_EQUAL(router.match(http::verb::get, "/").result,
                  outcome::not_found);
}

CAF_TEST(a known path with another method lists the allowed methods) {
  auto m = router.match(http::verb::delete_, "/products/p_1");
  CAF_CHECK_EQUAL(m.result, outcome::method_not_allowed);
  CAF_CHECK_EQUAL(m.allow, "GET, PATCH");
  m = router.match(http::verb::put, "/products");
  CAF_CHECK_EQUAL(m.result, outcome::method_not_allowed);
  CAF_CHECK_EQUAL(m.allow, "GET, POST");
}

CAF_TEST(split path drops empty segments) {
  CAF_CHECK_EQUAL(split_path("//a//b/").size(), 2u);
  CAF_CHECK_EQUAL(split_path("").size(), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
