#define CAF_SUITE domains.common.view_row
#include "tests/support/caf_test.hpp"

#include "domains/common/view_row.hpp"

using mall::domains::status_of;
using nlohmann::json;

CAF_TEST(status of a document is its top level status string) {
  CAF_CHECK_EQUAL(status_of(json{{"status", "pending"}, {"qty", 1}}),
                  "pending");
  CAF_CHECK_EQUAL(status_of(json{{"qty", 1}}), "");
  CAF_CHECK_EQUAL(status_of(json{{"status", 3}}), "");
  CAF_CHECK_EQUAL(status_of(json{{"order", {{"status", "placed"}}}}), "");
}
