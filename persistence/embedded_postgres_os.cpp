#include "persistence/embedded_postgres_os.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <netinet/in.h>
#include <random>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace mall::persistence::embedded_os {

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

std::string conninfo_value(const std::string& value) {
  std::string result = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\')
      result += '\\';
    result += c;
  }
  return result + "'";
}

std::string conf_string(const std::string& value) {
  std::string result = "'";
  for (char c : value) {
    if (c == '\'')
      result += '\'';
    result += c;
  }
  return result + "'";
}

std::optional<int> free_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return std::nullopt;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  std::optional<int> port;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

std::string random_password() {
  std::random_device device; // getrandom(2) on Linux
  std::string result;
  const char* digits = "0123456789abcdef";
  for (int i = 0; i < 32; ++i)
    result += digits[device() % 16];
  return result;
}

std::vector<std::string> read_lines(const fs::path& file) {
  std::vector<std::string> lines;
  std::ifstream in{file};
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

bool process_running(pid_t pid) {
  if (pid <= 0 || (kill(pid, 0) != 0 && errno != EPERM))
    return false;
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string stat{std::istreambuf_iterator<char>{in}, {}};
  // "pid (comm) S ...": the state follows the last ')'.
  auto paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size())
    return true; // alive for kill(2), state unknown: ask again later
  char state = stat[paren + 2];
  return state != 'Z' && state != 'X';
}

bool safe_for_pg_ctl(const std::string& path) {
  return path.find_first_of("\"$`\\\n'") == std::string::npos;
}

start_lock::start_lock(const std::string& file)
    : fd_(open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
  if (fd_ >= 0)
    while (flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
}

start_lock::~start_lock() {
  if (fd_ >= 0)
    close(fd_);
}

} // namespace mall::persistence::embedded_os
