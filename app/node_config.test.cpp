#define CAF_SUITE app.node_config
#include "tests/support/caf_test.hpp"

#include "app/node_config.hpp"

#include <cstdio>
#include <fstream>

using namespace mall::app;

namespace {

/// A config file in /tmp that disappears with the test.
struct temp_file {
  std::string path;
  explicit temp_file(const std::string& text) {
    char name[] = "/tmp/mall-config-XXXXXX";
    int fd = mkstemp(name);
    CAF_REQUIRE(fd >= 0);
    close(fd);
    path = name;
    std::ofstream{path} << text;
  }
  ~temp_file() { std::remove(path.c_str()); }
};

config_outcome parse(std::vector<std::string> args) {
  args.insert(args.begin(), "mall-node");
  std::vector<const char*> argv;
  for (auto& arg : args)
    argv.push_back(arg.c_str());
  return parse_node_config(static_cast<int>(argv.size()), argv.data());
}

} // namespace

CAF_TEST(without a file the defaults apply) {
  auto out = parse({"--config", "/dev/null"});
  CAF_REQUIRE(out.config);
  CAF_CHECK_EQUAL(out.config->http_port, 8080);
  CAF_CHECK_EQUAL(out.config->shard_count, 64);
  CAF_CHECK(out.config->db.empty());
}

CAF_TEST(flags override the file which overrides the defaults) {
  temp_file conf{"http-port = 9001\nshard-count = 8\nseeds = [\"a:1\", "
                 "\"b:2\"]\n"};
  auto out = parse({"--config", conf.path, "--http-port", "9002"});
  CAF_REQUIRE(out.config);
  CAF_CHECK_EQUAL(out.config->http_port, 9002);
  CAF_CHECK_EQUAL(out.config->shard_count, 8);
  CAF_REQUIRE_EQUAL(out.config->seeds.size(), 2u);
  CAF_CHECK_EQUAL(out.config->seeds[1], "b:2");
}

CAF_TEST(an unknown key in the file is an error) {
  temp_file conf{"htp-port = 9001\n"};
  auto out = parse({"--config", conf.path});
  CAF_CHECK(!out.config);
  CAF_CHECK_NOT_EQUAL(out.exit_code, 0);
}

CAF_TEST(an out of range value is an error that names the option) {
  auto out = parse({"--config", "/dev/null", "--shard-count", "0"});
  CAF_CHECK(!out.config);
  CAF_CHECK_NOT_EQUAL(out.message.find("shard-count"), std::string::npos);
}

CAF_TEST(the shipped cluster conf is valid and matches the defaults) {
  auto out = parse({"--config", MALL_SOURCE_DIR "/cluster.conf"});
  CAF_REQUIRE(out.config);
  node_config defaults;
  CAF_CHECK_EQUAL(out.config->http_port, defaults.http_port);
  CAF_CHECK_EQUAL(out.config->order_timeout_s, defaults.order_timeout_s);
  CAF_CHECK_EQUAL(out.config->body_limit_bytes, defaults.body_limit_bytes);
  CAF_CHECK_EQUAL(out.config->log_format, defaults.log_format);
  CAF_CHECK_EQUAL(out.config->restart_backoff_min_ms,
                  defaults.restart_backoff_min_ms);
  CAF_CHECK_EQUAL(out.config->restart_backoff_max_ms,
                  defaults.restart_backoff_max_ms);
  CAF_CHECK_EQUAL(out.config->restart_budget_window_s,
                  defaults.restart_budget_window_s);
  CAF_CHECK_EQUAL(out.config->passivation_idle_s, defaults.passivation_idle_s);
  CAF_CHECK_EQUAL(out.config->snapshot_every, defaults.snapshot_every);
  CAF_CHECK_EQUAL(out.config->shard_count, defaults.shard_count);
  CAF_CHECK_EQUAL(out.config->hosts_shards, defaults.hosts_shards);
}

CAF_TEST(a gateway only node is configured with hosts shards false) {
  auto out = parse({"--config", "/dev/null", "--hosts-shards", "false"});
  CAF_REQUIRE(out.config);
  CAF_CHECK(!out.config->hosts_shards);
}
