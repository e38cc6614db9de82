// SPDX-License-Identifier: BSL-1.0
// The lecture bot's commands (examples/lecture_bots/commands.hpp), without a connection.
#include "commands.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <stop_token>
#include <string>
#include <variant>

namespace {

using lecture_bots::interpret;
using lecture_bots::prime_request;
using lecture_bots::prime_verdict;
using lecture_bots::reply;

const std::string prime_usage = "usage: !prime N (0 <= N <= 2^63)";

// An independent check of the large prime the e2e test uses: Miller-Rabin with the first
// twelve primes as bases is deterministic below 3.3 * 10^24.
__extension__ using u128 = unsigned __int128;
std::uint64_t power_mod(std::uint64_t base, std::uint64_t exp, std::uint64_t mod) {
  std::uint64_t result = 1;
  for (base %= mod; exp; exp >>= 1) {
    if (exp & 1) result = static_cast<std::uint64_t>(u128{result} * base % mod);
    base = static_cast<std::uint64_t>(u128{base} * base % mod);
  }
  return result;
}
bool miller_rabin(std::uint64_t n) {
  if (n < 2) return false;
  std::uint64_t d = n - 1;
  int s = 0;
  for (; d % 2 == 0; d /= 2) ++s;
  for (std::uint64_t a : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37}) {
    if (a % n == 0) continue;
    std::uint64_t x = power_mod(a, d, n);
    if (x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int i = 1; i < s && composite; ++i) composite = (x = power_mod(x, 2, n)) != n - 1;
    if (composite) return false;
  }
  return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lecture_bots_commands)

BOOST_AUTO_TEST_CASE(upper_changes_ascii_letters_only) {
  BOOST_TEST((interpret("!upper hello, world") == lecture_bots::request{reply{"HELLO, WORLD"}}));
  BOOST_TEST(lecture_bots::to_upper("grüße, ÿ ß x") == "GRüßE, ÿ ß X");
  BOOST_TEST(lecture_bots::to_upper("\xC3\xA9t\xC3\xA9") == "\xC3\xA9T\xC3\xA9");  // UTF-8 intact
  BOOST_TEST((interpret("!upper  two spaces") == lecture_bots::request{reply{" TWO SPACES"}}));
  BOOST_TEST((interpret("!upper") == lecture_bots::request{reply{"usage: !upper TEXT"}}));
  BOOST_TEST((interpret("!upper ") == lecture_bots::request{reply{"usage: !upper TEXT"}}));
}

BOOST_AUTO_TEST_CASE(consonants_are_letters_that_are_not_vowels) {
  BOOST_TEST(lecture_bots::count_consonants("Hello, World") == "7 consonants");
  BOOST_TEST(lecture_bots::count_consonants("AEIOU aeiou") == "0 consonants");
  BOOST_TEST(lecture_bots::count_consonants("a b") == "1 consonant");
  BOOST_TEST(lecture_bots::count_consonants("yY") == "2 consonants");
  // ç is a consonant, but not an ASCII one.
  BOOST_TEST(lecture_bots::count_consonants("123 !? \xC3\xA7") == "0 consonants");
  BOOST_TEST((interpret("!consonants rhythm") == lecture_bots::request{reply{"6 consonants"}}));
  BOOST_TEST((interpret("!consonants") == lecture_bots::request{reply{"usage: !consonants TEXT"}}));
}

BOOST_AUTO_TEST_CASE(prime_arguments_from_0_to_2_pow_63) {
  BOOST_TEST((interpret("!prime 0") == lecture_bots::request{prime_request{0}}));
  BOOST_TEST((interpret("!prime  17 ") == lecture_bots::request{prime_request{17}}));
  BOOST_TEST((interpret("!prime 007") == lecture_bots::request{prime_request{7}}));
  BOOST_TEST((interpret("!prime 9223372036854775808") ==
              lecture_bots::request{prime_request{std::uint64_t{1} << 63}}));
  for (const char* bad : {"!prime", "!prime ", "!prime x", "!prime -1", "!prime +5", "!prime 1 2",
                          "!prime 12ab", "!prime 9223372036854775809",
                          "!prime 18446744073709551615", "!prime 99999999999999999999999"})
    BOOST_TEST((interpret(bad) == lecture_bots::request{reply{prime_usage}}), bad);
}

BOOST_AUTO_TEST_CASE(other_text_is_not_a_command) {
  for (const char* text : {"hello", "!uppercase x", "upper x", " !upper x", "!help", "!", ""})
    BOOST_TEST(std::holds_alternative<std::monostate>(interpret(text)), text);
}

BOOST_AUTO_TEST_CASE(prime_verdicts) {
  BOOST_TEST(prime_verdict(0).value() == "0 is not prime");
  BOOST_TEST(prime_verdict(1).value() == "1 is not prime");
  BOOST_TEST(prime_verdict(2).value() == "2 is prime");
  BOOST_TEST(prime_verdict(3).value() == "3 is prime");
  BOOST_TEST(prime_verdict(4).value() == "4 is not prime (divisible by 2)");
  BOOST_TEST(prime_verdict(25).value() == "25 is not prime (divisible by 5)");
  BOOST_TEST(prime_verdict(49).value() == "49 is not prime (divisible by 7)");
  BOOST_TEST(prime_verdict(961).value() == "961 is not prime (divisible by 31)");    // 31^2
  BOOST_TEST(prime_verdict(1147).value() == "1147 is not prime (divisible by 31)");  // 31 * 37
  BOOST_TEST(prime_verdict(999999999989).value() == "999999999989 is prime");
  BOOST_TEST(prime_verdict(999999999989ull * 1000003).value() ==
             "1000002999988999967 is not prime (divisible by 1000003)");
  BOOST_TEST(prime_verdict(std::uint64_t{1} << 63).value() ==
             "9223372036854775808 is not prime (divisible by 2)");
  BOOST_TEST(prime_verdict((std::uint64_t{1} << 63) - 1).value() ==
             "9223372036854775807 is not prime (divisible by 7)");
}

// Trial division agrees with Miller-Rabin on every number below 20000.
BOOST_AUTO_TEST_CASE(prime_verdicts_agree_with_miller_rabin) {
  for (std::uint64_t n = 0; n < 20000; ++n) {
    const bool prime = prime_verdict(n).value().ends_with(" is prime");
    BOOST_TEST(prime == miller_rabin(n), n);
  }
}

// The e2e test's number is prime, and the one it shows to be slow: 2^63 - 25, the largest
// prime below 2^63.
BOOST_AUTO_TEST_CASE(e2e_prime_is_prime) {
  BOOST_TEST(miller_rabin(9223372036854775783ull));
  BOOST_TEST(9223372036854775783ull == (std::uint64_t{1} << 63) - 25);
  for (std::uint64_t n = 9223372036854775783ull + 1; n < (std::uint64_t{1} << 63); ++n)
    BOOST_TEST(!miller_rabin(n), n);
}

// A stop request ends a long test early, with no verdict.
BOOST_AUTO_TEST_CASE(prime_verdict_stops_when_asked) {
  std::stop_source stop;
  stop.request_stop();
  const auto start = std::chrono::steady_clock::now();
  BOOST_TEST(!prime_verdict(9223372036854775783ull, stop.get_token()).has_value());
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(1)));
}

BOOST_AUTO_TEST_SUITE_END()
