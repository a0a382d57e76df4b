// Secrets a node keeps in its data folder when the operator gives none.
#pragma once

#include <optional>
#include <string>

namespace mall::app {

/// The value of `file`, created with `generate()` (mode 0600) on first use,
/// so that a restarted node keeps signing tokens with the same secret.
/// std::nullopt when the file can be neither read nor created.
std::optional<std::string> kept_secret(const std::string& file,
                                       std::string (*generate)());

/// 32 random bytes from the kernel, hex encoded.
std::string random_secret();

} // namespace mall::app
