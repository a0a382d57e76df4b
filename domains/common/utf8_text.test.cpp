#define CAF_SUITE domains.common.utf8_text
#include "tests/support/caf_test.hpp"

#include "domains/common/utf8_text.hpp"

#include <string>

using namespace mall::domains;

CAF_TEST(the length of text counts code points rather than bytes) {
  CAF_CHECK_EQUAL(utf8_length("").value_or(99), 0u);
  CAF_CHECK_EQUAL(utf8_length("abc").value_or(99), 3u);
  CAF_CHECK_EQUAL(utf8_length("\xed\x95\x9c\xea\xb8\x80").value_or(99),
                  2u);                                                // 한글
  CAF_CHECK_EQUAL(utf8_length("\xc3\xa9").value_or(99), 1u);          // é
  CAF_CHECK_EQUAL(utf8_length("\xf0\x9f\x98\x80!").value_or(99), 2u); // 😀!
}

CAF_TEST(malformed utf8 has no length) {
  CAF_CHECK(!utf8_length("\xff"));
  CAF_CHECK(!utf8_length("\x80"));             // lone continuation byte
  CAF_CHECK(!utf8_length("\xc3"));             // truncated sequence
  CAF_CHECK(!utf8_length("\xe2\x82"));         // truncated sequence
  CAF_CHECK(!utf8_length("\xc0\xaf"));         // overlong '/'
  CAF_CHECK(!utf8_length("\xe0\x80\xaf"));     // overlong '/'
  CAF_CHECK(!utf8_length("\xed\xa0\x80"));     // surrogate U+D800
  CAF_CHECK(!utf8_length("\xf4\x90\x80\x80")); // above U+10FFFF
  CAF_CHECK(!utf8_length("a\xc3(b"));          // bad continuation byte
}

CAF_TEST(trimming removes unicode white space at both ends only) {
  CAF_CHECK_EQUAL(trim_unicode_space("  a b \t\n"), "a b");
  CAF_CHECK_EQUAL(trim_unicode_space("\xc2\xa0x\xe3\x80\x80"),
                  "x"); // NBSP, U+3000
  CAF_CHECK_EQUAL(trim_unicode_space("\xe2\x80\x83\xed\x95\x9c "),
                  "\xed\x95\x9c"); // em space
  CAF_CHECK_EQUAL(trim_unicode_space("x"), "x");
}

CAF_TEST(text made only of white space trims to nothing) {
  CAF_CHECK_EQUAL(trim_unicode_space(""), "");
  CAF_CHECK_EQUAL(trim_unicode_space(" \t\r\n"), "");
  CAF_CHECK_EQUAL(trim_unicode_space("\xe3\x80\x80\xc2\xa0"), "");
}
