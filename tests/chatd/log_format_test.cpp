// SPDX-License-Identifier: BSL-1.0
// chatd's log lines (chatd_core's log_format and log_sink): logfmt's quoting and escaping, JSON
// that stays valid whatever the bytes, the journal's fields and the syslog priorities.
#include <log_format.hpp>
#include <log_sink.hpp>

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>

#include <syslog.h>

namespace {

using chatd::format_json;
using chatd::format_logfmt;
using chatd::log_entry;

// 2026-12-03T12:00:00.123Z
const auto noon = std::chrono::sys_days{std::chrono::year{2026} / 12 / 3} + std::chrono::hours{12} +
                  std::chrono::milliseconds{123};

log_entry entry(std::string_view message, std::string_view peer = "127.0.0.1:5555",
                std::string_view event = "connected") {
  return {std::chrono::system_clock::time_point(noon), chat::log_level::info, event, peer, message};
}

std::string msg_of(const std::string& line) { return line.substr(line.find(" msg=") + 5); }

boost::json::object json_of(const std::string& line) {
  boost::system::error_code ec;
  auto value = boost::json::parse(line, ec);  // fails on invalid UTF-8, as a JSON reader should
  BOOST_REQUIRE_MESSAGE(!ec, "not JSON (" << ec.message() << "): " << line);
  BOOST_REQUIRE(value.is_object());
  return value.as_object();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(chatd_log_format)

BOOST_AUTO_TEST_CASE(logfmt_has_every_field_in_order) {
  BOOST_TEST(format_logfmt(entry("tcp, from the plain listener")) ==
             R"(time=2026-12-03T12:00:00.123Z level=info event=connected peer=127.0.0.1:5555 msg="tcp, from the plain listener")");
  BOOST_TEST(chatd::format_logfmt_untimed(entry("ok")) == "level=info event=connected peer=127.0.0.1:5555 msg=ok");
}

BOOST_AUTO_TEST_CASE(logfmt_leaves_out_an_empty_peer_and_quotes_an_empty_message) {
  BOOST_TEST(format_logfmt(entry("", "", "stopped")) == "time=2026-12-03T12:00:00.123Z level=info event=stopped msg=\"\"");
  BOOST_TEST(format_logfmt(entry("x", "[::1]:7777")).find(" peer=[::1]:7777 ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(logfmt_quotes_and_escapes) {
  BOOST_TEST(msg_of(format_logfmt(entry("plain"))) == "plain");
  BOOST_TEST(msg_of(format_logfmt(entry("a=b"))) == R"("a=b")");
  BOOST_TEST(msg_of(format_logfmt(entry(R"(say "hi" \o/)"))) == R"("say \"hi\" \\o/")");
  BOOST_TEST(msg_of(format_logfmt(entry("caf\xC3\xA9"))) == "caf\xC3\xA9");  // UTF-8 stays as it is
}

BOOST_AUTO_TEST_CASE(logfmt_escapes_control_characters_so_a_line_stays_one_line) {
  const auto line = format_logfmt(entry(std::string_view("a\nb\rc\td\x01" "e\x7f" "f\0g", 13)));
  BOOST_TEST(msg_of(line) == R"("a\nb\rc\td\u0001e\u007ff\u0000g")");
  BOOST_TEST(line.find('\n') == std::string::npos);
  // A peer or event is escaped the same way.
  BOOST_TEST(format_logfmt(entry("m", "a b", "x\ny")).find(R"(event="x\ny" peer="a b" )") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(logfmt_replaces_invalid_utf8) {
  BOOST_TEST(msg_of(format_logfmt(entry("bad\xFF"))) == "bad\xEF\xBF\xBD");
  BOOST_TEST(msg_of(format_logfmt(entry("\xC0\xAF"))) == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  BOOST_TEST(chatd::valid_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  BOOST_TEST(chatd::valid_utf8("\xF0\x9F\x92\xAC ok \xE2\x82") == "\xF0\x9F\x92\xAC ok \xEF\xBF\xBD\xEF\xBF\xBD");
}

BOOST_AUTO_TEST_CASE(json_has_every_field) {
  const auto line = format_json(entry("hello \"world\""));
  BOOST_TEST(line == R"({"time":"2026-12-03T12:00:00.123Z","level":"info","event":"connected","peer":"127.0.0.1:5555","msg":"hello \"world\""})");
  const auto object = json_of(line);
  BOOST_TEST(object.at("msg").as_string() == "hello \"world\"");
}

BOOST_AUTO_TEST_CASE(json_leaves_out_an_empty_peer) {
  const auto object = json_of(format_json(entry("", "", "started")));
  BOOST_TEST(!object.contains("peer"));
  BOOST_TEST(object.at("event").as_string() == "started");
  BOOST_TEST(object.at("msg").as_string() == "");
}

BOOST_AUTO_TEST_CASE(json_stays_valid_with_control_characters_and_invalid_utf8) {
  const std::string_view nasty("\n\t\x01\"\\\0\xFF\xC3", 8);
  const auto line = format_json(entry(nasty, nasty, nasty));
  BOOST_TEST(line.find('\n') == std::string::npos);
  const auto object = json_of(line);
  const std::string expected("\n\t\x01\"\\\0\xEF\xBF\xBD\xEF\xBF\xBD", 12);
  BOOST_TEST(std::string(object.at("msg").as_string()) == expected);
  BOOST_TEST(std::string(object.at("peer").as_string()) == expected);
  BOOST_TEST(std::string(object.at("event").as_string()) == expected);
}

BOOST_AUTO_TEST_CASE(levels_map_to_syslog_priorities) {
  BOOST_TEST(chatd::syslog_priority(chat::log_level::error) == LOG_ERR);
  BOOST_TEST(chatd::syslog_priority(chat::log_level::warn) == LOG_WARNING);
  BOOST_TEST(chatd::syslog_priority(chat::log_level::info) == LOG_INFO);
  BOOST_TEST(chatd::syslog_priority(chat::log_level::debug) == LOG_DEBUG);
}

BOOST_AUTO_TEST_CASE(journal_fields_carry_the_event_and_the_peer) {
  auto e = entry("hi");
  e.level = chat::log_level::warn;
  const auto fields = chatd::journal_fields(e);
  const std::vector<std::string> expected{
      "MESSAGE=level=warn event=connected peer=127.0.0.1:5555 msg=hi", "PRIORITY=4",
      "CHAT_EVENT=connected", "CHAT_PEER=127.0.0.1:5555", "SYSLOG_IDENTIFIER=chatd"};
  BOOST_TEST(fields == expected, boost::test_tools::per_element());
  const auto without_peer = chatd::journal_fields(entry("hi", ""));
  for (const auto& field : without_peer) BOOST_TEST(!field.starts_with("CHAT_PEER="), field);
}

BOOST_AUTO_TEST_CASE(time_is_utc_with_milliseconds) {
  using namespace std::chrono;
  BOOST_TEST(chatd::rfc3339_utc(system_clock::time_point(sys_days{year{1970} / 1 / 1})) == "1970-01-01T00:00:00.000Z");
  BOOST_TEST(chatd::rfc3339_utc(system_clock::time_point(noon + microseconds{999})) == "2026-12-03T12:00:00.123Z");
}

BOOST_AUTO_TEST_SUITE_END()
