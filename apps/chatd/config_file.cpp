// SPDX-License-Identifier: BSL-1.0
#include "config_file.hpp"

#include "config_lines.hpp"

#include <boost/program_options/errors.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace po = boost::program_options;

namespace chatd {

std::size_t config_file::line_of(std::string_view option, std::size_t occurrence) const {
  return apps::line_of_option(text, option, occurrence);
}

std::size_t config_file::first_malformed_line() const { return apps::first_malformed_line(text); }

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
