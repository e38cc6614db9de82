// SPDX-License-Identifier: BSL-1.0
// The web client's files, served on the WebSocket port (docs/PROTOCOL.md 15.4). Sans-io: a
// request's method and target in, a complete response out.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

#include <filesystem>
#include <string_view>

namespace chat::detail {

using http_response = boost::beast::http::response<boost::beast::http::string_body>;

/// Largest file served; the web client's files are far smaller.
inline constexpr std::uintmax_t max_static_file_bytes = 4 * 1024 * 1024;

/// The response to `method target` for files under `root` (empty: none are served): the file
/// (200, HEAD without its body), 404, or 405 for a method other than GET and HEAD. Every
/// response carries the security headers of add_security_headers().
http_response serve_static(const std::filesystem::path& root, boost::beast::http::verb method,
                           std::string_view target, unsigned http_version, bool keep_alive);

/// A plain-text response (errors, refusals) with the security headers.
http_response plain_response(boost::beast::http::status status, std::string_view text,
                             unsigned http_version, bool keep_alive);

/// Content-Security-Policy (no inline script, nothing from elsewhere), nosniff, no referrer.
void add_security_headers(http_response& response);

}  // namespace chat::detail
