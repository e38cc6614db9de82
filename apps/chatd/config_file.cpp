// SPDX-License-Identifier: BSL-1.0
#include "config_file.hpp"

#include <boost/program_options/errors.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace po = boost::program_options;

namespace chatd {
namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
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

std::size_t config_file::line_of(std::string_view option, std::size_t occurrence) const {
  std::string section;
  std::size_t seen = 0;
  std::size_t found = 0;
  for_each_line(text, [&](std::size_t number, std::string_view line) {
    if (line.size() >= 2 && line.front() == '[' && line.back() == ']') {
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

std::size_t config_file::first_malformed_line() const {
  std::size_t malformed = 0;
  for_each_line(text, [&](std::size_t number, std::string_view line) {
    if (line.empty() || (line.front() == '[' && line.back() == ']') ||
        line.find('=') != std::string_view::npos)
      return false;
    malformed = number;
    return true;
  });
  return malformed;
}

std::string config_file::where(std::string_view option) const {
  const auto line = line_of(option);
  return line == 0 ? path + ": " : path + ":" + std::to_string(line) + ": ";
}

config_file read_config_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw startup_error("cannot read config file " + path + ": it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw startup_error("cannot read config file " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw startup_error("cannot read config file " + path + ": read error");
  return {path, std::move(text).str()};
}

po::parsed_options parse_config_file(const config_file& file, const po::options_description& options) {
  std::istringstream in(file.text);
  try {
    return po::parse_config_file(in, options, false);
  } catch (const po::invalid_config_file_syntax& e) {
    const auto line = file.first_malformed_line();
    throw startup_error(file.path + (line ? ":" + std::to_string(line) : std::string()) + ": " +
                        (e.kind() == po::invalid_syntax::unrecognized_line ? "not a 'key = value' line"
                                                                           : std::string(e.what())));
  } catch (const po::unknown_option& e) {
    const std::string name = e.get_option_name();
    throw startup_error(file.where(name) + "unknown option '" + name + "'");
  } catch (const po::error& e) {
    throw startup_error(file.path + ": " + e.what());
  }
}

}  // namespace chatd
