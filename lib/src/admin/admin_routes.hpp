// SPDX-License-Identifier: BSL-1.0
// What the admin endpoint answers to a request. Sans-io: method and target in, response out.
#pragma once

#include "admin/admin_gateway.hpp"
#include "web/static_files.hpp"

#include <boost/beast/http/verb.hpp>

#include <string_view>

namespace chat::detail {

/// GET (or HEAD) /metrics: 200, the Prometheus text; /healthz: 200 "ok", or 503 "stopping"
/// once handlers.healthy() says so; other targets 404; other methods 405. The query string is
/// ignored.
http_response admin_response(boost::beast::http::verb method, std::string_view target,
                             unsigned http_version, bool keep_alive, const admin_handlers& handlers);

}  // namespace chat::detail
