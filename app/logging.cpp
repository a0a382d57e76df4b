#include "app/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace mall::app {

namespace {

/// `%*`: the message as the body of a JSON string (quotes, backslashes and
/// control characters escaped), so a log line stays one valid object.
class json_escaped_message : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static const char* hex = "0123456789abcdef";
    for (char c : msg.payload) {
      switch (c) {
      case '"':
        dest.append(std::string_view{"\\\""});
        break;
      case '\\':
        dest.append(std::string_view{"\\\\"});
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[] = {'\\', 'u', '0', '0', hex[(c >> 4) & 0xf], hex[c & 0xf]};
          dest.append(esc, esc + sizeof(esc));
        } else {
          dest.push_back(c);
        }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<json_escaped_message>();
  }
};

} // namespace

void configure_logging(const std::string& level, const std::string& format,
                       const std::string& node_id) {
  auto logger = spdlog::stdout_logger_mt("mall");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
  if (format == "json") {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(
        spdlog::pattern_time_type::utc);
    formatter->add_flag<json_escaped_message>('*').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","node":")" + node_id +
        R"(","msg":"%*"})");
    spdlog::set_formatter(std::move(formatter));
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ [" + node_id + "] %v",
                        spdlog::pattern_time_type::utc);
  }
  spdlog::flush_on(spdlog::level::info);
}

} // namespace mall::app
