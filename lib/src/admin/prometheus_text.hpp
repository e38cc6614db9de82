// SPDX-License-Identifier: BSL-1.0
// The admin endpoint's /metrics body: a server_metrics in the Prometheus text exposition
// format 0.0.4, each metric with its HELP and TYPE lines. Sans-io: a value in, text out.
#pragma once

#include <chat/server_metrics.hpp>

#include <string>

namespace chat::detail {

/// The Content-Type of what render_prometheus() returns.
inline constexpr const char* prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

std::string render_prometheus(const server_metrics& m);

}  // namespace chat::detail
