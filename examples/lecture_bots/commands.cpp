// SPDX-License-Identifier: BSL-1.0
#include "commands.hpp"

#include <charconv>

namespace lecture_bots {

namespace {

constexpr std::uint64_t max_prime_argument = std::uint64_t{1} << 63;
constexpr std::string_view prime_usage = "usage: !prime N (0 <= N <= 2^63)";

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Digits only, the whole argument: no sign, no spaces inside, nothing after the number.
std::optional<std::uint64_t> parse_prime_argument(std::string_view s) {
  s = trim_spaces(s);
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || n > max_prime_argument)
    return std::nullopt;
  return n;
}

// The smallest divisor > 1 of n >= 2 (n itself when n is prime), or 0 if stopped first.
std::uint64_t smallest_divisor(std::uint64_t n, const std::stop_token& stop) {
  static constexpr std::uint64_t small_primes[] = {2, 3, 5};
  for (std::uint64_t d : small_primes)
    if (n % d == 0) return d;
  // Past 2, 3 and 5 only numbers coprime to 30 can be the smallest divisor: 7, 11, 13, 17,
  // 19, 23, 29, 31, then +30 each. That is 8 of every 30 candidates instead of 15 odd ones.
  static constexpr std::uint64_t gaps[] = {4, 2, 4, 2, 4, 6, 2, 6};
  for (std::uint64_t d = 7; d <= n / d;) {  // n / d: d * d could overflow near 2^64
    for (std::uint64_t gap : gaps) {
      if (n % d == 0) return d;
      d += gap;
    }
    if (stop.stop_requested()) return 0;
  }
  return n;
}

}  // namespace

std::string to_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string count_consonants(std::string_view text) {
  std::size_t n = 0;
  for (char c : text)
    if (is_ascii_letter(c) && std::string_view("aeiouAEIOU").find(c) == std::string_view::npos) ++n;
  return std::to_string(n) + (n == 1 ? " consonant" : " consonants");
}

std::optional<std::string> prime_verdict(std::uint64_t n, std::stop_token stop) {
  const std::string number = std::to_string(n);
  if (n < 2) return number + " is not prime";
  const std::uint64_t d = smallest_divisor(n, stop);
  if (d == 0) return std::nullopt;
  if (d == n) return number + " is prime";
  return number + " is not prime (divisible by " + std::to_string(d) + ")";
}

request interpret(std::string_view text) {
  // "!command argument": the command is the first word, the argument what follows its space.
  const auto space = text.find(' ');
  const std::string_view command = text.substr(0, space);
  const std::string_view argument = space == std::string_view::npos ? "" : text.substr(space + 1);

  if (command == "!upper") {
    if (argument.empty()) return reply{"usage: !upper TEXT"};
    return reply{to_upper(argument)};
  }
  if (command == "!consonants") {
    if (argument.empty()) return reply{"usage: !consonants TEXT"};
    return reply{count_consonants(argument)};
  }
  if (command == "!prime") {
    if (const auto n = parse_prime_argument(argument)) return prime_request{*n};
    return reply{std::string(prime_usage)};
  }
  return std::monostate{};
}

}  // namespace lecture_bots
