// chatcli's rendering: what reaches the user's terminal from text other people wrote.
#include "render.hpp"

#include <chat/text.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace {

// 2023-11-14 22:13:20 UTC.
constexpr std::uint64_t known_ms = 1'700'000'000'000;

// Runs the test in TZ=UTC and puts the previous TZ back afterwards.
struct utc_time_zone {
  std::optional<std::string> saved;
  utc_time_zone() {
    if (const char* tz = std::getenv("TZ")) saved = tz;
    set("UTC");
  }
  ~utc_time_zone() {
    if (saved)
      set(saved->c_str());
    else {
      ::unsetenv("TZ");
      ::tzset();
    }
  }
  static void set(const char* tz) {
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
};

// True if `s` holds no byte or code point a terminal would act on: C0 (but tab), DEL, C1,
// bidirectional controls; and is well-formed UTF-8.
bool is_terminal_safe(const std::string& s) {
  if (!chat::is_valid_utf8(s)) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b < 0x20 && b != '\t') || b == 0x7F) return false;
    const auto next = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0u;
    if (b == 0xC2 && next >= 0x80 && next <= 0x9F) return false;  // U+0080..U+009F
    if (b == 0xE2 && i + 2 < s.size()) {
      const auto third = static_cast<unsigned char>(s[i + 2]);
      if (next == 0x80 && third >= 0xAA && third <= 0xAE) return false;  // U+202A..U+202E
      if (next == 0x81 && third >= 0xA6 && third <= 0xA9) return false;  // U+2066..U+2069
    }
  }
  return true;
}

chat::msg::message make_message(std::string sender, std::string text) {
  chat::msg::message m;
  m.id = 7;
  m.time_ms = known_ms;
  m.sender = std::move(sender);
  m.room = "lobby";
  m.text = std::move(text);
  return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(chatcli_inert)

BOOST_AUTO_TEST_CASE(plain_text_is_unchanged) {
  BOOST_TEST(chatcli::inert("") == "");
  BOOST_TEST(chatcli::inert("hello, world!") == "hello, world!");
  BOOST_TEST(chatcli::inert("a\tb") == "a\tb");
}

BOOST_AUTO_TEST_CASE(valid_multibyte_utf8_is_unchanged) {
  const std::string text = "h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80";  // "héllo ✓ 😀"
  BOOST_TEST(chatcli::inert(text) == text);
  BOOST_TEST(chatcli::inert("\xEF\xBF\xBD") == "\xEF\xBF\xBD");          // U+FFFD
  BOOST_TEST(chatcli::inert("\xF4\x8F\xBF\xBF") == "\xF4\x8F\xBF\xBF");  // U+10FFFF
  BOOST_TEST(chatcli::inert("\xC2\xA0") == "\xC2\xA0");                  // U+00A0, just past C1
  BOOST_TEST(chatcli::inert("\xE2\x80\xAF") == "\xE2\x80\xAF");          // U+202F, just past bidi
}

BOOST_AUTO_TEST_CASE(c0_controls_show_as_caret_letters) {
  BOOST_TEST(chatcli::inert("a\x1b" "b") == "a^[b");
  BOOST_TEST(chatcli::inert("\a") == "^G");
  BOOST_TEST(chatcli::inert(std::string("a\0b", 3)) == "a^@b");
  BOOST_TEST(chatcli::inert("line\r\n") == "line^M^J");
  BOOST_TEST(chatcli::inert("\x08\x1f") == "^H^_");
}

BOOST_AUTO_TEST_CASE(del_shows_as_caret_question_mark) {
  BOOST_TEST(chatcli::inert("\x7f") == "^?");
}

BOOST_AUTO_TEST_CASE(ansi_sequences_are_neutralised) {
  BOOST_TEST(chatcli::inert("\x1b[2J") == "^[[2J");
  BOOST_TEST(chatcli::inert("\x1b]0;pwned\x07") == "^[]0;pwned^G");
  BOOST_TEST(chatcli::inert("\x1b[31mred\x1b[0m") == "^[[31mred^[[0m");
}

BOOST_AUTO_TEST_CASE(c1_controls_show_as_code_points) {
  BOOST_TEST(chatcli::inert("\xC2\x9B" "2J") == "<U+009B>2J");  // CSI
  BOOST_TEST(chatcli::inert("\xC2\x80") == "<U+0080>");
  BOOST_TEST(chatcli::inert("\xC2\x85") == "<U+0085>");
  BOOST_TEST(chatcli::inert("\xC2\x9F") == "<U+009F>");
}

BOOST_AUTO_TEST_CASE(bidi_controls_show_as_code_points) {
  BOOST_TEST(chatcli::inert("abc\xE2\x80\xAE" "def") == "abc<U+202E>def");  // RLO
  BOOST_TEST(chatcli::inert("\xE2\x80\xAA") == "<U+202A>");
  BOOST_TEST(chatcli::inert("\xE2\x81\xA6") == "<U+2066>");
  BOOST_TEST(chatcli::inert("\xE2\x81\xA9") == "<U+2069>");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_bytes_show_as_hex) {
  BOOST_TEST(chatcli::inert("\xff") == "\\xFF");
  BOOST_TEST(chatcli::inert("a\xff" "b") == "a\\xFFb");
  BOOST_TEST(chatcli::inert("\xC0\xAF") == "\\xC0\\xAF");            // overlong '/'
  BOOST_TEST(chatcli::inert("\xED\xA0\x80") == "\\xED\\xA0\\x80");   // surrogate U+D800
  BOOST_TEST(chatcli::inert("\xE2\x9C") == "\\xE2\\x9C");            // truncated
  BOOST_TEST(chatcli::inert("\xE2\x9C" "ok") == "\\xE2\\x9Cok");     // truncated, then ASCII
  BOOST_TEST(chatcli::inert("\x80") == "\\x80");                     // lone continuation
  BOOST_TEST(chatcli::inert("\xF4\x90\x80\x80") == "\\xF4\\x90\\x80\\x80");  // above U+10FFFF
}

// Whatever the bytes, the result is safe to print: every one- and two-byte input.
BOOST_AUTO_TEST_CASE(every_short_input_becomes_terminal_safe) {
  for (int a = 0; a < 256; ++a) {
    const std::string one(1, static_cast<char>(a));
    BOOST_TEST_REQUIRE(is_terminal_safe(chatcli::inert(one)), "byte " << a);
    for (int b = 0; b < 256; ++b) {
      const std::string two{static_cast<char>(a), static_cast<char>(b)};
      if (!is_terminal_safe(chatcli::inert(two)))
        BOOST_TEST_REQUIRE(false, "bytes " << a << ' ' << b);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(chatcli_render)

BOOST_AUTO_TEST_CASE(clock_time_is_hh_mm_in_local_time) {
  utc_time_zone utc;
  BOOST_TEST(chatcli::clock_time(known_ms) == "22:13");
  BOOST_TEST(chatcli::clock_time(0) == "00:00");
  BOOST_TEST(chatcli::clock_time(known_ms + 39'999) == "22:13");  // 22:13:59.999
  BOOST_TEST(chatcli::clock_time(known_ms + 40'000) == "22:14");
  utc_time_zone::set("UTC-2");  // POSIX sign: two hours east of UTC
  BOOST_TEST(chatcli::clock_time(known_ms) == "00:13");
}

BOOST_AUTO_TEST_CASE(message_is_time_sender_text) {
  utc_time_zone utc;
  BOOST_TEST(chatcli::render(make_message("alice", "hello from alice"), 0) ==
             "22:13 alice: hello from alice");
}

BOOST_AUTO_TEST_CASE(message_uses_its_own_time_not_now) {
  utc_time_zone utc;
  BOOST_TEST(chatcli::render(make_message("alice", "hi"), known_ms + 3'600'000) ==
             "22:13 alice: hi");
}

BOOST_AUTO_TEST_CASE(message_sender_and_text_are_made_inert) {
  utc_time_zone utc;
  BOOST_TEST(chatcli::render(make_message("ev\x1bil", "\x1b[2Jboom\xE2\x80\xAE\xff"), 0) ==
             "22:13 ev^[il: ^[[2Jboom<U+202E>\\xFF");
}

BOOST_AUTO_TEST_CASE(joined_and_left_are_stamped_with_now) {
  utc_time_zone utc;
  const chat::msg::joined j{"bob", "lobby", 2};
  BOOST_TEST(chatcli::render(j, known_ms) == "22:13 * bob joined lobby (2 online)");

  const chat::msg::left l{"bob", "lobby", 1};
  BOOST_TEST(chatcli::render(l, known_ms + 3'600'000) == "23:13 * bob left lobby (1 online)");
}

BOOST_AUTO_TEST_CASE(joined_and_left_names_are_made_inert) {
  utc_time_zone utc;
  const chat::msg::joined j{"b\x1b[1mob", "r\xC2\x9B", 3};
  BOOST_TEST(chatcli::render(j, known_ms) == "22:13 * b^[[1mob joined r<U+009B> (3 online)");

  const chat::msg::left l{"\x07x", "lobby", 0};
  BOOST_TEST(chatcli::render(l, known_ms) == "22:13 * ^Gx left lobby (0 online)");
}

BOOST_AUTO_TEST_CASE(error_shows_code_and_inert_text) {
  chat::msg::error e;
  e.code = 11;
  e.text = "name is taken";
  BOOST_TEST(chatcli::render(e, known_ms) == "! error 11: name is taken");
  e.code = 6;
  e.text = "bad\x1b[2J";
  BOOST_TEST(chatcli::render(e, known_ms) == "! error 6: bad^[[2J");
}

BOOST_AUTO_TEST_CASE(pong_shows_token) {
  chat::msg::pong p;
  p.token = 42;
  BOOST_TEST(chatcli::render(p, known_ms) == "* pong 42");
}

BOOST_AUTO_TEST_CASE(welcome_names_server_user_room_and_count) {
  chat::msg::welcome w;
  w.server_info = "libchat 0.1.0";
  w.name = "alice";
  w.room = "lobby";
  w.member_count = 1;
  const std::string expected = "* Connected to libchat 0.1.0 as alice in lobby (1 online)";
  BOOST_TEST(chatcli::render_welcome(w) == expected);
  BOOST_TEST(chatcli::render(w, known_ms) == expected);

  w.server_info = "evil\x1b]0;title\x07";
  BOOST_TEST(chatcli::render_welcome(w) ==
             "* Connected to evil^[]0;title^G as alice in lobby (1 online)");
}

BOOST_AUTO_TEST_SUITE_END()
