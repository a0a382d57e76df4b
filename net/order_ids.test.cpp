#define CAF_SUITE net.order_ids
#include "tests/support/caf_test.hpp"

#include "net/order_ids.hpp"

#include <string>

using namespace mall::net;

CAF_TEST(idempotency keys are 1 to 64 of letters digits underscore and dash) {
  CAF_CHECK(is_idempotency_key("a"));
  CAF_CHECK(is_idempotency_key("Key_1-x"));
  CAF_CHECK(is_idempotency_key(std::string(64, 'k')));
  CAF_CHECK(!is_idempotency_key(""));
  CAF_CHECK(!is_idempotency_key(std::string(65, 'k')));
  CAF_CHECK(!is_idempotency_key("has space"));
  CAF_CHECK(!is_idempotency_key("dot.key"));
  CAF_CHECK(!is_idempotency_key("ümlaut"));
}

CAF_TEST(a key derived id is stable per user and key and differs otherwise) {
  auto id = order_id_for_key("u_1", "k1");
  CAF_CHECK_EQUAL(id, order_id_for_key("u_1", "k1"));
  CAF_CHECK_NOT_EQUAL(id, order_id_for_key("u_2", "k1"));
  CAF_CHECK_NOT_EQUAL(id, order_id_for_key("u_1", "k2"));
  // The separator keeps "u_1"+"1k" apart from "u_11"+"k".
  CAF_CHECK_NOT_EQUAL(order_id_for_key("u_1", "1k"),
                      order_id_for_key("u_11", "k"));
  CAF_CHECK_EQUAL(id.size(), 34u);
  CAF_CHECK(is_order_id(id));
}

CAF_TEST(a key derived id is the first half of the sha256 in hex) {
  // Computed independently: printf 'u\nk' | sha256sum.
  CAF_CHECK_EQUAL(order_id_for_key("u", "k"),
                  "o_1b09740edf59566cefba200b35830f79");
}

CAF_TEST(order and delivery id shapes are checked) {
  CAF_CHECK(is_order_id(new_order_id()));
  CAF_CHECK_NOT_EQUAL(new_order_id(), new_order_id());
  CAF_CHECK(is_order_id("o_0123456789abcdef"));
  CAF_CHECK(!is_order_id("o_0123456789ABCDEF"));
  CAF_CHECK(!is_order_id("o_0123"));
  CAF_CHECK(!is_order_id("p_0123456789abcdef"));
  CAF_CHECK(!is_order_id("o_0123456789abcdef/x"));
  CAF_CHECK(is_delivery_id("d_0123456789abcdef0123456789abcdef"));
  CAF_CHECK(!is_delivery_id("o_0123456789abcdef"));
  CAF_CHECK(!is_delivery_id("d_"));
}
