#define CAF_SUITE net.accounts_api
#include "tests/support/caf_test.hpp"

#include "tests/support/live_http_server.hpp"

CAF_TEST_FIXTURE_SCOPE(accounts_api_tests, fixture)

CAF_TEST(signup registers a customer and answers its ids only) {
  auto res = send(request("POST", "/auth/signup",
                          R"({"username":"alice","password":"secret123",
                              "name":"Alice","address":"Seoul"})"));
  CAF_REQUIRE_EQUAL(res.status, 201);
  CAF_CHECK(is_random_id(res.body.value("user_id", ""), "u_"));
  CAF_CHECK_EQUAL(res.body["username"], "alice");
  CAF_CHECK_EQUAL(res.body.size(), 2u);
  CAF_CHECK(!res.header("X-Consistency-Token").empty());
  auto cmds = entities.commands();
  CAF_REQUIRE_EQUAL(cmds.size(), 1u);
  auto registered = json::parse(cmds[0].body);
  CAF_CHECK_EQUAL(registered["role"], "customer");
  CAF_CHECK_EQUAL(
      registered["password_hash"].get<std::string>().rfind("$argon2id$", 0),
      0u);
}

CAF_TEST(signing up a taken username is 409) {
  auto body = R"({"username":"bob","password":"secret123","name":"Bob",
                  "address":"Busan"})";
  CAF_CHECK_EQUAL(send(request("POST", "/auth/signup", body)).status, 201);
  auto res = send(request("POST", "/auth/signup", body));
  CAF_CHECK_EQUAL(res.status, 409);
  CAF_CHECK_EQUAL(res.error_code(), "username_taken");
}

CAF_TEST(signup validates its body) {
  for (
      auto body :
      {R"({"username":"Alice","password":"secret123","name":"A","address":"S"})",
       R"({"username":"alice","password":"short","name":"A","address":"S"})",
       R"({"username":"alice","password":"secret123","name":"A"})",
       R"({"username":"alice","password":"secret123","name":"A","address":"S","role":"admin"})"}) {
    auto res = send(request("POST", "/auth/signup", body));
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK_EQUAL(res.error_code(), "invalid_input");
  }
  CAF_CHECK_EQUAL(entities.command_count(), 0u);
}

CAF_TEST(a signed up customer gets a working bearer token) {
  send(request("POST", "/auth/signup",
               R"({"username":"carol","password":"secret123","name":"C",
                   "address":"Daegu"})"));
  auto res = send(request("POST", "/auth/token",
                          R"({"username":"carol","password":"secret123"})"));
  CAF_REQUIRE_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body["token_type"], "Bearer");
  CAF_CHECK_EQUAL(res.body["expires_in"], 3600);
  mall::domains::rejection why;
  auto claims = tokens.verify(res.body.value("access_token", ""), why);
  CAF_REQUIRE(claims);
  CAF_CHECK_EQUAL(claims->role, "customer");
  CAF_CHECK_EQUAL(claims->username, "carol");
  CAF_CHECK(is_random_id(claims->user_id, "u_"));
  res = send(
      request("POST", "/products", R"({"name":"Mug","price":1,"stock":1})",
              {"Authorization: Bearer " + res.body.value("access_token", "")}));
  CAF_CHECK_EQUAL(res.status, 403);
}

CAF_TEST(a wrong password or unknown user is 401 invalid credentials) {
  send(request("POST", "/auth/signup",
               R"({"username":"dave","password":"secret123","name":"D",
                   "address":"Jeju"})"));
  for (auto body : {R"({"username":"dave","password":"secret124"})",
                    R"({"username":"nobody","password":"secret123"})"}) {
    auto res = send(request("POST", "/auth/token", body));
    CAF_CHECK_EQUAL(res.status, 401);
    CAF_CHECK_EQUAL(res.error_code(), "invalid_credentials");
  }
  auto res = send(request("POST", "/auth/token", R"({"username":"dave"})"));
  CAF_CHECK_EQUAL(res.status, 400);
}

CAF_TEST_FIXTURE_SCOPE_END()
