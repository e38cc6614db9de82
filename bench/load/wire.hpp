// SPDX-License-Identifier: BSL-1.0
// The little of protocol v2 (docs/PROTOCOL.md) that chat_load decodes by hand on its hot path,
// and the stamp its SAY texts carry.
//
// Deliveries arrive by the million per second, so a MESSAGE is not decoded into a
// chat::server_message (strings copied, UTF-8 checked): its fields are located in place and only
// the text's stamp is read. Control frames (HELLO, JOIN, PONG, BYE) are rare and are encoded with
// the library's codec.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace load {

using bytes_view = std::span<const std::uint8_t>;

/// Bounds-checked big-endian reads over a frame's fields; once a read runs past the end, ok()
/// is false and every later read yields 0 or empty.
class field_reader {
public:
  explicit field_reader(bytes_view body) : body_(body) {}

  bool ok() const noexcept { return ok_; }
  bool at_end() const noexcept { return ok_ && pos_ == body_.size(); }

  std::uint64_t uint(std::size_t bytes) noexcept {
    if (!take(bytes)) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < bytes; ++i) v = (v << 8) | body_[pos_ - bytes + i];
    return v;
  }
  std::uint8_t u8() noexcept { return static_cast<std::uint8_t>(uint(1)); }
  std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(uint(2)); }
  std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(uint(4)); }
  std::uint64_t u64() noexcept { return uint(8); }

  /// A string field (u16 length, bytes), not checked for UTF-8.
  std::string_view str() noexcept {
    const std::size_t n = u16();
    if (!take(n)) return {};
    return {reinterpret_cast<const char*>(body_.data() + pos_ - n), n};
  }

private:
  bool take(std::size_t n) noexcept {
    if (!ok_ || body_.size() - pos_ < n) return ok_ = false;
    pos_ += n;
    return true;
  }

  bytes_view body_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

/// The fields of a MESSAGE (0x82) chat_load looks at.
struct message_fields {
  std::uint8_t flags = 0;
  std::string_view text;
};

/// Locates MESSAGE's fields in `body` (the frame after its type byte); nullopt if malformed.
inline std::optional<message_fields> parse_message(bytes_view body) {
  field_reader r(body);
  r.u64();  // id
  r.u64();  // time_ms
  message_fields m;
  m.flags = r.u8();
  r.str();  // sender: the stamp names the sender's index
  r.str();  // target: every member is in exactly one room
  m.text = r.str();
  if (!r.at_end()) return std::nullopt;
  return m;
}

/// What a SAY text starts with: "SSSSSSSS.QQQQQQQQ.TTTTTTTTTTTTTTTT", the sender's index, the
/// sequence number and the send time (steady clock, ns) in fixed-width lower-case hex; the rest of
/// the text is 'x' padding. Fixed width so that reading it is a table look-up per digit, and hex
/// so that the text stays printable (the server rejects control characters).
struct stamp {
  static constexpr std::size_t size = 8 + 1 + 8 + 1 + 16;

  std::uint32_t sender = 0;
  std::uint32_t sequence = 0;
  std::uint64_t sent_ns = 0;

  void write(char* out) const noexcept {
    put_hex(out, sender, 8);
    out[8] = '.';
    put_hex(out + 9, sequence, 8);
    out[17] = '.';
    put_hex(out + 18, sent_ns, 16);
  }

  /// The stamp at the start of `text`, or nullopt if it has none (a message not sent by
  /// chat_load).
  static std::optional<stamp> read(std::string_view text) noexcept {
    if (text.size() < size || text[8] != '.' || text[17] != '.') return std::nullopt;
    bool ok = true;
    stamp s;
    s.sender = static_cast<std::uint32_t>(get_hex(text.data(), 8, ok));
    s.sequence = static_cast<std::uint32_t>(get_hex(text.data() + 9, 8, ok));
    s.sent_ns = get_hex(text.data() + 18, 16, ok);
    if (!ok) return std::nullopt;
    return s;
  }

private:
  static void put_hex(char* out, std::uint64_t v, int digits) noexcept {
    static constexpr char hex[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; --i, v >>= 4) out[i] = hex[v & 0xF];
  }

  static std::uint64_t get_hex(const char* in, int digits, bool& ok) noexcept {
    static constexpr auto table = [] {
      std::array<std::uint8_t, 256> t{};
      t.fill(0xFF);
      for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<std::uint8_t>(i);
      for (int i = 0; i < 6; ++i) t['a' + i] = static_cast<std::uint8_t>(10 + i);
      return t;
    }();
    std::uint64_t v = 0;
    std::uint8_t bad = 0;
    for (int i = 0; i < digits; ++i) {
      const std::uint8_t d = table[static_cast<unsigned char>(in[i])];
      bad |= d & 0xF0;
      v = (v << 4) | (d & 0x0F);
    }
    if (bad) ok = false;
    return v;
  }
};

/// A SAY frame for one room and text size, built once; each message is a copy of it with its
/// stamp written over the start of the text. Cheaper than building a chat::msg::client::say
/// (two strings) and encoding it, per message.
class say_template {
public:
  say_template(std::string_view room, std::size_t text_size) {
    const std::size_t length = 1 + 2 + room.size() + 1 + 2 + text_size;  // L: type byte onwards
    frame_.reserve(4 + length);
    put(length, 4);
    frame_.push_back(0x02);  // SAY
    put(room.size(), 2);
    frame_.insert(frame_.end(), room.begin(), room.end());
    frame_.push_back(0);  // flags: not an action
    put(text_size, 2);
    text_offset_ = frame_.size();
    frame_.resize(frame_.size() + text_size, 'x');
  }

  std::size_t frame_size() const noexcept { return frame_.size(); }

  /// Appends one SAY carrying `s` to `out`.
  void append(std::vector<std::uint8_t>& out, const stamp& s) const {
    const std::size_t at = out.size();
    out.insert(out.end(), frame_.begin(), frame_.end());
    s.write(reinterpret_cast<char*>(out.data() + at + text_offset_));
  }

private:
  void put(std::size_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) frame_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }

  std::vector<std::uint8_t> frame_;
  std::size_t text_offset_ = 0;
};

}  // namespace load
