#include "render.hpp"

#include <chat/text.hpp>

#include <cstdio>
#include <ctime>

namespace chatcli {
namespace {

void append_code_point_tag(std::string& out, char32_t c) {
  char tag[16];
  std::snprintf(tag, sizeof tag, "<U+%04X>", static_cast<unsigned>(c));
  out += tag;
}

// Bidirectional embedding/override/isolate controls: they reorder what follows them on screen.
bool is_bidi_control(char32_t c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

// Length of the well-formed UTF-8 sequence at s[i] and its code point; 0 if there is none.
std::size_t sequence_at(std::string_view s, std::size_t i, char32_t& c) {
  for (std::size_t len = 1; len <= 4 && i + len <= s.size(); ++len) {
    const auto candidate = s.substr(i, len);
    if (!chat::is_valid_utf8(candidate)) continue;
    const auto b0 = static_cast<unsigned char>(candidate[0]);
    c = len == 1 ? b0 : (len == 2 ? b0 & 0x1Fu : len == 3 ? b0 & 0x0Fu : b0 & 0x07u);
    for (std::size_t k = 1; k < len; ++k)
      c = (c << 6) | (static_cast<unsigned char>(candidate[k]) & 0x3Fu);
    return len;
  }
  return 0;
}

}  // namespace

std::string inert(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    char32_t c = 0;
    const std::size_t len = sequence_at(text, i, c);
    if (len == 0) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned char>(text[i]));
      out += escaped;
      ++i;
      continue;
    }
    if (c == U'\t') {
      out += '\t';
    } else if (c < 0x20) {
      out += '^';
      out += static_cast<char>(c + 0x40);
    } else if (c == 0x7F) {
      out += "^?";
    } else if ((c >= 0x80 && c <= 0x9F) || is_bidi_control(c)) {
      append_code_point_tag(out, c);
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::string clock_time(std::uint64_t time_ms) {
  const auto seconds = static_cast<std::time_t>(time_ms / 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char buffer[8];
  std::strftime(buffer, sizeof buffer, "%H:%M", &local);
  return buffer;
}

std::string render(const chat::server_message& m, std::uint64_t now_ms) {
  struct visitor {
    std::uint64_t now_ms;
    std::string operator()(const chat::msg::message& x) const {
      return clock_time(x.time_ms) + ' ' + inert(x.sender) + ": " + inert(x.text);
    }
    std::string operator()(const chat::msg::joined& x) const {
      return clock_time(now_ms) + " * " + inert(x.name) + " joined " + inert(x.room) + " (" +
             std::to_string(x.member_count) + " online)";
    }
    std::string operator()(const chat::msg::left& x) const {
      return clock_time(now_ms) + " * " + inert(x.name) + " left " + inert(x.room) + " (" +
             std::to_string(x.member_count) + " online)";
    }
    std::string operator()(const chat::msg::error& x) const {
      return "! error " + std::to_string(x.code) + ": " + inert(x.text);
    }
    std::string operator()(const chat::msg::pong& x) const {
      return "* pong " + std::to_string(x.token);
    }
    std::string operator()(const chat::msg::welcome& x) const { return render_welcome(x); }
  };
  return std::visit(visitor{now_ms}, m);
}

std::string render_welcome(const chat::msg::welcome& w) {
  return "* Connected to " + inert(w.server_info) + " as " + inert(w.name) + " in " +
         inert(w.room) + " (" + std::to_string(w.member_count) + " online)";
}

}  // namespace chatcli
