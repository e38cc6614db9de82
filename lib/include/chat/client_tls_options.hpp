// SPDX-License-Identifier: BSL-1.0
// Whether and how a chat::client speaks TLS (docs/PROTOCOL.md 2). A plain value; part of
// client_options.
#pragma once

#include <string>

namespace chat {

struct client_tls_options {
  bool enabled = false;  ///< Connect with TLS (1.2 or 1.3, as the server allows).
  /// PEM file of the certificate authorities to trust; empty: the system's store
  /// (OpenSSL's default verify paths).
  std::string ca_file;
  /// The name the server's certificate must carry (and sent as SNI); empty: the host given to
  /// connect. An IP address is matched against the certificate's IP addresses, without SNI.
  std::string server_name;
  /// Skip certificate verification. Anyone on the path can then read and change the traffic:
  /// for tests and throwaway setups only.
  bool insecure = false;
};

}  // namespace chat
