// SPDX-License-Identifier: BSL-1.0
// What chat::server::reload() did with the options it was given. A plain value.
#pragma once

#include <boost/system/error_code.hpp>

#include <string>
#include <vector>

namespace chat {

struct reload_result {
  /// Set: the new options were rejected whole (invalid, or a TLS file that does not load);
  /// nothing changed.
  boost::system::error_code error;
  /// server_options members now in effect with a new value, by member name
  /// ("max_connections", "password", "tls.certificate_file", ...).
  std::vector<std::string> applied;
  /// Changed members that cannot change live ("address", "port", "threads", "tls.port",
  /// "websocket.port", ...): their old values stay until a restart.
  std::vector<std::string> kept;
};

}  // namespace chat
