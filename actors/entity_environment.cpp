#include "actors/entity_environment.hpp"

#include <chrono>

namespace mall::actors {

int64_t system_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
}

} // namespace mall::actors
