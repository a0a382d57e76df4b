#include "domains/common/decision.hpp"

#include <ctime>

namespace mall::domains {

std::string rfc3339(int64_t epoch_ms) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ",
                static_cast<int>(epoch_ms % 1000));
  return buf;
}

} // namespace mall::domains
