#define CAF_SUITE actors.entity_registry
#include "tests/support/caf_test.hpp"

#include "actors/entity_registry.hpp"
#include "actors/testing/counter_aggregate.hpp"

using namespace mall::actors;

CAF_TEST(a registered aggregate is found by its type name) {
  entity_registry registry;
  CAF_CHECK(registry.find("counter") == nullptr);
  registry.add<testing::counter_aggregate>();
  CAF_CHECK(registry.find("counter") != nullptr);
  CAF_CHECK(registry.find("product") == nullptr);
  CAF_CHECK_EQUAL(registry.types(), std::vector<std::string>{"counter"});
}
