#define CAF_SUITE domains.common.json_text
#include "tests/support/caf_test.hpp"

#include "domains/common/json_text.hpp"

#include <string>
#include <vector>

using namespace mall::domains;
using nlohmann::json;

namespace {

// Texts nlohmann reads, with what they mean.
const std::vector<std::string> valid_texts = {
    R"({"a":1,"b":[true,false,null],"c":{"d":"e"}})",
    R"(  {"z":1, "a":2}  )",
    R"([1,-1,0,-0,18446744073709551615,-9223372036854775808])",
    R"([1.5,1e3,-2.25E-2,0.1])",
    R"("caf\u00e9 \ud83d\ude00 \"quoted\" \\ \/ \b\f\n\r\t \u0000")",
    "\"\xea\xb0\x80\xeb\x82\x98\"", // 가나
    R"({"dup":1,"dup":2})",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    R"({})",
    R"([])",
    "42",
    "\xEF\xBB\xBF{\"bom\":true}",
};

// Texts nlohmann refuses.
const std::vector<std::string> invalid_texts = {
    "",
    "   ",
    "{",
    R"({"a":1,})",
    "[1,]",
    "{'a':1}",
    R"({"a":1} x)",
    R"({"a":1}{"b":2})",
    "NaN",
    "[1e400]",
    "[01]",
    "\"\x01\"",
    "\"\xff\"",
    "\"\xc3\"",
    R"("\ud800")",
    R"("\x")",
    "/* c */ {}",
};

/// Whether `f()` throws an `E`.
template<class E, class F> bool throws(F f) {
  try {
    f();
  } catch (const E&) {
    return true;
  }
  return false;
}

} // namespace

CAF_TEST(reads what nlohmann reads and as nlohmann reads it) {
  for (const auto& text : valid_texts) {
    CAF_MESSAGE("text: " << text);
    auto expected = json::parse(text);
    auto got = parse_json(text);
    CAF_CHECK_EQUAL(got, expected);
    CAF_CHECK_EQUAL(got.type_name(), std::string{expected.type_name()});
    CAF_CHECK_EQUAL(try_parse_json(text), expected);
  }
}

CAF_TEST(integers keep the kind nlohmann gives them) {
  auto doc = parse_json(R"([1,-1,18446744073709551615,1.0])");
  CAF_CHECK(doc[0].is_number_unsigned());
  CAF_CHECK(doc[1].is_number_integer() && !doc[1].is_number_unsigned());
  CAF_CHECK_EQUAL(doc[2].get<uint64_t>(), 18446744073709551615ull);
  CAF_CHECK(doc[3].is_number_float());
}

CAF_TEST(a repeated key keeps its last value wherever it comes) {
  CAF_CHECK_EQUAL(parse_json(R"({"b":1,"a":2,"b":3})"),
                  json({{"a", 2}, {"b", 3}}));
  CAF_CHECK_EQUAL(parse_json(R"({"a":1,"a":{"x":1},"a":[2]})"),
                  json({{"a", {2}}}));
}

CAF_TEST(refuses what nlohmann refuses) {
  for (const auto& text : invalid_texts) {
    CAF_MESSAGE("text: " << text);
    CAF_CHECK(json::parse(text, nullptr, false).is_discarded());
    CAF_CHECK(try_parse_json(text).is_discarded());
    CAF_CHECK(throws<json_text_error>([&] { parse_json(text); }));
  }
}

CAF_TEST(a nul byte is refused where nlohmann stops reading) {
  for (auto text : {std::string{"{}\0{}", 5}, std::string{"\"a\0b\"", 5}}) {
    CAF_CHECK(try_parse_json(text).is_discarded());
    CAF_CHECK(throws<json_text_error>([&] { parse_json(text); }));
  }
  CAF_CHECK_EQUAL(json::parse(std::string{"{}\0{}", 5}), json::object());
}

CAF_TEST(the error says where the text stops being json) {
  auto why = [](const std::string& text) {
    try {
      parse_json(text);
    } catch (const json_text_error& e) {
      return std::string{e.what()};
    }
    return std::string{"no error"};
  };
  CAF_CHECK_EQUAL(why(R"({"a":tru})"), "not JSON at byte 8: Invalid value.");
  CAF_CHECK_EQUAL(why(std::string{"[1,\0]", 5}),
                  "not JSON at byte 3: a NUL byte");
}

CAF_TEST(big doubles read back the same though spelled without a plus) {
  auto doc = json::parse("[123456789012345678901234567890,1e-300]");
  CAF_CHECK_EQUAL(dump_json(doc), "[1.2345678901234568e29,1e-300]");
  CAF_CHECK_EQUAL(parse_json(dump_json(doc)), doc);
}

CAF_TEST(nesting deeper than any call stack is read without recursion) {
  const size_t depth = 1'000'000;
  auto text = std::string(depth, '[') + std::string(depth, ']');
  auto doc = parse_json(text);
  size_t seen = 0;
  for (const json* at = &doc; !at->empty(); at = &(*at)[0])
    ++seen;
  CAF_CHECK_EQUAL(seen, depth - 1);
}

CAF_TEST(writes the text nlohmann writes) {
  for (const auto& text : valid_texts) {
    CAF_MESSAGE("text: " << text);
    auto doc = json::parse(text);
    CAF_CHECK_EQUAL(dump_json(doc), doc.dump());
  }
  CAF_CHECK_EQUAL(dump_json(json{{"b", 1}, {"a", "x"}}), R"({"a":"x","b":1})");
}

CAF_TEST(control characters are escaped and the text reads back) {
  auto doc = json{std::string{"a\x01\x1f\x7f\n", 5}};
  auto text = dump_json(doc);
  CAF_CHECK_EQUAL(text.find('\x01'), std::string::npos);
  CAF_CHECK_EQUAL(parse_json(text), doc);
}

CAF_TEST(numbers nlohmann cannot write as json become null as there) {
  auto doc = json::array({std::numeric_limits<double>::quiet_NaN(),
                          std::numeric_limits<double>::infinity()});
  CAF_CHECK_EQUAL(dump_json(doc), "[null,null]");
  CAF_CHECK_EQUAL(dump_json(doc), doc.dump());
}

CAF_TEST(a string that is not utf8 is refused as nlohmann refuses it) {
  auto doc = json{{"name", std::string{"\xff"}}};
  CAF_CHECK(throws<json::type_error>([&] { doc.dump(); }));
  CAF_CHECK(throws<json_text_error>([&] { dump_json(doc); }));
}

CAF_TEST(a text far larger than the last one is written whole) {
  auto small = dump_json(json{{"a", 1}});
  auto big = json::array();
  for (int i = 0; i < 10000; ++i)
    big.push_back("item " + std::to_string(i));
  CAF_CHECK_EQUAL(dump_json(big), big.dump());
  CAF_CHECK_EQUAL(dump_json(json{{"a", 1}}), small);
}
