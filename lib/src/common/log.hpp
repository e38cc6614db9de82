// One log line made of parts, at a level, sent to an optional sink. Thread-safe when the sink is.
#pragma once

#include <chat/log_level.hpp>

#include <functional>
#include <sstream>
#include <string_view>
#include <utility>

namespace chat::detail {

class logger {
public:
  using sink_type = std::function<void(log_level, std::string_view)>;
  explicit logger(sink_type sink = {}, log_level threshold = log_level::info)
      : sink_(std::move(sink)), threshold_(threshold) {}

  /// Whether a line at `level` would be written (so a caller can skip building it).
  bool enabled(log_level level) const noexcept { return sink_ && level <= threshold_; }

  /// Writes one line made of `parts` at `level`, unless the level is filtered out. A sink that
  /// throws loses its line; it must not break the session that was logging.
  template <class... Parts>
  void operator()(log_level level, const Parts&... parts) const noexcept {
    if (!enabled(level)) return;
    try {
      std::ostringstream line;
      (line << ... << parts);
      sink_(level, line.str());
    } catch (...) {
    }
  }

private:
  sink_type sink_;
  log_level threshold_;
};

}  // namespace chat::detail
