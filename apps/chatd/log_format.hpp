// SPDX-License-Identifier: BSL-1.0
// One log line's text, as chatd writes it: logfmt (key=value) or JSON. Every line has the
// time (UTC, RFC 3339 with milliseconds), the level, the event, the peer when there is one and
// the message. Whatever bytes the fields hold, the result is one line of valid UTF-8: control
// characters are escaped, invalid UTF-8 becomes U+FFFD.
#pragma once

#include <chat/log_level.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace chatd {

struct log_entry {
  std::chrono::system_clock::time_point time;
  chat::log_level level = chat::log_level::info;
  std::string_view event;    ///< snake_case: "connected", "reloaded", ...
  std::string_view peer;     ///< "ADDR:PORT"; empty: no peer (the field is left out)
  std::string_view message;  ///< may be empty
};

/// "2026-12-03T12:00:00.123Z".
std::string rfc3339_utc(std::chrono::system_clock::time_point time);

/// `time=... level=info event=connected peer=127.0.0.1:5555 msg="..."`.
std::string format_logfmt(const log_entry& entry);
/// The same without `time=`: for syslog, which stamps lines itself.
std::string format_logfmt_untimed(const log_entry& entry);
/// `{"time":"...","level":"info","event":"connected","peer":"127.0.0.1:5555","msg":"..."}`.
std::string format_json(const log_entry& entry);

/// `text` with each byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

}  // namespace chatd
