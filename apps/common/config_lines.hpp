// SPDX-License-Identifier: BSL-1.0
// Where in a config file something is, for error messages: the file is parsed by
// Boost.Program_options (parse_config_file), which reports no lines, so its text is read again
// here the way Program_options reads it (`#` comments, `[section]` prefixing "section." to the
// keys, `key = value`). Only to locate; never to parse options.
#pragma once

#include <cstddef>
#include <string_view>

namespace apps {

/// The 1-based line of the `occurrence`-th assignment to `option` in `text` ("name = ..."
/// under no section, or "key = ..." under "[section]" for "section.key"); 0 if there is none.
std::size_t line_of_option(std::string_view text, std::string_view option, std::size_t occurrence = 1);

/// The 1-based line of the first line of `text` that is neither blank, a comment, a section nor
/// an assignment (the line Program_options rejects as invalid syntax); 0 if there is none.
std::size_t first_malformed_line(std::string_view text);

}  // namespace apps
