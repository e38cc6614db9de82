// SPDX-License-Identifier: BSL-1.0
// The lecture bot's commands as pure functions, apart from any connection, so that they can
// be tested on their own: what a message asks for, and what the answer is.
#pragma once

#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <variant>

namespace lecture_bots {

/// An answer to send at once.
struct reply {
  std::string text;
  friend bool operator==(const reply&, const reply&) = default;
};

/// "!prime N": up to about 10^9 divisions, too slow to answer at once; see prime_verdict.
struct prime_request {
  std::uint64_t n = 0;
  friend bool operator==(const prime_request&, const prime_request&) = default;
};

/// What a chat message asks of the bot: nothing (not a command), a reply, or a prime test.
using request = std::variant<std::monostate, reply, prime_request>;

/// "!upper TEXT" -> TEXT upper-cased; "!consonants TEXT" -> "N consonants"; "!prime N" -> a
/// prime_request for 0 <= N <= 2^63. A command with a missing or bad argument gets its usage
/// line. Anything else, unknown "!words" included, is not for the bot.
request interpret(std::string_view text);

/// ASCII letters upper-cased; every other byte, multi-byte UTF-8 included, unchanged.
std::string to_upper(std::string_view text);

/// "N consonants" ("1 consonant"): ASCII letters other than a, e, i, o, u in any case.
std::string count_consonants(std::string_view text);

/// "N is prime", "N is not prime (divisible by D)" with D the smallest divisor > 1, or
/// "0 is not prime" / "1 is not prime", by trial division up to sqrt(N). Seconds for a large
/// prime: nullopt if `stop` is requested before it is done.
std::optional<std::string> prime_verdict(std::uint64_t n, std::stop_token stop = {});

}  // namespace lecture_bots
