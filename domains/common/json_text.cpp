#include "domains/common/json_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include <locale.h>

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace mall::domains {

namespace {

using json = nlohmann::json;

/// A JSON number's text as nlohmann reads it: an integer that fits
/// (non-negative ones unsigned), otherwise the nearest double; nothing when
/// that is not finite. RapidJSON's own conversion is not used: version 1.1
/// misreads some exponents and reads out of bounds on others.
std::optional<json> number_from_text(const char* text, size_t size) {
  const auto* end = text + size;
  if (std::find_if(text, end, [](char c) {
        return c == '.' || c == 'e' || c == 'E';
      }) == end) {
    if (*text == '-') {
      json::number_integer_t value = 0;
      if (std::from_chars(text, end, value).ec == std::errc{})
        return json(value);
    } else {
      json::number_unsigned_t value = 0;
      if (std::from_chars(text, end, value).ec == std::errc{})
        return json(value);
    }
  }
  // strtod in the C locale whatever the process's is (`text` ends in NUL).
  static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", locale_t{});
  auto value = strtod_l(text, nullptr, c_locale);
  if (!std::isfinite(value))
    return std::nullopt;
  return json(value);
}

/// Whether `s` holds a UTF-16 surrogate (bytes ED A0..BF): RapidJSON 1.1
/// turns an escaped lone low surrogate (`\udc00`) into one.
bool has_surrogate(const char* s, size_t n) {
  for (const auto* at = s;
       (at = static_cast<const char*>(std::memchr(at, '\xED', s + n - at)));
       ++at)
    if (at + 1 < s + n && static_cast<unsigned char>(at[1]) >= 0xA0)
      return true;
  return false;
}

/// Builds a nlohmann document from RapidJSON's reading events.
class document_builder {
public:
  json root;
  /// Why the builder stopped the reader, if it did.
  const char* refusal = nullptr;

  bool Null() { return put(nullptr); }
  bool Bool(bool b) { return put(b); }
  // Numbers come as text (kParseNumbersAsStringsFlag), never as these.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    auto number = number_from_text(s, n);
    if (!number)
      return refuse("a number out of range");
    return put(std::move(*number));
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (has_surrogate(s, n))
      return refuse("a lone surrogate in a string");
    return put(std::string{s, n});
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (has_surrogate(s, n))
      return refuse("a lone surrogate in a key");
    key_.assign(s, n);
    return true;
  }
  bool StartObject() { return open(json::object()); }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool StartArray() { return open(json::array()); }
  bool EndArray(rapidjson::SizeType) { return close(); }

private:
  /// Where the next value goes: the root, the open array's end, or the
  /// open object under the last key (a repeated key keeps the last value).
  json* place(json&& value) {
    if (open_.empty()) {
      root = std::move(value);
      return &root;
    }
    auto& parent = *open_.back();
    if (parent.is_object()) {
      auto& members = parent.get_ref<json::object_t&>();
      // Keys usually come sorted (nlohmann writes them so): append then.
      if (members.empty() || members.rbegin()->first < key_)
        return &members
                    .emplace_hint(members.end(), std::move(key_),
                                  std::move(value))
                    ->second;
      return &members.insert_or_assign(std::move(key_), std::move(value))
                  .first->second;
    }
    auto& items = parent.get_ref<json::array_t&>();
    items.push_back(std::move(value));
    return &items.back();
  }

  bool put(json&& value) {
    place(std::move(value));
    return true;
  }

  bool refuse(const char* why) {
    refusal = why;
    return false;
  }

  // Pointers stay valid: only the innermost open container grows.
  bool open(json&& container) {
    if (open_.size() == max_json_depth)
      return refuse("nested too deep");
    open_.push_back(place(std::move(container)));
    return true;
  }

  bool close() {
    open_.pop_back();
    return true;
  }

  std::vector<json*> open_;
  std::string key_;
};

constexpr unsigned read_flags = rapidjson::kParseIterativeFlag |
                                rapidjson::kParseValidateEncodingFlag |
                                rapidjson::kParseNumbersAsStringsFlag;

using text_writer =
    rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>,
                      rapidjson::UTF8<>, rapidjson::CrtAllocator,
                      rapidjson::kWriteValidateEncodingFlag>;

/// Writes `doc`, `depth` containers deep, to `out`; false when a string is
/// not valid UTF-8. Throws for what `parse_json` would not read back.
bool write(text_writer& out, const json& doc, size_t depth = 0) {
  if (doc.is_structured() && depth == max_json_depth)
    throw json_text_error{"nested deeper than " +
                          std::to_string(max_json_depth) + " levels"};
  switch (doc.type()) {
  case json::value_t::object: {
    out.StartObject();
    for (const auto& [key, value] : doc.get_ref<const json::object_t&>())
      if (!out.Key(key.data(), static_cast<rapidjson::SizeType>(key.size())) ||
          !write(out, value, depth + 1))
        return false;
    return out.EndObject();
  }
  case json::value_t::array: {
    out.StartArray();
    for (const auto& item : doc.get_ref<const json::array_t&>())
      if (!write(out, item, depth + 1))
        return false;
    return out.EndArray();
  }
  case json::value_t::string: {
    const auto& text = doc.get_ref<const json::string_t&>();
    return out.String(text.data(),
                      static_cast<rapidjson::SizeType>(text.size()));
  }
  case json::value_t::boolean:
    return out.Bool(doc.get<bool>());
  case json::value_t::number_integer:
    return out.Int64(doc.get<json::number_integer_t>());
  case json::value_t::number_unsigned:
    return out.Uint64(doc.get<json::number_unsigned_t>());
  case json::value_t::number_float: {
    // As nlohmann writes them: JSON has no NaN or infinity.
    auto d = doc.get<double>();
    return std::isfinite(d) ? out.Double(d) : out.Null();
  }
  case json::value_t::binary:
    throw json_text_error{"binary values have no JSON text"};
  case json::value_t::null:
  case json::value_t::discarded:
    return out.Null();
  }
  return false;
}

/// Reads `text` into `builder`; why it is not JSON, if it is not.
std::optional<std::string> read(std::string_view text,
                                document_builder& builder) {
  // The reader takes a NUL byte for the end of the text; valid JSON has
  // none (a string spells it \u0000).
  if (auto nul = text.find('\0'); nul != std::string_view::npos)
    return "not JSON at byte " + std::to_string(nul) + ": a NUL byte";
  // A leading byte order mark is skipped, as nlohmann does (RFC 8259 allows
  // a reader to ignore it).
  constexpr std::string_view bom = "\xEF\xBB\xBF";
  if (text.substr(0, bom.size()) == bom)
    text.remove_prefix(bom.size());
  rapidjson::MemoryStream in{text.data(), text.size()};
  rapidjson::Reader reader;
  auto result = reader.Parse<read_flags>(in, builder);
  if (!result.IsError())
    return std::nullopt;
  return "not JSON at byte " + std::to_string(result.Offset()) + ": " +
         (builder.refusal ? builder.refusal
                          : rapidjson::GetParseError_En(result.Code()));
}

} // namespace

nlohmann::json try_parse_json(std::string_view text) {
  document_builder builder;
  if (read(text, builder))
    return json::value_t::discarded;
  return std::move(builder.root);
}

nlohmann::json parse_json(std::string_view text) {
  document_builder builder;
  if (auto why = read(text, builder))
    throw json_text_error{std::move(*why)};
  return std::move(builder.root);
}

std::string dump_json(const nlohmann::json& doc) {
  // One buffer per thread, kept between calls: most texts fit in what the
  // last one needed. A rare big one does not keep its memory in every
  // thread, whether it was written or failed halfway.
  thread_local rapidjson::StringBuffer buffer;
  thread_local text_writer out{buffer};
  struct keep_small {
    rapidjson::StringBuffer& buffer;
    ~keep_small() {
      constexpr size_t kept_bytes = 64 * 1024;
      if (buffer.stack_.GetCapacity() > kept_bytes) {
        buffer.Clear();
        buffer.ShrinkToFit();
      }
    }
  } guard{buffer};
  buffer.Clear();
  // Also forgets the levels of a write that failed halfway.
  out.Reset(buffer);
  if (!write(out, doc))
    throw json_text_error{"a string is not valid UTF-8"};
  return std::string{buffer.GetString(), buffer.GetSize()};
}

} // namespace mall::domains
