// SPDX-License-Identifier: BSL-1.0
#include "admin/admin_routes.hpp"

#include "admin/prometheus_text.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

namespace chat::detail {

namespace http = boost::beast::http;

http_response admin_response(http::verb method, std::string_view target, unsigned http_version,
                             bool keep_alive, const admin_handlers& handlers) {
  if (method != http::verb::get && method != http::verb::head) {
    auto response = plain_response(http::status::method_not_allowed, "only GET and HEAD are served",
                                   http_version, keep_alive);
    response.set(http::field::allow, "GET, HEAD");
    return response;
  }
  const auto path = target.substr(0, target.find_first_of("?#"));
  http_response response;
  if (path == "/metrics") {
    response = http_response(http::status::ok, http_version);
    add_security_headers(response);
    response.set(http::field::content_type, prometheus_content_type);
    response.set(http::field::cache_control, "no-store");
    response.body() = handlers.metrics ? handlers.metrics() : std::string();
    response.keep_alive(keep_alive);
    response.prepare_payload();
  } else if (path == "/healthz") {
    const bool healthy = !handlers.healthy || handlers.healthy();
    response = healthy ? plain_response(http::status::ok, "ok", http_version, keep_alive)
                       : plain_response(http::status::service_unavailable, "stopping", http_version, keep_alive);
  } else {
    response = plain_response(http::status::not_found, "not found", http_version, keep_alive);
  }
  if (method == http::verb::head) response.body().clear();  // Content-Length stays
  return response;
}

}  // namespace chat::detail
