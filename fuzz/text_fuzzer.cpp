// SPDX-License-Identifier: BSL-1.0
// Text validation against a reference written differently: UTF-8 well-formedness by the byte
// ranges of the Unicode Standard's table 3-7 (the library decodes and range-checks code points
// instead), and the text, name and room rules of PROTOCOL.md section 6 restated from the spec.
#include "fuzz_check.hpp"

#include <chat/limits.hpp>
#include <chat/text.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// The code points of `s`, or nullopt if it is not well-formed (table 3-7).
std::optional<std::vector<char32_t>> reference_decode(std::string_view s) {
  std::vector<char32_t> out;
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto in = [](unsigned char b, unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char b0 = at(i);
    std::size_t n = 0;
    unsigned lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (b0 <= 0x7F) n = 1;
    else if (in(b0, 0xC2, 0xDF)) n = 2;
    else if (b0 == 0xE0) n = 3, lo = 0xA0;
    else if (in(b0, 0xE1, 0xEC) || in(b0, 0xEE, 0xEF)) n = 3;
    else if (b0 == 0xED) n = 3, hi = 0x9F;
    else if (b0 == 0xF0) n = 4, lo = 0x90;
    else if (in(b0, 0xF1, 0xF3)) n = 4;
    else if (b0 == 0xF4) n = 4, hi = 0x8F;
    else return std::nullopt;
    if (s.size() - i < n) return std::nullopt;
    if (n >= 2 && !in(at(i + 1), lo, hi)) return std::nullopt;
    for (std::size_t k = 2; k < n; ++k)
      if (!in(at(i + k), 0x80, 0xBF)) return std::nullopt;
    char32_t c = n == 1 ? b0 : n == 2 ? (b0 & 0x1Fu) : n == 3 ? (b0 & 0x0Fu) : (b0 & 0x07u);
    for (std::size_t k = 1; k < n; ++k) c = (c << 6) | (at(i + k) & 0x3Fu);
    out.push_back(c);
    i += n;
  }
  return out;
}

bool forbidden(char32_t c) { return (c < 0x20 && c != U'\t') || (c >= 0x7F && c <= 0x9F); }

/// check_short_text's result as PROTOCOL.md 6.3 and 6.4 state it.
chat::errc expected_text_check(std::string_view s, std::size_t max_bytes, bool may_be_empty) {
  const auto code_points = reference_decode(s);
  if (!code_points) return chat::errc::invalid_utf8;
  for (char32_t c : *code_points)
    if (forbidden(c)) return chat::errc::invalid_text;
  if (s.size() > max_bytes || (s.empty() && !may_be_empty)) return chat::errc::invalid_text;
  return chat::errc{};
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-' || c == '.';
}

void check_as(chat::errc expected, boost::system::error_code got) {
  if (expected == chat::errc{})
    FUZZ_CHECK(!got);
  else
    FUZZ_CHECK(got == expected);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);

  FUZZ_CHECK(chat::is_valid_utf8(s) == reference_decode(s).has_value());
  check_as(expected_text_check(s, chat::max_text_bytes, false), chat::check_text(s));
  check_as(expected_text_check(s, chat::max_topic_bytes, true),
           chat::check_short_text(s, chat::max_topic_bytes));
  check_as(expected_text_check(s, chat::max_reason_bytes, true),
           chat::check_short_text(s, chat::max_reason_bytes));

  bool all_name_chars = true, all_room_chars = true;
  for (char c : s) {
    all_name_chars = all_name_chars && name_char(c);
    all_room_chars = all_room_chars && (name_char(c) || c == '#');
  }
  FUZZ_CHECK(chat::is_valid_name(s) == (all_name_chars && s.size() >= chat::min_name_length &&
                                        s.size() <= chat::max_name_length));
  FUZZ_CHECK(chat::is_valid_room(s) ==
             (all_room_chars && !s.empty() && s.size() <= chat::max_room_length));

  // Case folding: same length, idempotent, ASCII letters only, and validity is unchanged.
  const std::string folded = chat::fold_case(s);
  FUZZ_CHECK(folded.size() == s.size());
  FUZZ_CHECK(chat::fold_case(folded) == folded);
  for (std::size_t i = 0; i < s.size(); ++i)
    FUZZ_CHECK(folded[i] == s[i] || (s[i] >= 'A' && s[i] <= 'Z' && folded[i] == s[i] + 32));
  FUZZ_CHECK(chat::is_valid_name(folded) == chat::is_valid_name(s));
  FUZZ_CHECK(chat::is_valid_room(folded) == chat::is_valid_room(s));

  // The lookalike skeleton (6.1) ignores case, never lengthens a name, and holds none of the
  // characters it maps away.
  if (chat::is_valid_name(s)) {
    const std::string skeleton = chat::name_skeleton(s);
    FUZZ_CHECK(skeleton == chat::name_skeleton(folded));
    FUZZ_CHECK(skeleton.size() <= s.size());
    FUZZ_CHECK(skeleton.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ01i") == std::string::npos);
    FUZZ_CHECK(skeleton.find("rn") == std::string::npos && skeleton.find("vv") == std::string::npos &&
               skeleton.find("cl") == std::string::npos);
  }
  return 0;
}
