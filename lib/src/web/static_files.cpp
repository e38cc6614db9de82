// SPDX-License-Identifier: BSL-1.0
#include "web/static_files.hpp"

#include <chat/version.hpp>

#include <boost/beast/http/field.hpp>

#include <array>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

namespace chat::detail {

namespace http = boost::beast::http;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

std::string_view content_type_of(const fs::path& file) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> types{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
  }};
  const auto ext = file.extension().string();
  for (const auto& [e, type] : types)
    if (ext == e) return type;
  return "application/octet-stream";
}

// The path under the root that `target` names, or empty if it names none: only plain
// segments, so nothing can climb out of the root or be spelled two ways.
fs::path relative_path_of(std::string_view target) {
  if (const auto query = target.find_first_of("?#"); query != std::string_view::npos)
    target = target.substr(0, query);
  if (target.empty() || target.front() != '/') return {};
  if (target == "/") return "index.html";
  fs::path out;
  std::string_view rest = target.substr(1);
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto segment = rest.substr(0, slash);
    if (segment.empty() || segment == "." || segment == ".." || segment.front() == '.') return {};
    for (const char c : segment) {
      const auto u = static_cast<unsigned char>(c);
      const bool plain = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
                         c == '-' || c == '_' || c == '.';
      if (!plain) return {};
    }
    out /= fs::path(segment);
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
    if (rest.empty()) return {};  // a trailing slash: a directory, not served
  }
  return out;
}

bool read_file(const fs::path& file, std::string& out) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return false;
  const auto size = fs::file_size(file, ec);
  if (ec || size > max_static_file_bytes) return false;
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

void add_security_headers(http_response& response) {
  response.set(http::field::server, std::string("chatd/") + version_string);
  response.set("Content-Security-Policy", content_security_policy);
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Referrer-Policy", "no-referrer");
  response.set("Cross-Origin-Opener-Policy", "same-origin");
}

http_response plain_response(http::status status, std::string_view text, unsigned http_version,
                             bool keep_alive) {
  http_response response(status, http_version);
  add_security_headers(response);
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.set(http::field::cache_control, "no-store");
  response.body() = std::string(text);
  response.body() += '\n';
  response.keep_alive(keep_alive);
  response.prepare_payload();
  return response;
}

http_response serve_static(const fs::path& root, http::verb method, std::string_view target,
                           unsigned http_version, bool keep_alive) {
  if (method != http::verb::get && method != http::verb::head) {
    auto response = plain_response(http::status::method_not_allowed, "only GET and HEAD are served",
                                   http_version, keep_alive);
    response.set(http::field::allow, "GET, HEAD");
    return response;
  }
  const auto relative = relative_path_of(target);
  std::string body;
  if (root.empty() || relative.empty() || !read_file(root / relative, body))
    return plain_response(http::status::not_found, "not found", http_version, keep_alive);
  http_response response(http::status::ok, http_version);
  add_security_headers(response);
  response.set(http::field::content_type, content_type_of(relative));
  // Revalidated on every load: an upgraded chatd serves its own client at once.
  response.set(http::field::cache_control, "no-cache");
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  if (method == http::verb::head) response.body().clear();  // Content-Length stays the file's
  return response;
}

}  // namespace chat::detail
