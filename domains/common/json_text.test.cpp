#define CAF_SUITE domains.common.json_text
#include "tests/support/caf_test.hpp"

#include "domains/common/json_text.hpp"

#include <cstring>
#include <random>
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
    R"([0e100,0e-100,2e-324,1e-320,1.0000000000000000001e-330])",
    R"([9617819.0938883207228e-20,1.7976931348623157e308,-1e308])",
    R"([18446744073709551616,-9223372036854775809,1.0,-0.0,0.5e1])",
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
    "[10e308]",
    "[1.7976931348623159e308]",
    "[-1e309]",
    R"("\udc00")",
    R"({"\udfff":1})",
    R"("\ud800\u0041")",
};

/// Whether `a` and `b` are equal with the same kind of value everywhere:
/// nlohmann's `==` takes 1, 1u and 1.0 for one another.
bool same(const json& a, const json& b) {
  if (a.type() != b.type() || a.size() != b.size())
    return false;
  if (a.is_object()) {
    for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
      if (i.key() != j.key() || !same(*i, *j))
        return false;
    return true;
  }
  if (a.is_array()) {
    for (size_t k = 0; k < a.size(); ++k)
      if (!same(a[k], b[k]))
        return false;
    return true;
  }
  if (a.is_number_float())
    return std::memcmp(&a.get_ref<const double&>(), &b.get_ref<const double&>(),
                       sizeof(double)) == 0;
  return a == b;
}

/// Whether `doc` holds a double anywhere.
bool has_double(const json& doc) {
  if (!doc.is_structured()) // iterating a primitive visits itself
    return doc.is_number_float();
  for (const auto& item : doc)
    if (has_double(item))
      return true;
  return false;
}

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
    CAF_CHECK(same(parse_json(text), expected));
    CAF_CHECK(same(try_parse_json(text), expected));
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

CAF_TEST(nesting is read without recursion up to a bound) {
  auto nested = [](size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  auto doc = parse_json(nested(max_json_depth));
  size_t seen = 0;
  for (const json* at = &doc; !at->empty(); at = &(*at)[0])
    ++seen;
  CAF_CHECK_EQUAL(seen, max_json_depth - 1);
  // A 1 MiB request body's worth: refused, not read into a stack overflow.
  auto deep = nested(512 * 1024);
  CAF_CHECK(try_parse_json(deep).is_discarded());
  CAF_CHECK(try_parse_json(nested(max_json_depth + 1)).is_discarded());
  CAF_CHECK(
      try_parse_json(R"({"a":)" + nested(max_json_depth) + "}").is_discarded());
  // What would not read back is not written either (e.g. into the journal).
  CAF_CHECK_EQUAL(dump_json(doc), nested(max_json_depth));
  auto too_deep = json::array();
  for (size_t k = 0; k < max_json_depth; ++k)
    too_deep = json::array({std::move(too_deep)});
  CAF_CHECK(throws<json_text_error>([&] { dump_json(too_deep); }));
  CAF_CHECK_EQUAL(dump_json(json{{"after", 1}}), R"({"after":1})");
}

CAF_TEST(numbers read as nlohmann reads them whatever their spelling) {
  // Random integers, decimals and exponents, including ones beyond the
  // range of a double and below its smallest denormal.
  std::mt19937_64 rng{20261202};
  auto digits = [&](size_t n) {
    std::string out;
    for (size_t k = 0; k < n; ++k)
      out += static_cast<char>('0' + rng() % 10);
    return out;
  };
  size_t refused = 0;
  for (int k = 0; k < 50000; ++k) {
    std::string text = rng() % 2 ? "-" : "";
    auto lead = digits(1 + rng() % 22);
    text += lead.size() > 1 && lead[0] == '0' ? lead.substr(1) : lead;
    if (rng() % 2)
      text += "." + digits(1 + rng() % 20);
    auto zero = text.find_first_of("123456789") == std::string::npos;
    auto exponent = 0;
    if (rng() % 2) {
      auto minus = rng() % 2;
      exponent = static_cast<int>(rng() % 340);
      text += std::string{rng() % 2 ? "e" : "E"} + (minus ? "-" : "") +
              std::to_string(exponent);
      exponent = minus ? -exponent : exponent;
    }
    auto expected = json::parse(text, nullptr, false);
    auto got = try_parse_json(text);
    if (zero && exponent > 308) {
      // The documented difference (see the next test).
      CAF_CHECK(got.is_discarded() || same(got, expected));
      continue;
    }
    if (expected.is_discarded()) {
      ++refused;
      if (!got.is_discarded())
        CAF_FAIL("accepted what nlohmann refuses: " << text);
    } else if (!same(got, expected)) {
      CAF_FAIL(text << " read as " << got.dump() << ", nlohmann "
                    << expected.dump());
    }
  }
  CAF_MESSAGE(refused << " of 50000 refused by both");
  CAF_CHECK(refused > 0);
}

CAF_TEST(digits beyond a double refused even where the number is not ) {
  CAF_CHECK_EQUAL(json::parse("0e400"), json(0.0));
  CAF_CHECK(try_parse_json("0e400").is_discarded());
  auto long_mantissa = "1" + std::string(310, '0') + "e-300";
  CAF_CHECK_EQUAL(json::parse(long_mantissa), json(1e10));
  CAF_CHECK(try_parse_json(long_mantissa).is_discarded());
}

CAF_TEST(writes the text nlohmann writes) {
  for (const auto& text : valid_texts) {
    CAF_MESSAGE("text: " << text);
    auto doc = json::parse(text);
    // Doubles are spelled RapidJSON's way (see the header); nlohmann reads
    // them back to the same bits, as it reads its own text back.
    CAF_CHECK(same(json::parse(dump_json(doc)), json::parse(doc.dump())));
    if (!has_double(doc))
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
