// SPDX-License-Identifier: BSL-1.0
// Validation of UTF-8, text, names and rooms; the chat error category.
#include <chat/error.hpp>
#include <chat/protocol.hpp>
#include <chat/text.hpp>

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using chat::errc;
using namespace std::string_literals;

boost::system::error_code ec(errc e) { return chat::make_error_code(e); }

// Every errc enumerator with its value: the values are the codes ERROR frames carry.
const std::vector<std::pair<errc, int>> all_errors = {
    {errc::unsupported_version, 1},   {errc::frame_too_large, 2},
    {errc::unknown_type, 3},          {errc::malformed_frame, 4},
    {errc::invalid_utf8, 5},          {errc::invalid_text, 6},
    {errc::unexpected_type, 7},       {errc::not_registered, 8},
    {errc::already_registered, 9},    {errc::invalid_name, 10},
    {errc::name_taken, 11},           {errc::invalid_room, 12},
    {errc::too_slow, 13},             {errc::server_shutting_down, 14},
    {errc::internal_error, 15},       {errc::handshake_timeout, 16},
    {errc::no_such_room, 17},         {errc::not_in_room, 18},
    {errc::already_in_room, 19},      {errc::no_such_user, 20},
    {errc::too_many_rooms, 21},       {errc::ping_timeout, 22},
    {errc::too_many_connections, 23}, {errc::flooding, 24},
    {errc::bad_password, 25},         {errc::resume_failed, 26},
    {errc::session_resumed, 27},
    {errc::connection_closed, 100},   {errc::not_connected, 101},
    {errc::operation_in_progress, 102},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(text)

BOOST_AUTO_TEST_CASE(valid_utf8) {
  const std::vector<std::string> valid = {
      "",
      "hello, world",
      "\0nul"s,                          // U+0000 is well formed
      "\x7F",                            // last one-byte code point
      "\xC2\x80",                        // first two-byte code point
      "\xC3\xA9t\xC3\xA9",               // é
      "\xDF\xBF",                        // U+07FF
      "\xE0\xA0\x80",                    // U+0800
      "\xE2\x82\xAC",                    // €
      "\xED\x9F\xBF",                    // U+D7FF, just below the surrogates
      "\xEE\x80\x80",                    // U+E000, just above them
      "\xEF\xBF\xBF",                    // U+FFFF
      "\xF0\x90\x80\x80",                // U+10000
      "\xF0\x9F\x98\x80 smile",          // 😀
      "\xF4\x8F\xBF\xBF",                // U+10FFFF
      "mixed \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80 end",
  };
  for (const auto& s : valid) BOOST_TEST(chat::is_valid_utf8(s), "expected valid: " << s);
}

BOOST_AUTO_TEST_CASE(invalid_utf8) {
  const std::vector<std::string> invalid = {
      "\xC0\xAF",                  // overlong '/'
      "\xC1\xBF",                  // overlong U+007F
      "\xE0\x80\xAF",              // overlong, three bytes
      "\xE0\x9F\xBF",              // overlong U+07FF
      "\xF0\x80\x80\xAF",          // overlong, four bytes
      "\xF0\x8F\xBF\xBF",          // overlong U+FFFF
      "\xED\xA0\x80",              // U+D800, surrogate
      "\xED\xBF\xBF",              // U+DFFF, surrogate
      "\xF4\x90\x80\x80",          // U+110000
      "\xF5\x80\x80\x80",          // lead byte beyond U+10FFFF
      "\xF8\x88\x80\x80\x80",      // five-byte form
      "\xFE", "\xFF",
      "\xC3",                      // truncated two-byte
      "\xE2\x82",                  // truncated three-byte
      "\xF0\x9F\x98",              // truncated four-byte
      "ok\xE2\x82",                // truncated at the end of a longer string
      "\xE2\x82" "a",              // continuation replaced by ASCII
      "\xC3\xC3\xA9",              // lead byte where a continuation belongs
      "\x80",                      // stray continuation
      "a\xBF" "b",                 // stray continuation between ASCII
      "\xC3\xA9\xA9",              // extra continuation after a complete sequence
  };
  for (std::size_t i = 0; i < invalid.size(); ++i)
    BOOST_TEST(!chat::is_valid_utf8(invalid[i]), "expected invalid, index " << i);

  // Cut by the view's length, not by a NUL: the bytes after the view must not be read.
  const std::string_view full = "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  BOOST_TEST(!chat::is_valid_utf8(full.substr(0, 1)));
  BOOST_TEST(!chat::is_valid_utf8(full.substr(2, 2)));
  BOOST_TEST(!chat::is_valid_utf8(full.substr(5, 3)));
  BOOST_TEST(chat::is_valid_utf8(full.substr(2, 3)));
}

BOOST_AUTO_TEST_CASE(check_text_rules) {
  BOOST_TEST(!chat::check_text("hello"));
  BOOST_TEST(!chat::check_text("tab\tis allowed"));
  BOOST_TEST(!chat::check_text("\xC2\xA0 no-break space, \xE2\x82\xAC, \xF0\x9F\x98\x80"));
  BOOST_TEST(!chat::check_text("~"));  // U+007E, just below DEL

  BOOST_TEST(chat::check_text("") == ec(errc::invalid_text));
  for (const std::string& s : {"line\nbreak"s, "carriage\rreturn"s, "\x1B[31mred"s, "del\x7F"s,
                               "nul\0"s, "\x01"s, "\x1F"s, "c1 \xC2\x80"s, "csi \xC2\x9B"s,
                               "c1 \xC2\x9F"s})
    BOOST_TEST(chat::check_text(s) == ec(errc::invalid_text), "for " << s);

  BOOST_TEST(chat::check_text("\xC0\xAF") == ec(errc::invalid_utf8));
  BOOST_TEST(chat::check_text("ok \xFF") == ec(errc::invalid_utf8));
  BOOST_TEST(chat::check_text("\xED\xA0\x80") == ec(errc::invalid_utf8));
}

BOOST_AUTO_TEST_CASE(check_text_length_limit) {
  BOOST_TEST(!chat::check_text(std::string(chat::max_text_bytes, 'a')));
  BOOST_TEST(chat::check_text(std::string(chat::max_text_bytes + 1, 'a')) ==
             ec(errc::invalid_text));

  // The limit is in bytes, not code points.
  std::string emoji;
  while (emoji.size() < chat::max_text_bytes) emoji += "\xF0\x9F\x98\x80";
  BOOST_TEST_REQUIRE(emoji.size() == chat::max_text_bytes);
  BOOST_TEST(!chat::check_text(emoji));
  BOOST_TEST(chat::check_text(emoji + "a") == ec(errc::invalid_text));

  // Encoding errors win over content errors, as the spec orders them.
  BOOST_TEST(chat::check_text(std::string(chat::max_text_bytes + 1, 'a') + "\xFF") ==
             ec(errc::invalid_utf8));
  BOOST_TEST(chat::check_text("\x1B\xFF") == ec(errc::invalid_utf8));
}

BOOST_AUTO_TEST_CASE(check_short_text_rules) {
  // Unlike check_text, empty is fine: no topic, no reason.
  BOOST_TEST(!chat::check_short_text("", chat::max_topic_bytes));
  BOOST_TEST(!chat::check_short_text("", chat::max_reason_bytes));
  BOOST_TEST(!chat::check_short_text("", 0));
  BOOST_TEST(!chat::check_short_text("gone fishing", chat::max_reason_bytes));
  BOOST_TEST(!chat::check_short_text("tab\tis allowed", chat::max_topic_bytes));
  BOOST_TEST(!chat::check_short_text("\xC2\xA0 \xE2\x82\xAC \xF0\x9F\x98\x80 ~", chat::max_topic_bytes));

  for (const std::string& s : {"line\nbreak"s, "carriage\rreturn"s, "\x1B[31mred"s, "del\x7F"s,
                               "nul\0"s, "\0"s, "\x01"s, "\x1F"s, "c1 \xC2\x80"s, "csi \xC2\x9B"s,
                               "c1 \xC2\x9F"s})
    BOOST_TEST(chat::check_short_text(s, chat::max_topic_bytes) == ec(errc::invalid_text),
               "for " << s);

  for (const std::string& s : {"\xC0\xAF"s, "ok \xFF"s, "\xED\xA0\x80"s, "\xC3"s, "\x80"s,
                               "\xF4\x90\x80\x80"s})
    BOOST_TEST(chat::check_short_text(s, chat::max_topic_bytes) == ec(errc::invalid_utf8));
  // Encoding errors win over content errors, as in check_text.
  BOOST_TEST(chat::check_short_text("\x1B\xFF", chat::max_topic_bytes) == ec(errc::invalid_utf8));
  BOOST_TEST(chat::check_short_text("\n\xC0\xAF", chat::max_reason_bytes) == ec(errc::invalid_utf8));
}

BOOST_AUTO_TEST_CASE(check_short_text_length_limit) {
  for (std::size_t max : {chat::max_topic_bytes, chat::max_reason_bytes, std::size_t{1}}) {
    BOOST_TEST(!chat::check_short_text(std::string(max, 'a'), max), "max " << max);
    BOOST_TEST(chat::check_short_text(std::string(max + 1, 'a'), max) == ec(errc::invalid_text),
               "max " << max);
  }
  BOOST_TEST(chat::check_short_text("a", 0) == ec(errc::invalid_text));
  BOOST_TEST(chat::max_topic_bytes == 512u);
  BOOST_TEST(chat::max_reason_bytes == 256u);

  // The limit is in bytes, not code points: 128 four-byte emoji fill a topic exactly.
  std::string emoji;
  while (emoji.size() < chat::max_topic_bytes) emoji += "\xF0\x9F\x98\x80";
  BOOST_TEST_REQUIRE(emoji.size() == chat::max_topic_bytes);
  BOOST_TEST(!chat::check_short_text(emoji, chat::max_topic_bytes));
  BOOST_TEST(chat::check_short_text(emoji + "a", chat::max_topic_bytes) == ec(errc::invalid_text));
  BOOST_TEST(chat::check_short_text(emoji, chat::max_reason_bytes) == ec(errc::invalid_text));
  // Two-byte characters: 128 of them are 256 bytes, a reason's limit.
  std::string accents;
  for (int i = 0; i < 128; ++i) accents += "\xC3\xA9";
  BOOST_TEST(!chat::check_short_text(accents, chat::max_reason_bytes));
  BOOST_TEST(chat::check_short_text(accents + "\xC3\xA9", chat::max_reason_bytes) ==
             ec(errc::invalid_text));

  // Too long and badly encoded: the encoding error is reported.
  BOOST_TEST(chat::check_short_text(std::string(chat::max_reason_bytes + 1, 'a') + "\xFF",
                                    chat::max_reason_bytes) == ec(errc::invalid_utf8));
}

BOOST_AUTO_TEST_CASE(check_text_is_check_short_text_but_not_empty) {
  const std::vector<std::string> inputs = {
      "hi"s, "tab\t"s, "\n"s, "\xFF"s, "\xC2\x9B"s, std::string(chat::max_text_bytes, 'a'),
      std::string(chat::max_text_bytes + 1, 'a'), "\xF0\x9F\x98\x80"s, "\xED\xA0\x80"s};
  for (const auto& s : inputs)
    BOOST_TEST(chat::check_text(s) == chat::check_short_text(s, chat::max_text_bytes),
               "size " << s.size());
  BOOST_TEST(!chat::check_short_text("", chat::max_text_bytes));
  BOOST_TEST(chat::check_text("") == ec(errc::invalid_text));
}

BOOST_AUTO_TEST_CASE(forbidden_controls) {
  for (char32_t c : {U'\0', U'\n', U'\r', U'\x1B', U'\x1F', U'\x7F', U'\x80', U'\x9B', U'\x9F'})
    BOOST_TEST(chat::is_forbidden_control(c), "U+" << std::hex << std::uint32_t(c));
  for (char32_t c : {U'\t', U' ', U'~', U'\xA0', U'\x20AC', U'\x1F600'})
    BOOST_TEST(!chat::is_forbidden_control(c), "U+" << std::hex << std::uint32_t(c));
}

BOOST_AUTO_TEST_CASE(names) {
  for (const std::string& s : {"ab"s, "alice"s, "Alice_01-x.y"s, ".."s, "__"s, "0123456789"s,
                               std::string(32, 'z')})
    BOOST_TEST(chat::is_valid_name(s), "expected valid: " << s);
  for (const std::string& s : {""s, "a"s, std::string(33, 'z'), "al ice"s, " alice"s, "alice "s,
                               "#alice"s, "al#ice"s, "alice!"s, "al@ce"s, "a/b"s, "a\tb"s,
                               "a\0b"s, "\xC3\xA5lice"s, "caf\xC3\xA9"s})
    BOOST_TEST(!chat::is_valid_name(s), "expected invalid: " << s);
}

BOOST_AUTO_TEST_CASE(rooms) {
  for (const std::string& s : {"a"s, "#"s, "#general"s, "lobby"s, "Room_1-2.3#x"s,
                               std::string(64, 'r')})
    BOOST_TEST(chat::is_valid_room(s), "expected valid: " << s);
  for (const std::string& s : {""s, std::string(65, 'r'), "my room"s, "r\xC3\xA9"s, "a/b"s,
                               "a:b"s, "a\nb"s})
    BOOST_TEST(!chat::is_valid_room(s), "expected invalid: " << s);
  BOOST_TEST(chat::is_valid_room(chat::default_room));
}

BOOST_AUTO_TEST_CASE(fold_case) {
  BOOST_TEST(chat::fold_case("AlIcE_01-Z.a") == "alice_01-z.a");
  BOOST_TEST(chat::fold_case("") == "");
  BOOST_TEST(chat::fold_case("ALICE") == chat::fold_case("alice"));
  BOOST_TEST(chat::fold_case("@[`{#") == "@[`{#");  // neighbours of A-Z and a-z
  BOOST_TEST(chat::fold_case("\xC3\x89T\xC3\x89") == "\xC3\x89t\xC3\x89");  // only ASCII folds
}

BOOST_AUTO_TEST_CASE(name_skeleton_collapses_ascii_lookalikes) {
  using chat::name_skeleton;
  for (const char* lookalike : {"alice", "ALICE", "aIice", "ALlCE", "a1ice", "AL1CE", "aiice"})
    BOOST_TEST(name_skeleton(lookalike) == "allce", lookalike);
  BOOST_TEST(name_skeleton("rnallory") == name_skeleton("mallory"));
  BOOST_TEST(name_skeleton("RNALLORY") == name_skeleton("Mallory"));
  BOOST_TEST(name_skeleton("vvalter") == name_skeleton("walter"));
  BOOST_TEST(name_skeleton("clave") == name_skeleton("dave"));
  BOOST_TEST(name_skeleton("c1ave") == name_skeleton("dave"));  // pairs are read after letters
  BOOST_TEST(name_skeleton("b0b") == name_skeleton("BOB"));
  BOOST_TEST(name_skeleton("vvv") == "wv");  // left to right, each letter in one pair at most
  BOOST_TEST(name_skeleton("rrn") == "rm");
  // Names that merely share letters stay apart.
  for (const auto& [a, b] : {std::pair{"alice", "alicia"}, {"bob", "rob"}, {"carol", "caro1s"},
                             {"dave", "cave"}, {"bob_1", "bob-1"}, {"a.b", "ab"}, {"sam", "5am"},
                             {"mn", "nm"}, {"rn", "r"}})
    BOOST_TEST(name_skeleton(a) != name_skeleton(b), a << " vs " << b);
}

BOOST_AUTO_TEST_CASE(error_category) {
  const auto& category = chat::error_category();
  BOOST_TEST(std::string_view(category.name()) == "chat");
  std::set<std::string> messages;
  for (const auto& [e, value] : all_errors) {
    BOOST_TEST(static_cast<int>(e) == value);
    const std::string message = category.message(value);
    BOOST_TEST(!message.empty(), "errc " << value);
    BOOST_TEST(message.find("unknown chat error") == std::string::npos, "errc " << value);
    BOOST_TEST(messages.insert(message).second, "errc " << value << " repeats " << message);
    BOOST_TEST(chat::make_error_code(e).message() == message, "errc " << value);
  }
  for (int unknown : {0, 99, 103, 999})
    BOOST_TEST(category.message(unknown).find(std::to_string(unknown)) != std::string::npos);

  const boost::system::error_code code = chat::make_error_code(errc::name_taken);
  BOOST_TEST((code == errc::name_taken));
  BOOST_TEST((code != errc::invalid_name));
  BOOST_TEST(code.value() == 11);
  BOOST_TEST((code.category() == chat::error_category()));
  BOOST_TEST(code.message() == category.message(11));
  const boost::system::error_code implicit = errc::ping_timeout;  // is_error_code_enum
  BOOST_TEST(implicit == ec(errc::ping_timeout));
  BOOST_TEST(implicit.value() == 22);
  // An ERROR frame's code converts straight back to the enumerator.
  BOOST_TEST((boost::system::error_code(18, chat::error_category()) == errc::not_in_room));
}

BOOST_AUTO_TEST_CASE(fatal_errors) {
  const std::set<errc> fatal = {errc::frame_too_large, errc::too_slow, errc::server_shutting_down,
                                errc::handshake_timeout, errc::ping_timeout,
                                errc::too_many_connections, errc::flooding,
                                errc::bad_password, errc::session_resumed};
  for (const auto& [e, value] : all_errors)
    BOOST_TEST(chat::is_fatal(e) == fatal.contains(e), "errc " << value);
  static_assert(chat::is_fatal(errc::ping_timeout));  // usable in constant expressions
  static_assert(!chat::is_fatal(errc::not_in_room));
}

BOOST_AUTO_TEST_SUITE_END()
