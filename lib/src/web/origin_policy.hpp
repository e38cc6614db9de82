// SPDX-License-Identifier: BSL-1.0
// Which pages may open a WebSocket (docs/PROTOCOL.md 15.1): the browser's Origin against the
// operator's list, or by default against the request's own Host.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chat::detail {

/// Whether a handshake with `origin` (empty: no Origin header) for `host` (the Host header)
/// may proceed. `allowed` as server_websocket_options::allowed_origins.
bool origin_allowed(std::string_view origin, std::string_view host,
                    const std::vector<std::string>& allowed);

}  // namespace chat::detail
