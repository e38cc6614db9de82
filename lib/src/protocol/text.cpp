// SPDX-License-Identifier: BSL-1.0
#include <chat/protocol.hpp>
#include <chat/text.hpp>

#include <algorithm>

namespace chat {
namespace {

// Decodes one UTF-8 sequence at s[i], advancing i; false if it is not well formed.
bool next_code_point(std::string_view s, std::size_t& i, char32_t& out) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  std::size_t extra = 0;
  char32_t min = 0;
  if (lead < 0x80) {
    out = lead;
    ++i;
    return true;
  } else if ((lead & 0xE0) == 0xC0) {
    extra = 1, min = 0x80, out = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2, min = 0x800, out = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3, min = 0x10000, out = lead & 0x07;
  } else {
    return false;
  }
  if (s.size() - i <= extra) return false;
  for (std::size_t k = 1; k <= extra; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return false;
    out = (out << 6) | (byte(i + k) & 0x3F);
  }
  if (out < min || out > 0x10FFFF || (out >= 0xD800 && out <= 0xDFFF)) return false;
  i += extra + 1;
  return true;
}

bool is_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

}  // namespace

bool is_valid_utf8(std::string_view s) noexcept {
  char32_t c = 0;
  for (std::size_t i = 0; i < s.size();)
    if (!next_code_point(s, i, c)) return false;
  return true;
}

boost::system::error_code check_short_text(std::string_view text, std::size_t max_bytes) noexcept {
  // Encoding errors take precedence over content errors (docs/PROTOCOL.md, 6.3).
  bool has_control = false;
  char32_t c = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (!next_code_point(text, i, c)) return errc::invalid_utf8;
    has_control = has_control || is_forbidden_control(c);
  }
  if (has_control || text.size() > max_bytes) return errc::invalid_text;
  return {};
}

boost::system::error_code check_text(std::string_view text) noexcept {
  if (auto ec = check_short_text(text, max_text_bytes)) return ec;
  if (text.empty()) return errc::invalid_text;
  return {};
}

bool is_valid_name(std::string_view name) noexcept {
  return name.size() >= min_name_length && name.size() <= max_name_length &&
         std::all_of(name.begin(), name.end(), is_name_char);
}

bool is_valid_room(std::string_view room) noexcept {
  return !room.empty() && room.size() <= max_room_length &&
         std::all_of(room.begin(), room.end(), [](char c) { return is_name_char(c) || c == '#'; });
}

std::string fold_case(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string name_skeleton(std::string_view name) {
  std::string folded = fold_case(name);
  for (char& c : folded) {
    if (c == '0') c = 'o';
    else if (c == '1' || c == 'i') c = 'l';
  }
  // Pairs after single letters: "c1" looks like "cl", which looks like "d".
  std::string out;
  out.reserve(folded.size());
  for (std::size_t i = 0; i < folded.size(); ++i) {
    const char c = folded[i];
    const char next = i + 1 < folded.size() ? folded[i + 1] : '\0';
    if (c == 'r' && next == 'n') out += 'm', ++i;
    else if (c == 'c' && next == 'l') out += 'd', ++i;
    else if (c == 'v' && next == 'v') out += 'w', ++i;
    else out += c;
  }
  return out;
}

}  // namespace chat
