#include "app/node_secrets.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace mall::app {

std::string random_secret() {
  unsigned char bytes[32];
  size_t got = 0;
  while (got < sizeof(bytes)) {
    auto n = getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (n > 0)
      got += static_cast<size_t>(n);
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 0xf];
  }
  return out;
}

std::optional<std::string> kept_secret(const std::string& file,
                                       std::string (*generate)()) {
  if (std::ifstream in{file}; in) {
    std::string value;
    std::getline(in, value);
    if (!value.empty())
      return value;
  }
  auto value = generate();
  // O_EXCL: two nodes sharing a folder must not overwrite each other's.
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    if (std::ifstream in{file}; in) {
      std::string existing;
      std::getline(in, existing);
      if (!existing.empty())
        return existing;
    }
    return std::nullopt;
  }
  auto line = value + "\n";
  bool ok = ::write(fd, line.data(), line.size()) ==
            static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!ok)
    return std::nullopt;
  return value;
}

} // namespace mall::app
