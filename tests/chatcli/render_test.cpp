// SPDX-License-Identifier: BSL-1.0
// chatcli's rendering: what reaches the user's terminal from text other people wrote.
#include "render.hpp"

#include <chat/text.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

// 2023-11-14 22:13:20 UTC.
constexpr std::uint64_t known_ms = 1'700'000'000'000;
constexpr std::uint64_t one_hour_ms = 3'600'000;

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
  utc_time_zone(const utc_time_zone&) = delete;
  utc_time_zone& operator=(const utc_time_zone&) = delete;
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

// The SGR sequences ("ESC [ digits m") in `s` as their numbers, and `s` without them.
struct sgr_split {
  std::vector<int> codes;
  std::string text;
};

sgr_split split_sgr(const std::string& s) {
  sgr_split out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '\x1b' && i + 1 < s.size() && s[i + 1] == '[') {
      std::size_t j = i + 2;
      while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
      if (j > i + 2 && j < s.size() && s[j] == 'm') {
        out.codes.push_back(std::stoi(s.substr(i + 2, j - i - 2)));
        i = j + 1;
        continue;
      }
    }
    out.text += s[i++];
  }
  return out;
}

// The SGR codes chatcli itself uses: reset, dim, red (errors) and the nick palette.
bool is_chatcli_sgr(int code) {
  static const std::set<int> allowed{0, 2, 31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96};
  return allowed.contains(code);
}

std::string sgr(int code) { return "\x1b[" + std::to_string(code) + 'm'; }

constexpr chatcli::render_context plain{"me", known_ms, false};
constexpr chatcli::render_context coloured{"me", known_ms, true};

chat::msg::server::message make_message(std::string sender, std::string text, std::uint8_t flags = 0,
                                std::string target = "lobby") {
  chat::msg::server::message m;
  m.id = 7;
  m.time_ms = known_ms;
  m.flags = flags;
  m.sender = std::move(sender);
  m.target = std::move(target);
  m.text = std::move(text);
  return m;
}

// The line for `m`, which must have one.
std::string line(const chat::server_message& m, const chatcli::render_context& context = plain) {
  auto rendered = chatcli::render(m, context);
  BOOST_TEST_REQUIRE(rendered.has_value());
  return *rendered;
}

// One server message per string field that is shown, with `s` in that field. The context's
// self is "me": private messages are labelled with the partner, so `s` goes where it shows.
std::vector<std::pair<std::string, chat::server_message>> showing(const std::string& s) {
  using namespace chat::msg;
  using namespace chat::msg::server;
  std::vector<std::pair<std::string, chat::server_message>> out;
  const auto add = [&](std::string what, chat::server_message m) {
    out.emplace_back(std::move(what), std::move(m));
  };
  add("message sender", make_message(s, "hi"));
  add("message room", make_message("alice", "hi", 0, s));
  add("message text", make_message("alice", s));
  add("history message text", make_message("alice", s, flag_history));
  add("action sender", make_message(s, "waves", flag_action));
  add("action text", make_message("alice", s, flag_action));
  add("private sender", make_message(s, "hi", flag_private, "me"));
  add("private recipient", make_message("me", "hi", flag_private, s));
  add("private text", make_message("alice", s, flag_private, "me"));
  add("private action text", make_message("alice", s, flag_private | flag_action, "me"));
  add("joined name", joined{s, "lobby", 2});
  add("joined room", joined{"bob", s, 2});
  add("left name", left{s, "lobby", 1, "bye"});
  add("left room", left{"bob", s, 1, "bye"});
  add("left reason", left{"bob", "lobby", 1, s});
  add("error text", error{6, s});
  add("welcome server_info", welcome{s, 1, "alice"});
  add("welcome name", welcome{"libchat", 1, s});
  add("topic room", topic{s, "the topic", "alice", known_ms});
  add("no-topic room", topic{s, "", "", 0});
  add("topic text", topic{"lobby", s, "alice", known_ms});
  add("topic set_by", topic{"lobby", "the topic", s, known_ms});
  add("room_info room", room_info{s, 3, "the topic"});
  add("room_info topic", room_info{"lobby", 3, s});
  add("members room", members{s, {"alice", "bob"}});
  add("members name", members{"lobby", {"alice", s, "bob"}});
  add("renamed old_name", renamed{s, "alicia"});
  add("renamed new_name", renamed{"alice", s});
  return out;
}

// Strings another user (or a hostile server) might send.
const std::vector<std::string>& hostile_strings() {
  static const std::vector<std::string> strings{
      "\x1b[2J",                           // clear screen
      "\x1b]0;pwned\x07",                  // set window title
      "\x1b[0m\x1b[31mfake",               // end chatcli's colour, start another
      "a\r\nb",                            // fake a second line
      std::string("nul\0byte", 8),         //
      "\x08\x08\x7f",                      // backspaces, DEL
      "\xC2\x9B" "2J",                     // C1 CSI
      "\xC2\x9D" "0;t\xC2\x9C",            // C1 OSC ... ST
      "abc\xE2\x80\xAE" "cba",             // RLO
      "\xE2\x81\xA6" "x\xE2\x81\xA9",      // LRI ... PDI
      "\xff\xfe",                          // not UTF-8 at all
      "\xC0\xAF",                          // overlong '/'
      "\xED\xA0\x80",                      // surrogate
      "\xF4\x90\x80\x80",                  // above U+10FFFF
      "trail\xE2\x9C",                     // truncated at the end of the field
      "\xE2",                              // lone lead byte
      "\x9B",                              // bare C1 byte, not UTF-8
  };
  return strings;
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

BOOST_AUTO_TEST_CASE(message_is_time_room_sender_text) {
  utc_time_zone utc;
  BOOST_TEST(line(make_message("alice", "hello from alice")) ==
             "22:13 [lobby] alice: hello from alice");
  BOOST_TEST(line(make_message("alice", "hi", 0, "#dev")) == "22:13 [#dev] alice: hi");
}

BOOST_AUTO_TEST_CASE(message_uses_its_own_time_not_now) {
  utc_time_zone utc;
  const chatcli::render_context later{"me", known_ms + one_hour_ms, false};
  BOOST_TEST(line(make_message("alice", "hi"), later) == "22:13 [lobby] alice: hi");
}

BOOST_AUTO_TEST_CASE(history_and_unknown_flags_do_not_change_the_line) {
  utc_time_zone utc;
  BOOST_TEST(line(make_message("alice", "old", chat::msg::flag_history)) ==
             "22:13 [lobby] alice: old");
  BOOST_TEST(line(make_message("alice", "hi", 0x80)) == "22:13 [lobby] alice: hi");
  BOOST_TEST(line(make_message("alice", "waves", chat::msg::flag_action | chat::msg::flag_history |
                                                     0x40)) == "22:13 [lobby] * alice waves");
}

BOOST_AUTO_TEST_CASE(action_is_star_name_text) {
  utc_time_zone utc;
  BOOST_TEST(line(make_message("alice", "waves at everyone", chat::msg::flag_action)) ==
             "22:13 [lobby] * alice waves at everyone");
}

BOOST_AUTO_TEST_CASE(private_message_received_is_labelled_with_the_sender) {
  utc_time_zone utc;
  const chatcli::render_context bob{"bob", known_ms, false};
  BOOST_TEST(line(make_message("alice", "psst", chat::msg::flag_private, "bob"), bob) ==
             "22:13 [pm:alice] alice: psst");
  BOOST_TEST(line(make_message("alice", "winks", chat::msg::flag_private | chat::msg::flag_action,
                               "bob"),
                  bob) == "22:13 [pm:alice] * alice winks");
}

BOOST_AUTO_TEST_CASE(private_message_sent_is_labelled_with_the_recipient) {
  utc_time_zone utc;
  const chatcli::render_context alice{"alice", known_ms, false};
  BOOST_TEST(line(make_message("alice", "psst", chat::msg::flag_private, "bob"), alice) ==
             "22:13 [pm:bob] alice: psst");
  BOOST_TEST(line(make_message("alice", "winks", chat::msg::flag_private | chat::msg::flag_action,
                               "bob"),
                  alice) == "22:13 [pm:bob] * alice winks");
}

BOOST_AUTO_TEST_CASE(own_private_message_is_recognised_whatever_the_case) {
  utc_time_zone utc;
  const chatcli::render_context upper{"ALICE", known_ms, false};
  BOOST_TEST(line(make_message("Alice", "psst", chat::msg::flag_private, "Bob"), upper) ==
             "22:13 [pm:Bob] Alice: psst");
}

BOOST_AUTO_TEST_CASE(message_fields_are_made_inert) {
  utc_time_zone utc;
  BOOST_TEST(line(make_message("ev\x1bil", "\x1b[2Jboom\xE2\x80\xAE\xff", 0, "r\xC2\x9B")) ==
             "22:13 [r<U+009B>] ev^[il: ^[[2Jboom<U+202E>\\xFF");
  BOOST_TEST(line(make_message("ev\x1bil", "\x07", chat::msg::flag_action)) ==
             "22:13 [lobby] * ev^[il ^G");
}

BOOST_AUTO_TEST_CASE(private_partner_is_made_inert_from_both_sides) {
  utc_time_zone utc;
  BOOST_TEST(line(make_message("ev\x1bil", "hi", chat::msg::flag_private, "me")) ==
             "22:13 [pm:ev^[il] ev^[il: hi");
  BOOST_TEST(line(make_message("me", "hi", chat::msg::flag_private, "b\xff\xE2\x80\xAE")) ==
             "22:13 [pm:b\\xFF<U+202E>] me: hi");
}

BOOST_AUTO_TEST_CASE(joined_and_left_are_stamped_with_now) {
  utc_time_zone utc;
  BOOST_TEST(line(chat::msg::server::joined{"bob", "lobby", 2}) == "22:13 * bob joined lobby (2 online)");
  const chatcli::render_context later{"me", known_ms + one_hour_ms, false};
  BOOST_TEST(line(chat::msg::server::left{"bob", "lobby", 1, ""}, later) ==
             "23:13 * bob left lobby (1 online)");
}

BOOST_AUTO_TEST_CASE(left_shows_its_reason) {
  utc_time_zone utc;
  BOOST_TEST(line(chat::msg::server::left{"bob", "lobby", 1, "gone home"}) ==
             "22:13 * bob left lobby (1 online): gone home");
  BOOST_TEST(line(chat::msg::server::left{"bob", "#dev", 0, "ping timeout"}) ==
             "22:13 * bob left #dev (0 online): ping timeout");
}

BOOST_AUTO_TEST_CASE(joined_and_left_fields_are_made_inert) {
  utc_time_zone utc;
  BOOST_TEST(line(chat::msg::server::joined{"b\x1b[1mob", "r\xC2\x9B", 3}) ==
             "22:13 * b^[[1mob joined r<U+009B> (3 online)");
  BOOST_TEST(line(chat::msg::server::left{"\x07x", "lobby", 0, "bye\x1b[2J\xC0\xAF"}) ==
             "22:13 * ^Gx left lobby (0 online): bye^[[2J\\xC0\\xAF");
}

BOOST_AUTO_TEST_CASE(error_shows_code_and_inert_text) {
  BOOST_TEST(line(chat::msg::server::error{11, "name is taken"}) == "! error 11: name is taken");
  BOOST_TEST(line(chat::msg::server::error{6, "bad\x1b[2J"}) == "! error 6: bad^[[2J");
  BOOST_TEST(line(chat::msg::server::error{65535, ""}) == "! error 65535: ");
}

BOOST_AUTO_TEST_CASE(pong_shows_token) {
  utc_time_zone utc;
  BOOST_TEST(line(chat::msg::server::pong{42}) == "22:13 * pong 42");
  BOOST_TEST(line(chat::msg::server::pong{18446744073709551615u}) == "22:13 * pong 18446744073709551615");
}

BOOST_AUTO_TEST_CASE(welcome_names_server_and_user) {
  utc_time_zone utc;
  chat::msg::server::welcome w{"libchat 0.2.0", 0x0123456789ABCDEF, "alice"};
  BOOST_TEST(line(w) == "22:13 * connected to libchat 0.2.0 as alice");
  w.server_info = "evil\x1b]0;title\x07";
  w.name = "al\xC2\x85ice";
  BOOST_TEST(line(w) == "22:13 * connected to evil^[]0;title^G as al<U+0085>ice");
}

BOOST_AUTO_TEST_CASE(topic_shows_text_setter_and_time_set) {
  utc_time_zone utc;
  BOOST_TEST(line(chat::msg::server::topic{"lobby", "release on friday", "alice", known_ms - one_hour_ms}) ==
             "22:13 * topic of lobby: release on friday (set by alice at 21:13)");
}

BOOST_AUTO_TEST_CASE(empty_topic_is_no_topic) {
  utc_time_zone utc;
  BOOST_TEST(line(chat::msg::server::topic{"lobby", "", "", 0}) == "22:13 * no topic in lobby");
}

BOOST_AUTO_TEST_CASE(topic_fields_are_made_inert) {
  utc_time_zone utc;
  BOOST_TEST(line(chat::msg::server::topic{"r\x1b", "t\xE2\x81\xA6", "a\x7f", known_ms}) ==
             "22:13 * topic of r^[: t<U+2066> (set by a^? at 22:13)");
  BOOST_TEST(line(chat::msg::server::topic{"r\xff", "", "", 0}) == "22:13 * no topic in r\\xFF");
}

BOOST_AUTO_TEST_CASE(room_info_shows_count_and_topic) {
  utc_time_zone utc;
  BOOST_TEST(line(chat::msg::server::room_info{"lobby", 3, "general chat"}) ==
             "22:13 * lobby (3 online): general chat");
  BOOST_TEST(line(chat::msg::server::room_info{"#dev", 1, ""}) == "22:13 * #dev (1 online)");
  BOOST_TEST(line(chat::msg::server::room_info{"r\x1b", 0, "t\x1b[2J"}) == "22:13 * r^[ (0 online): t^[[2J");
}

BOOST_AUTO_TEST_CASE(members_lists_the_names) {
  utc_time_zone utc;
  BOOST_TEST(line(chat::msg::server::members{"lobby", {"alice", "bob", "carol"}}) ==
             "22:13 * in lobby: alice bob carol");
  BOOST_TEST(line(chat::msg::server::members{"#dev", {"alice"}}) == "22:13 * in #dev: alice");
  BOOST_TEST(line(chat::msg::server::members{"r\xC2\x9B", {"a\x1b", "\xff"}}) ==
             "22:13 * in r<U+009B>: a^[ \\xFF");
}

BOOST_AUTO_TEST_CASE(renamed_shows_old_and_new_name) {
  utc_time_zone utc;
  BOOST_TEST(line(chat::msg::server::renamed{"alice", "alicia"}) == "22:13 * alice is now known as alicia");
  BOOST_TEST(line(chat::msg::server::renamed{"a\x1b[8m", "b\xE2\x80\xAE"}) ==
             "22:13 * a^[[8m is now known as b<U+202E>");
}

BOOST_AUTO_TEST_CASE(end_and_keepalive_render_nothing) {
  for (const auto* context : {&plain, &coloured}) {
    BOOST_TEST(!chatcli::render(chat::msg::server::end{}, *context).has_value());
    BOOST_TEST(!chatcli::render(chat::msg::server::end{std::uint8_t(chat::client_message_type::join), "lobby",
                                               chat::msg::end_missed, 99},
                                *context)
                    .has_value());
    BOOST_TEST(!chatcli::render(chat::msg::server::ping{7}, *context).has_value());
  }
}

BOOST_AUTO_TEST_CASE(notice_is_stamped_with_now) {
  utc_time_zone utc;
  BOOST_TEST(chatcli::render_notice("reconnecting", plain) == "22:13 * reconnecting");
  const chatcli::render_context later{"me", known_ms + one_hour_ms, false};
  BOOST_TEST(chatcli::render_notice("", later) == "23:13 * ");
}

// Every string field of every message shown, with every kind of hostile content, comes out
// terminal-safe and shows the inert form of what was sent.
BOOST_AUTO_TEST_CASE(every_shown_field_is_made_inert) {
  for (const auto& hostile : hostile_strings()) {
    const std::string shown = chatcli::inert(hostile);
    for (const auto& [what, m] : showing(hostile)) {
      BOOST_TEST_CONTEXT(what << " with \"" << shown << '"') {
        const auto rendered = chatcli::render(m, plain);
        BOOST_TEST_REQUIRE(rendered.has_value());
        BOOST_TEST(is_terminal_safe(*rendered));
        BOOST_TEST(rendered->find(shown) != std::string::npos);
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(chatcli_colour)

BOOST_AUTO_TEST_CASE(colour_off_writes_no_escape) {
  for (const auto& [what, m] : showing("x")) {
    BOOST_TEST_CONTEXT(what) {
      BOOST_TEST(line(m, plain).find('\x1b') == std::string::npos);
    }
  }
  BOOST_TEST(chatcli::render_notice("hello", plain).find('\x1b') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(colour_on_paints_time_nick_notice_and_error) {
  utc_time_zone utc;
  const std::string dim_time = sgr(2) + "22:13" + sgr(0);
  const std::string alice = sgr(chatcli::nick_colour("alice")) + "alice" + sgr(0);
  BOOST_TEST(line(make_message("alice", "hi"), coloured) == dim_time + " [lobby] " + alice + ": hi");
  BOOST_TEST(line(make_message("alice", "waves", chat::msg::flag_action), coloured) ==
             dim_time + " [lobby] * " + alice + " waves");
  BOOST_TEST(line(chat::msg::server::joined{"bob", "lobby", 2}, coloured) ==
             dim_time + ' ' + sgr(2) + "* bob joined lobby (2 online)" + sgr(0));
  BOOST_TEST(chatcli::render_notice("hello", coloured) == dim_time + ' ' + sgr(2) + "* hello" + sgr(0));
  BOOST_TEST(line(chat::msg::server::error{11, "name is taken"}, coloured) ==
             sgr(31) + "! error 11: name is taken" + sgr(0));
  BOOST_TEST(line(chat::msg::server::members{"lobby", {"alice", "bob"}}, coloured) ==
             dim_time + ' ' + sgr(2) + "* in lobby: " + sgr(0) + alice + ' ' +
                 sgr(chatcli::nick_colour("bob")) + "bob" + sgr(0));
}

BOOST_AUTO_TEST_CASE(nick_colour_is_stable_and_case_insensitive) {
  const std::set<int> palette{31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96};
  for (const std::string name : {"alice", "bob", "carol", "dave", "x", "", "a\x1b\xff"}) {
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(palette.contains(chatcli::nick_colour(name)));
      BOOST_TEST(chatcli::nick_colour(name) == chatcli::nick_colour(std::string(name)));
    }
  }
  BOOST_TEST(chatcli::nick_colour("alice") == chatcli::nick_colour("ALICE"));
  BOOST_TEST(chatcli::nick_colour("alice") == chatcli::nick_colour("Alice"));
  BOOST_TEST(chatcli::nick_colour("Bob_1.x-Y") == chatcli::nick_colour("bob_1.X-y"));
}

BOOST_AUTO_TEST_CASE(nick_colours_differ_between_names) {
  std::set<int> used;
  for (char c = 'a'; c <= 'z'; ++c) used.insert(chatcli::nick_colour(std::string("user_") + c));
  BOOST_TEST(used.size() >= 4u);
}

BOOST_AUTO_TEST_CASE(a_name_gets_the_same_colour_in_every_line) {
  utc_time_zone utc;
  const std::string painted = sgr(chatcli::nick_colour("alice"));
  BOOST_TEST(line(make_message("alice", "hi"), coloured).find(painted + "alice") != std::string::npos);
  BOOST_TEST(line(make_message("ALICE", "hi"), coloured).find(painted + "ALICE") != std::string::npos);
  BOOST_TEST(line(make_message("Alice", "psst", chat::msg::flag_private, "me"), coloured)
                 .find(painted + "Alice") != std::string::npos);
  BOOST_TEST(line(chat::msg::server::members{"lobby", {"bob", "aLiCe"}}, coloured).find(painted + "aLiCe") !=
             std::string::npos);
}

// With colour on, the only escape sequences are chatcli's own: removing them leaves exactly
// the colourless line, whatever the untrusted strings held.
BOOST_AUTO_TEST_CASE(untrusted_text_cannot_inject_escapes_with_colour_on) {
  std::vector<std::string> strings = hostile_strings();
  strings.push_back("x");
  for (const auto& s : strings) {
    for (const auto& [what, m] : showing(s)) {
      BOOST_TEST_CONTEXT(what << " with \"" << chatcli::inert(s) << '"') {
        const std::string with = line(m, coloured);
        const auto split = split_sgr(with);
        BOOST_TEST(split.text == line(m, plain));
        BOOST_TEST(is_terminal_safe(split.text));
        BOOST_TEST(std::all_of(split.codes.begin(), split.codes.end(), is_chatcli_sgr));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(injected_colour_codes_show_as_text) {
  utc_time_zone utc;
  const std::string with = line(make_message("alice", "\x1b[0m\x1b[31mfake"), coloured);
  BOOST_TEST(with == sgr(2) + "22:13" + sgr(0) + " [lobby] " + sgr(chatcli::nick_colour("alice")) +
                         "alice" + sgr(0) + ": ^[[0m^[[31mfake");
  BOOST_TEST(std::count(with.begin(), with.end(), '\x1b') == 4);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(chatcli_prompt)

BOOST_AUTO_TEST_CASE(prompt_names_the_current_room) {
  BOOST_TEST(chatcli::render_prompt(std::string("lobby")) == "lobby> ");
  BOOST_TEST(chatcli::render_prompt(std::string("#dev")) == "#dev> ");
  BOOST_TEST(chatcli::render_prompt(std::nullopt) == "(no room)> ");
}

// A hostile server names the room: it must not set the title, write the clipboard (OSC 52) or
// recolour the prompt, nor smuggle in readline's ignore markers to hide text from its width.
BOOST_AUTO_TEST_CASE(prompt_room_from_the_server_is_inert) {
  BOOST_TEST(chatcli::render_prompt(std::string("\x1b]0;pwned\x07")) == "^[]0;pwned^G> ");
  BOOST_TEST(chatcli::render_prompt(std::string("\x1b]52;c;cm0gLXJmIH4=\x1b\\")) ==
             "^[]52;c;cm0gLXJmIH4=^[\\> ");
  BOOST_TEST(chatcli::render_prompt(std::string("\x01\x1b[31m\x02red")) == "^A^[[31m^Bred> ");
  BOOST_TEST(chatcli::render_prompt(std::string("\xC2\x9D" "0;t\xC2\x9C")) == "<U+009D>0;t<U+009C>> ");
  BOOST_TEST(chatcli::render_prompt(std::string("\x9B" "2J")) == "\\x9B2J> ");
  BOOST_TEST(chatcli::render_prompt(std::string("two\nlines\r")) == "two^Jlines^M> ");
  for (int b = 0; b < 256; ++b) {
    const std::string room{static_cast<char>(b)};
    const auto prompt = chatcli::render_prompt(room);
    BOOST_TEST(is_terminal_safe(prompt), "byte " << b << ": " << prompt);
    BOOST_TEST(prompt.find_first_of("\x01\x02") == std::string::npos, "byte " << b);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(chatcli_counts)

BOOST_AUTO_TEST_CASE(one_is_singular_and_every_other_count_plural) {
  BOOST_TEST(chatcli::counted(0, "message", "messages") == "0 messages");
  BOOST_TEST(chatcli::counted(1, "message", "messages") == "1 message");
  BOOST_TEST(chatcli::counted(2, "message", "messages") == "2 messages");
  BOOST_TEST(chatcli::counted(11, "message", "messages") == "11 messages");
  BOOST_TEST(chatcli::counted(21, "room", "rooms") == "21 rooms");
}

BOOST_AUTO_TEST_CASE(replayed_history_is_announced_with_the_right_number) {
  BOOST_TEST(chatcli::replay_announcement(1, "lobby", false) == "1 earlier message in lobby:");
  BOOST_TEST(chatcli::replay_announcement(3, "lobby", false) == "3 earlier messages in lobby:");
  BOOST_TEST(chatcli::replay_announcement(1, "#dev", true) == "1 message in #dev while you were away:");
  BOOST_TEST(chatcli::replay_announcement(2, "#dev", true) == "2 messages in #dev while you were away:");
}

BOOST_AUTO_TEST_CASE(replay_announcement_room_is_inert) {
  BOOST_TEST(chatcli::replay_announcement(2, "r\x1b[2J", false) == "2 earlier messages in r^[[2J:");
}

BOOST_AUTO_TEST_SUITE_END()
