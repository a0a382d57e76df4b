#include "domains/common/utf8_text.hpp"

namespace mall::domains {

namespace {

// Decodes the code point starting at `text[pos]`; returns its byte length or
// 0 when the sequence there is not well-formed.
std::size_t decode(std::string_view text, std::size_t pos, char32_t& out) {
  auto byte = [&](std::size_t i) {
    return static_cast<unsigned char>(text[pos + i]);
  };
  auto lead = byte(0);
  std::size_t len = 0;
  char32_t min = 0;
  if (lead < 0x80) {
    out = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    len = 2, min = 0x80, out = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    len = 3, min = 0x800, out = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, out = lead & 0x07;
  } else {
    return 0;
  }
  if (pos + len > text.size())
    return 0;
  for (std::size_t i = 1; i < len; ++i) {
    if ((byte(i) & 0xC0) != 0x80)
      return 0;
    out = (out << 6) | (byte(i) & 0x3F);
  }
  bool surrogate = out >= 0xD800 && out <= 0xDFFF;
  if (out < min || out > 0x10FFFF || surrogate)
    return 0;
  return len;
}

// The White_Space property of the Unicode character database.
bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

} // namespace

std::optional<std::size_t> utf8_length(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < text.size(); ++count) {
    char32_t c;
    auto len = decode(text, pos, c);
    if (len == 0)
      return std::nullopt;
    pos += len;
  }
  return count;
}

std::string_view trim_unicode_space(std::string_view text) {
  // Scan forward once, remembering where the non-space content starts and
  // ends, because UTF-8 cannot be decoded backwards cheaply and safely.
  std::size_t first = text.size();
  std::size_t last = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    char32_t c = 0;
    auto len = decode(text, pos, c);
    bool space = len != 0 && is_space(c);
    if (len == 0)
      len = 1; // not UTF-8 (a precondition violation): keep the byte
    if (!space) {
      if (first == text.size())
        first = pos;
      last = pos + len;
    }
    pos += len;
  }
  if (first == text.size())
    return text.substr(0, 0);
  return text.substr(first, last - first);
}

} // namespace mall::domains
