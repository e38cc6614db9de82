// SPDX-License-Identifier: BSL-1.0
// chatcli's command line: what each typed line asks for.
#include "command.hpp"

#include <chat/limits.hpp>
#include <chat/text.hpp>

#include <boost/test/unit_test.hpp>

#include <cstddef>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cmd = chatcli::command;

namespace {

// The command `line` parses to, which must be a T.
template <class T>
T parsed(std::string_view line) {
  const cmd::any c = cmd::parse(line);
  BOOST_TEST_REQUIRE(std::holds_alternative<T>(c), "\"" << line << "\" parsed to alternative "
                                                         << c.index());
  return std::get<T>(c);
}

// The message for a line chatcli answers itself.
std::string invalid(std::string_view line) { return parsed<cmd::invalid>(line).message; }

}  // namespace

BOOST_AUTO_TEST_SUITE(chatcli_command)

BOOST_AUTO_TEST_CASE(plain_text_is_said_as_typed) {
  BOOST_TEST(parsed<cmd::say>("hello").text == "hello");
  BOOST_TEST(parsed<cmd::say>("  spaced  out  ").text == "  spaced  out  ");
  BOOST_TEST(parsed<cmd::say>(" /join lobby").text == " /join lobby");  // not at the start
  BOOST_TEST(parsed<cmd::say>("a/b").text == "a/b");
  BOOST_TEST(parsed<cmd::say>("h\xC3\xA9llo\twith tab").text == "h\xC3\xA9llo\twith tab");
}

BOOST_AUTO_TEST_CASE(empty_line_is_an_empty_say) {
  BOOST_TEST(parsed<cmd::say>("").text == "");
}

BOOST_AUTO_TEST_CASE(double_slash_sends_text_starting_with_slash) {
  BOOST_TEST(parsed<cmd::say>("//text").text == "/text");
  BOOST_TEST(parsed<cmd::say>("//join lobby").text == "/join lobby");
  BOOST_TEST(parsed<cmd::say>("///").text == "//");
  BOOST_TEST(parsed<cmd::say>("//").text == "/");
  BOOST_TEST(parsed<cmd::say>("// x").text == "/ x");
}

BOOST_AUTO_TEST_CASE(me_is_an_action) {
  BOOST_TEST(parsed<cmd::action>("/me waves").text == "waves");
  BOOST_TEST(parsed<cmd::action>("/me waves at   everyone").text == "waves at   everyone");
  BOOST_TEST(parsed<cmd::action>("/me    waves").text == "waves");
}

BOOST_AUTO_TEST_CASE(me_needs_an_action) {
  BOOST_TEST(invalid("/me") == "usage: /me <action>");
  BOOST_TEST(invalid("/me   ") == "usage: /me <action>");
}

BOOST_AUTO_TEST_CASE(join_and_its_alias) {
  BOOST_TEST(parsed<cmd::join>("/join lobby").room == "lobby");
  BOOST_TEST(parsed<cmd::join>("/j #dev").room == "#dev");
  BOOST_TEST(parsed<cmd::join>("/join   Lobby  ").room == "Lobby");  // case kept: the caller folds
}

BOOST_AUTO_TEST_CASE(join_needs_exactly_one_room) {
  BOOST_TEST(invalid("/join") == "usage: /join <room>");
  BOOST_TEST(invalid("/j   ") == "usage: /join <room>");
  BOOST_TEST(invalid("/join a b") == "usage: /join <room>");
}

BOOST_AUTO_TEST_CASE(part_takes_an_optional_room_then_reason) {
  const auto bare = parsed<cmd::part>("/part");
  BOOST_TEST(bare.room == "");
  BOOST_TEST(bare.reason == "");

  const auto room = parsed<cmd::part>("/part #dev");
  BOOST_TEST(room.room == "#dev");
  BOOST_TEST(room.reason == "");

  const auto both = parsed<cmd::part>("/part #dev off to   lunch");
  BOOST_TEST(both.room == "#dev");
  BOOST_TEST(both.reason == "off to   lunch");

  // The first word always names the room, never a reason for leaving the current one: whether
  // we are in it is the caller's business.
  const auto words = parsed<cmd::part>("/leave see you");
  BOOST_TEST(words.room == "see");
  BOOST_TEST(words.reason == "you");

  const auto spaced = parsed<cmd::part>("/part    lobby    bye");
  BOOST_TEST(spaced.room == "lobby");
  BOOST_TEST(spaced.reason == "bye");
}

BOOST_AUTO_TEST_CASE(part_refuses_a_first_word_that_cannot_be_a_room) {
  BOOST_TEST(invalid("/part bye!") == "usage: /part [<room> [<reason>]]");
  BOOST_TEST(invalid("/leave :( see you") == "usage: /part [<room> [<reason>]]");
  BOOST_TEST(invalid("/part " + std::string(65, 'r')) == "usage: /part [<room> [<reason>]]");
  BOOST_TEST(parsed<cmd::part>("/part " + std::string(64, 'r') + " bye").reason == "bye");
}

BOOST_AUTO_TEST_CASE(rooms_and_its_alias) {
  BOOST_TEST(std::holds_alternative<cmd::rooms>(cmd::parse("/rooms")));
  BOOST_TEST(std::holds_alternative<cmd::rooms>(cmd::parse("/list")));
  BOOST_TEST(std::holds_alternative<cmd::rooms>(cmd::parse("/rooms  ")));
  BOOST_TEST(invalid("/rooms lobby") == "usage: /rooms");
  BOOST_TEST(invalid("/list x") == "usage: /rooms");
}

BOOST_AUTO_TEST_CASE(who_and_its_alias) {
  BOOST_TEST(parsed<cmd::who>("/who").room == "");
  BOOST_TEST(parsed<cmd::who>("/who lobby").room == "lobby");
  BOOST_TEST(parsed<cmd::who>("/names #dev").room == "#dev");
  BOOST_TEST(parsed<cmd::who>("/names").room == "");
  BOOST_TEST(invalid("/who a b") == "usage: /who [room]");
}

BOOST_AUTO_TEST_CASE(topic_shows_sets_or_clears) {
  const auto show = parsed<cmd::topic>("/topic");
  BOOST_TEST(!show.text.has_value());
  BOOST_TEST(!show.clear);

  const auto show_spaced = parsed<cmd::topic>("/topic   ");
  BOOST_TEST(!show_spaced.text.has_value());
  BOOST_TEST(!show_spaced.clear);

  const auto set = parsed<cmd::topic>("/topic release on  friday");
  BOOST_TEST_REQUIRE(set.text.has_value());
  BOOST_TEST(*set.text == "release on  friday");
  BOOST_TEST(!set.clear);

  const auto clear = parsed<cmd::topic>("/topic --clear");
  BOOST_TEST(!clear.text.has_value());
  BOOST_TEST(clear.clear);

  // Only "--clear" alone clears; with more words it is text.
  const auto not_clear = parsed<cmd::topic>("/topic --clear the decks");
  BOOST_TEST_REQUIRE(not_clear.text.has_value());
  BOOST_TEST(*not_clear.text == "--clear the decks");
  BOOST_TEST(!not_clear.clear);
}

BOOST_AUTO_TEST_CASE(msg_and_its_alias) {
  const auto m = parsed<cmd::private_message>("/msg bob hello there");
  BOOST_TEST(m.to == "bob");
  BOOST_TEST(m.text == "hello there");
  const auto q = parsed<cmd::private_message>("/query   carol    hi  ");
  BOOST_TEST(q.to == "carol");
  BOOST_TEST(q.text == "hi  ");
}

BOOST_AUTO_TEST_CASE(msg_needs_a_name_and_text) {
  BOOST_TEST(invalid("/msg") == "usage: /msg <name> <text>");
  BOOST_TEST(invalid("/msg bob") == "usage: /msg <name> <text>");
  BOOST_TEST(invalid("/msg bob   ") == "usage: /msg <name> <text>");
  BOOST_TEST(invalid("/query") == "usage: /msg <name> <text>");
}

BOOST_AUTO_TEST_CASE(nick_takes_exactly_one_name) {
  BOOST_TEST(parsed<cmd::nick>("/nick alicia").name == "alicia");
  BOOST_TEST(parsed<cmd::nick>("/nick   Alicia ").name == "Alicia");
  BOOST_TEST(invalid("/nick") == "usage: /nick <name>");
  BOOST_TEST(invalid("/nick a b") == "usage: /nick <name>");
}

BOOST_AUTO_TEST_CASE(quit_and_its_alias_take_an_optional_reason) {
  BOOST_TEST(parsed<cmd::quit>("/quit").reason == "");
  BOOST_TEST(parsed<cmd::quit>("/quit   ").reason == "");
  BOOST_TEST(parsed<cmd::quit>("/quit gone for the day").reason == "gone for the day");
  BOOST_TEST(parsed<cmd::quit>("/exit").reason == "");
  BOOST_TEST(parsed<cmd::quit>("/exit bye").reason == "bye");
}

BOOST_AUTO_TEST_CASE(help_and_its_alias) {
  BOOST_TEST(std::holds_alternative<cmd::help>(cmd::parse("/help")));
  BOOST_TEST(std::holds_alternative<cmd::help>(cmd::parse("/?")));
  BOOST_TEST(std::holds_alternative<cmd::help>(cmd::parse("/help join")));
}

BOOST_AUTO_TEST_CASE(help_text_lists_every_command) {
  const std::string_view help = cmd::help_text();
  for (const char* name : {"/join", "/part", "/rooms", "/who", "/topic", "/msg", "/me", "/nick",
                           "/quit", "/help", "//"}) {
    BOOST_TEST(help.find(name) != std::string_view::npos, name);
  }
  BOOST_TEST(help.back() != '\n');
}

BOOST_AUTO_TEST_CASE(unknown_command_is_answered_locally) {
  BOOST_TEST(invalid("/frobnicate") == "unknown command /frobnicate (/help lists the commands)");
  BOOST_TEST(invalid("/frobnicate with args") ==
             "unknown command /frobnicate (/help lists the commands)");
  BOOST_TEST(invalid("/") == "unknown command / (/help lists the commands)");
  BOOST_TEST(invalid("/   ") == "unknown command / (/help lists the commands)");
  // Names are exact: no prefixes, no other case, and not a message to the room either.
  for (const char* line : {"/jo lobby", "/JOIN lobby", "/Me waves", "/mee waves", "/topics",
                           "/msgbob hi", "/quitnow"}) {
    BOOST_TEST(std::holds_alternative<cmd::invalid>(cmd::parse(line)), line);
  }
}

BOOST_AUTO_TEST_CASE(no_command_line_is_ever_said) {
  for (const char* line : {"/", "/x", "/join", "/join a b", "/me", "/msg", "/msg bob", "/nick",
                           "/nick a b", "/rooms x", "/who a b", "/unknown text", "/part bye!"}) {
    const auto c = cmd::parse(line);
    BOOST_TEST(!std::holds_alternative<cmd::say>(c), line);
    BOOST_TEST(!std::holds_alternative<cmd::action>(c), line);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(chatcli_split_text)

namespace {

std::string joined(const std::vector<std::string_view>& pieces) {
  std::string all;
  for (const auto piece : pieces) all += piece;
  return all;
}

// Every piece is well-formed UTF-8 within the limit, only the last is short of it by more than a
// split sequence, and together they are `text`.
void check_pieces(const std::string& text, const std::vector<std::string_view>& pieces,
                  std::size_t max_bytes) {
  BOOST_TEST(joined(pieces) == text);
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    BOOST_TEST(chat::is_valid_utf8(pieces[i]), "piece " << i);
    BOOST_TEST(!pieces[i].empty(), "piece " << i);
    BOOST_TEST(pieces[i].size() <= max_bytes, "piece " << i);
    if (i + 1 < pieces.size()) BOOST_TEST(pieces[i].size() + 3 >= max_bytes, "piece " << i);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(text_within_the_limit_is_one_piece) {
  BOOST_TEST(cmd::split_text("").empty());
  BOOST_TEST((cmd::split_text("hello") == std::vector<std::string_view>{"hello"}));
  const std::string full(chat::max_text_bytes, 'x');
  BOOST_TEST((cmd::split_text(full) == std::vector<std::string_view>{full}));
}

BOOST_AUTO_TEST_CASE(long_text_is_cut_at_the_protocol_limit) {
  const std::string one_over(chat::max_text_bytes + 1, 'x');
  const auto two = cmd::split_text(one_over);
  BOOST_TEST_REQUIRE(two.size() == 2u);
  BOOST_TEST(two[0].size() == chat::max_text_bytes);
  BOOST_TEST(two[1] == "x");

  std::string forty_kb;
  for (int i = 0; forty_kb.size() < 40 * 1024; ++i) forty_kb += std::to_string(i) + ' ';
  const auto pieces = cmd::split_text(forty_kb);
  BOOST_TEST(pieces.size() == 3u);
  check_pieces(forty_kb, pieces, chat::max_text_bytes);
}

BOOST_AUTO_TEST_CASE(a_cut_never_splits_a_code_point) {
  // "aaaa€": the limit falls inside the euro sign (E2 82 AC), which goes to the next piece.
  const auto euro = cmd::split_text("aaaa\xE2\x82\xAC", 5);
  BOOST_TEST((euro == std::vector<std::string_view>{"aaaa", "\xE2\x82\xAC"}));
  // Two-, three- and four-byte sequences at every offset from the limit.
  for (const std::string code_point : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"}) {
    for (std::size_t offset = 0; offset < 4; ++offset) {
      std::string text(offset, 'a');
      while (text.size() < 64) text += code_point;
      check_pieces(text, cmd::split_text(text, 7), 7);
      while (text.size() < 3 * chat::max_text_bytes) text += code_point;
      check_pieces(text, cmd::split_text(text), chat::max_text_bytes);
    }
  }
}

BOOST_AUTO_TEST_CASE(text_that_is_not_utf8_is_cut_at_the_limit) {
  // Continuation bytes with no start: no boundary to find, so the cut is the limit (the text is
  // refused before sending anyway).
  const std::string broken(10, '\x80');
  const auto pieces = cmd::split_text(broken, 4);
  BOOST_TEST((pieces == std::vector<std::string_view>{"\x80\x80\x80\x80", "\x80\x80\x80\x80",
                                                      "\x80\x80"}));
}

BOOST_AUTO_TEST_SUITE_END()
