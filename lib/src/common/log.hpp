// One log line made of parts, sent to an optional sink. Thread-safe when the sink is.
#pragma once

#include <functional>
#include <sstream>
#include <string_view>
#include <utility>

namespace chat::detail {

class logger {
public:
  using sink_type = std::function<void(std::string_view)>;
  explicit logger(sink_type sink = {}) : sink_(std::move(sink)) {}

  /// Writes one line made of `parts`. A sink that throws loses its line; it must not break the
  /// session that was logging.
  template <class... Parts>
  void operator()(const Parts&... parts) const noexcept {
    if (!sink_) return;
    try {
      std::ostringstream line;
      (line << ... << parts);
      sink_(line.str());
    } catch (...) {
    }
  }

private:
  sink_type sink_;
};

}  // namespace chat::detail
