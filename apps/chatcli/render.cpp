// SPDX-License-Identifier: BSL-1.0
#include "render.hpp"

#include <chat/text.hpp>

#include <cstdio>
#include <iterator>
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

int nick_colour(std::string_view name) {
  // FNV-1a over the case-folded name: stable across runs and platforms, unlike std::hash.
  std::uint32_t hash = 2166136261u;
  for (char c : chat::fold_case(name)) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  static constexpr int palette[] = {31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96};
  return palette[hash % std::size(palette)];
}

namespace {

class painter {
public:
  explicit painter(const render_context& context) : context_(context) {}

  std::string paint(std::string_view text, int sgr) const {
    if (!context_.colour) return std::string(text);
    return "\033[" + std::to_string(sgr) + 'm' + std::string(text) + "\033[0m";
  }
  std::string time(std::uint64_t ms) const { return paint(clock_time(ms), 2); }
  std::string nick(std::string_view name) const { return paint(inert(name), nick_colour(name)); }
  std::string notice(std::string_view text) const {
    return time(context_.now_ms) + ' ' + paint("* " + std::string(text), 2);
  }
  std::string error(std::string_view text) const { return paint(text, 31); }
  const render_context& context() const { return context_; }

private:
  const render_context& context_;
};

std::string online(std::uint32_t count) { return " (" + std::to_string(count) + " online)"; }

}  // namespace

std::string render_notice(std::string_view text, const render_context& context) {
  return painter(context).notice(text);
}

std::string counted(std::size_t count, std::string_view singular, std::string_view plural) {
  return std::to_string(count) + ' ' + std::string(count == 1 ? singular : plural);
}

std::string replay_announcement(std::size_t count, std::string_view room, bool while_away) {
  if (while_away)
    return counted(count, "message", "messages") + " in " + inert(room) + " while you were away:";
  return counted(count, "earlier message", "earlier messages") + " in " + inert(room) + ':';
}

std::string render_prompt(const std::optional<std::string>& room) {
  return (room ? inert(*room) : "(no room)") + "> ";
}

std::optional<std::string> render(const chat::server_message& m, const render_context& context) {
  struct visitor {
    painter p;
    std::optional<std::string> operator()(const chat::msg::server::message& x) const {
      std::string where;
      if (x.flags & chat::msg::flag_private) {
        const bool mine = chat::fold_case(x.sender) == chat::fold_case(p.context().self);
        where = "[pm:" + inert(mine ? x.target : x.sender) + ']';
      } else {
        where = '[' + inert(x.target) + ']';
      }
      const std::string body = (x.flags & chat::msg::flag_action)
                                   ? "* " + p.nick(x.sender) + ' ' + inert(x.text)
                                   : p.nick(x.sender) + ": " + inert(x.text);
      return p.time(x.time_ms) + ' ' + where + ' ' + body;
    }
    std::optional<std::string> operator()(const chat::msg::server::joined& x) const {
      return p.notice(inert(x.name) + " joined " + inert(x.room) + online(x.member_count));
    }
    std::optional<std::string> operator()(const chat::msg::server::left& x) const {
      return p.notice(inert(x.name) + " left " + inert(x.room) + online(x.member_count) +
                      (x.reason.empty() ? "" : ": " + inert(x.reason)));
    }
    std::optional<std::string> operator()(const chat::msg::server::error& x) const {
      return p.error("! error " + std::to_string(x.code) + ": " + inert(x.text));
    }
    std::optional<std::string> operator()(const chat::msg::server::pong& x) const {
      return p.notice("pong " + std::to_string(x.token));
    }
    std::optional<std::string> operator()(const chat::msg::server::welcome& x) const {
      return p.notice("connected to " + inert(x.server_info) + " as " + inert(x.name));
    }
    std::optional<std::string> operator()(const chat::msg::server::topic& x) const {
      if (x.text.empty()) return p.notice("no topic in " + inert(x.room));
      return p.notice("topic of " + inert(x.room) + ": " + inert(x.text) + " (set by " +
                      inert(x.set_by) + " at " + clock_time(x.time_ms) + ")");
    }
    std::optional<std::string> operator()(const chat::msg::server::room_info& x) const {
      return p.notice(inert(x.room) + online(x.member_count) +
                      (x.topic.empty() ? "" : ": " + inert(x.topic)));
    }
    std::optional<std::string> operator()(const chat::msg::server::members& x) const {
      std::string names;
      for (const auto& n : x.names) names += (names.empty() ? "" : " ") + p.nick(n);
      return p.notice("in " + inert(x.room) + ": ") + names;
    }
    std::optional<std::string> operator()(const chat::msg::server::renamed& x) const {
      return p.notice(inert(x.old_name) + " is now known as " + inert(x.new_name));
    }
    std::optional<std::string> operator()(const chat::msg::server::end&) const { return std::nullopt; }
    std::optional<std::string> operator()(const chat::msg::server::ping&) const { return std::nullopt; }
    // Negotiation: the library's business; a resume token is a secret, never shown.
    std::optional<std::string> operator()(const chat::msg::server::caps&) const { return std::nullopt; }
    std::optional<std::string> operator()(const chat::msg::server::session&) const { return std::nullopt; }
  };
  return std::visit(visitor{painter(context)}, m);
}

}  // namespace chatcli
