#define CAF_SUITE net.password_hasher
#include "tests/support/caf_test.hpp"

#include "net/password_hasher.hpp"

#include <condition_variable>
#include <mutex>

using namespace mall::net;

namespace {

// Cheap settings: the tests check behaviour, not cost.
hasher_settings cheap() {
  hasher_settings s;
  s.time_cost = 1;
  s.memory_kib = 1024;
  return s;
}

} // namespace

CAF_TEST(a hash verifies its password and nothing else) {
  password_hasher hasher{cheap()};
  auto encoded = hasher.hash("correct horse");
  CAF_REQUIRE(encoded);
  CAF_CHECK_EQUAL(encoded->rfind("$argon2id$", 0), 0u);
  CAF_CHECK(hasher.verify("correct horse", *encoded));
  CAF_CHECK(!hasher.verify("correct horsf", *encoded));
  CAF_CHECK(!hasher.verify("", *encoded));
}

CAF_TEST(two hashes of one password differ by their salt) {
  password_hasher hasher{cheap()};
  auto first = hasher.hash("same");
  auto second = hasher.hash("same");
  CAF_REQUIRE(first && second);
  CAF_CHECK_NOT_EQUAL(*first, *second);
}

CAF_TEST(a malformed encoded hash never verifies) {
  password_hasher hasher{cheap()};
  CAF_CHECK(!hasher.verify("x", ""));
  CAF_CHECK(!hasher.verify("x", "$argon2id$garbage"));
}

CAF_TEST(the default cost uses argon2id with 19 MiB and two passes) {
  password_hasher hasher;
  auto encoded = hasher.hash("pw");
  CAF_REQUIRE(encoded);
  CAF_CHECK_NOT_EQUAL(encoded->find("m=19456,t=2,p=1"), std::string::npos);
}

CAF_TEST(async calls run on the pool and report back) {
  password_hasher hasher{cheap()};
  std::mutex mx;
  std::condition_variable cv;
  std::optional<std::string> encoded;
  int verified = -1;
  hasher.async_hash("secret pw", [&](std::optional<std::string> h) {
    std::lock_guard<std::mutex> guard{mx};
    encoded = std::move(h);
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lock{mx};
  CAF_REQUIRE(cv.wait_for(lock, std::chrono::seconds{10},
                          [&] { return encoded.has_value(); }));
  lock.unlock();
  hasher.async_verify("secret pw", *encoded, [&](bool ok) {
    std::lock_guard<std::mutex> guard{mx};
    verified = ok ? 1 : 0;
    cv.notify_all();
  });
  lock.lock();
  CAF_REQUIRE(cv.wait_for(lock, std::chrono::seconds{10},
                          [&] { return verified >= 0; }));
  CAF_CHECK_EQUAL(verified, 1);
}
