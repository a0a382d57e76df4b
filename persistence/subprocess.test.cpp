#define CAF_SUITE persistence.subprocess
#include "tests/support/caf_test.hpp"

#include "persistence/subprocess.hpp"
#include "tests/support/test_postgres.hpp"

#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace mall::persistence;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

CAF_TEST(the exit code of the program is reported) {
  CAF_CHECK(run_subprocess({"/bin/true"}, {}).ok());
  auto failed = run_subprocess({"/bin/false"}, {});
  CAF_CHECK(!failed.ok());
  CAF_CHECK_EQUAL(failed.exit_code, 1);
  CAF_CHECK(failed.error.empty());
}

CAF_TEST(arguments reach the program verbatim without a shell) {
  mall::test_support::temp_folder folder;
  auto log = folder.path() + "/out.log";
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  CAF_REQUIRE(fd >= 0);
  subprocess_options options;
  options.output_fd = fd;
  options.cwd = folder.path();
  options.env = {"GREETING=hi"};
  auto result = run_subprocess(
      {"/bin/sh", "-c", "printf '%s|%s|%s|' \"$1\" \"$GREETING\" \"$(pwd)\"",
       "sh", "$(touch pwned); 'quoted'"},
      options);
  close(fd);
  CAF_CHECK(result.ok());
  CAF_CHECK_EQUAL(read_file(log),
                  "$(touch pwned); 'quoted'|hi|" + folder.path() + "|");
  CAF_CHECK(!std::ifstream{folder.path() + "/pwned"});
}

CAF_TEST(a relative or missing program is an error) {
  CAF_CHECK(!run_subprocess({"true"}, {}).error.empty());
  auto missing = run_subprocess({"/nonexistent/program"}, {});
  CAF_CHECK(!missing.ok());
  CAF_CHECK(!missing.error.empty());
}
