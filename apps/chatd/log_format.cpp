// SPDX-License-Identifier: BSL-1.0
#include "log_format.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <ctime>

namespace chatd {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

// The length of the valid UTF-8 sequence at the start of `s`, or 0 if it does not start with
// one (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the second byte's range
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < length || byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  return length;
}

bool needs_quotes(std::string_view value) {
  if (value.empty()) return true;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7F || c == '=' || c == '"' || c == '\\') return true;
  }
  return false;
}

// A logfmt value: bare if it can be, else quoted with \" \\ \n \r \t and \u00XX escapes.
void append_value(std::string& out, std::string_view raw) {
  const std::string value = valid_utf8(raw);
  if (!needs_quotes(value)) {
    out += value;
    return;
  }
  out += '"';
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7F) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_fields(std::string& out, const log_entry& entry) {
  out += "level=";
  out += chat::to_string(entry.level);
  out += " event=";
  append_value(out, entry.event);
  if (!entry.peer.empty()) {
    out += " peer=";
    append_value(out, entry.peer);
  }
  out += " msg=";
  append_value(out, entry.message);
}

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const auto length = utf8_sequence_length(text);
    if (length == 0) {
      out += replacement_character;
      text.remove_prefix(1);
    } else {
      out += text.substr(0, length);
      text.remove_prefix(length);
    }
  }
  return out;
}

std::string rfc3339_utc(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto since_epoch = duration_cast<milliseconds>(time.time_since_epoch());
  auto seconds = since_epoch.count() / 1000;
  auto millis = since_epoch.count() % 1000;
  if (millis < 0) {  // before 1970: floor, not truncation
    millis += 1000;
    --seconds;
  }
  const auto t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char stamp[40];
  const auto n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(stamp + n, sizeof stamp - n, ".%03dZ", static_cast<int>(millis));
  return stamp;
}

std::string format_logfmt(const log_entry& entry) {
  std::string out = "time=" + rfc3339_utc(entry.time) + " ";
  append_fields(out, entry);
  return out;
}

std::string format_logfmt_untimed(const log_entry& entry) {
  std::string out;
  append_fields(out, entry);
  return out;
}

std::string format_json(const log_entry& entry) {
  boost::json::object object;
  object["time"] = rfc3339_utc(entry.time);
  object["level"] = chat::to_string(entry.level);
  object["event"] = valid_utf8(entry.event);
  if (!entry.peer.empty()) object["peer"] = valid_utf8(entry.peer);
  object["msg"] = valid_utf8(entry.message);
  return boost::json::serialize(object);
}

}  // namespace chatd
