// SPDX-License-Identifier: BSL-1.0
#include "config_lines.hpp"

#include <string>

namespace apps {
namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

bool is_section(std::string_view line) {
  return line.size() >= 2 && line.front() == '[' && line.back() == ']';
}

// Calls visit(line_number, line) for each line with its comment removed and trimmed, as
// Program_options sees it. Stops when visit returns true.
template <class Visit>
void for_each_line(std::string_view text, Visit visit) {
  std::size_t number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++number;
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    if (visit(number, trim(line))) return;
  }
}

}  // namespace

std::size_t line_of_option(std::string_view text, std::string_view option, std::size_t occurrence) {
  std::string section;
  std::size_t seen = 0;
  std::size_t found = 0;
  for_each_line(text, [&](std::size_t number, std::string_view line) {
    if (is_section(line)) {
      section = std::string(trim(line.substr(1, line.size() - 2))) + ".";
      return false;
    }
    const auto equals = line.find('=');
    if (equals == std::string_view::npos) return false;
    if (section + std::string(trim(line.substr(0, equals))) != option || ++seen < occurrence)
      return false;
    found = number;
    return true;
  });
  return found;
}

std::size_t first_malformed_line(std::string_view text) {
  std::size_t malformed = 0;
  for_each_line(text, [&](std::size_t number, std::string_view line) {
    if (line.empty() || is_section(line) || line.find('=') != std::string_view::npos) return false;
    malformed = number;
    return true;
  });
  return malformed;
}

}  // namespace apps
