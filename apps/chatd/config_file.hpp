// SPDX-License-Identifier: BSL-1.0
// chatd's config file: INI as Boost.Program_options reads it (`key = value`, `#` comments),
// the keys being chatd's long option names. Read whole, so that an error can name the line of
// the very text that was parsed (Program_options itself reports no lines).
#pragma once

#include "startup_error.hpp"

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/parsers.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace chatd {

struct config_file {
  std::string path;
  std::string text;

  /// The 1-based line of the `occurrence`-th assignment to `option` ("name = ..." under no
  /// section, or "key = ..." under "[section]" for "section.key"); 0 if there is none.
  std::size_t line_of(std::string_view option, std::size_t occurrence = 1) const;
  /// The 1-based line of the first line that is neither blank, a comment, a section nor an
  /// assignment; 0 if there is none.
  std::size_t first_malformed_line() const;
  /// "PATH:LINE: " for the first assignment to `option`, or "PATH: " if it has none.
  std::string where(std::string_view option) const;
};

/// Reads the file at `path`. Throws startup_error naming it if it cannot be read.
config_file read_config_file(const std::string& path);

/// Parses `file` against `options` (unknown keys are errors). Throws startup_error
/// "PATH:LINE: ..." for an unknown key or a malformed line.
boost::program_options::parsed_options parse_config_file(
    const config_file& file, const boost::program_options::options_description& options);

}  // namespace chatd
