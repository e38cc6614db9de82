// SPDX-License-Identifier: BSL-1.0
// The TLS protocol versions a server may accept as its lowest.
#pragma once

namespace chat {

enum class tls_version {
  v1_2,  ///< TLS 1.2 and 1.3: only for clients that cannot do 1.3.
  v1_3,  ///< TLS 1.3 only (the default).
};

}  // namespace chat
