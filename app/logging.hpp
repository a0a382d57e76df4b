// spdlog set-up from the node's settings.
#pragma once

#include <string>

namespace mall::app {

/// Sets the default logger's level (`trace`..`error`) and format (`text`, or
/// `json`: one object per line with ts, level, node and msg).
void configure_logging(const std::string& level, const std::string& format,
                       const std::string& node_id);

} // namespace mall::app
