// Decoding `?a=1&b=x%20y` into names and values.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mall::net {

/// The percent-decoded parameters of a query string (without the `?`); `+`
/// is a space and a repeated name keeps its last value. Nothing when an
/// escape is malformed.
std::optional<std::map<std::string, std::string>>
parse_query(std::string_view query);

} // namespace mall::net
