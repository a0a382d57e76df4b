// One include for a test binary: CAF's test DSL plus the test runner's `main`.
// Include it in exactly one translation unit per test binary, after defining
// CAF_SUITE.
#pragma once

// caf/test/dsl.hpp of CAF 0.17.6 calls FAIL(...), which it never defines.
#define FAIL(x) CAF_FAIL(x)
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"
