// Waiting on a condition with a deadline, for tests of threads and processes.
#pragma once

#include <chrono>
#include <thread>

namespace mall::test_support {

/// Whether `condition` holds before `timeout` runs out; polls it every 5 ms.
template<class Condition>
bool eventually(Condition condition,
                std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return true;
}

} // namespace mall::test_support
