// SPDX-License-Identifier: BSL-1.0
#include "web/origin_policy.hpp"

#include <algorithm>
#include <cctype>

namespace chat::detail {

namespace {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// "host[:port]" of "scheme://host[:port]", with the scheme's default port made explicit, so
// that "http://h" matches Host "h:80" as well as "h". Empty if `origin` is not of that form
// (e.g. "null", sent by sandboxed pages and file: URLs).
std::string_view authority_of(std::string_view origin, std::string_view& scheme) {
  const auto sep = origin.find("://");
  if (sep == std::string_view::npos) return {};
  scheme = origin.substr(0, sep);
  auto rest = origin.substr(sep + 3);
  if (rest.empty() || rest.find('/') != std::string_view::npos) return {};
  return rest;
}

std::string with_default_port(std::string_view authority, std::string_view scheme) {
  // An IPv6 literal is bracketed: its port follows "]".
  const auto bracket = authority.rfind(']');
  const auto colon = authority.rfind(':');
  const bool has_port = colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
  std::string out(authority);
  if (!has_port) out += equal_ignoring_case(scheme, "https") ? ":443" : ":80";
  return out;
}

}  // namespace

bool origin_allowed(std::string_view origin, std::string_view host,
                    const std::vector<std::string>& allowed) {
  if (origin.empty()) return true;  // not a browser: Origin protects browsers' users only
  if (!allowed.empty()) {
    return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& a) {
      return a == "*" || equal_ignoring_case(a, origin);
    });
  }
  std::string_view scheme;
  const auto authority = authority_of(origin, scheme);
  if (authority.empty() || host.empty()) return false;
  if (!equal_ignoring_case(scheme, "http") && !equal_ignoring_case(scheme, "https")) return false;
  return equal_ignoring_case(with_default_port(authority, scheme), with_default_port(host, scheme));
}

}  // namespace chat::detail
