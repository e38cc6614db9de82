// SPDX-License-Identifier: BSL-1.0
// chatcli's rendering of hostile server input. The input is either raw text (for inert()) or a
// server frame (for render() of what it decodes to), chosen by its first byte. Property: what
// reaches the terminal is well-formed UTF-8, one line, and holds no control that a terminal
// acts on: no C0 but tab, no DEL, no C1 (so no escape sequences: ESC and CSI are among them),
// no bidirectional embedding, override or isolate.
#include "fuzz_check.hpp"

#include "render.hpp"

#include <chat/protocol.hpp>
#include <chat/text.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace {

/// Whether a terminal shows `s` as plain text (see above).
bool is_inert(std::string_view s) {
  if (!chat::is_valid_utf8(s)) return false;
  for (std::size_t i = 0; i < s.size();) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    const std::size_t n = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
    char32_t c = n == 1 ? b0 : n == 2 ? (b0 & 0x1Fu) : n == 3 ? (b0 & 0x0Fu) : (b0 & 0x07u);
    for (std::size_t k = 1; k < n; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    if (c != U'\t' && (c < 0x20 || c == 0x7F)) return false;
    if (c >= 0x80 && c <= 0x9F) return false;
    if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)) return false;
    i += n;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  if (data[0] & 1) {
    const std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
    const std::string shown = chatcli::inert(text);
    FUZZ_CHECK(is_inert(shown));
    if (is_inert(text)) FUZZ_CHECK(shown == text);  // harmless text is shown as it is
    FUZZ_CHECK(is_inert(chatcli::render_prompt(std::string(text))));
    FUZZ_CHECK(is_inert(chatcli::replay_announcement(rest.size(), text, (data[0] & 2) != 0)));
    return 0;
  }
  if (rest.empty()) return 0;
  const auto m = chat::decode_server_message({rest[0], rest.subspan(1)});
  if (!m) return 0;
  const chatcli::render_context context{"alice", 1'700'000'000'000, false};
  if (auto line = chatcli::render(*m, context)) FUZZ_CHECK(is_inert(*line));
  return 0;
}
