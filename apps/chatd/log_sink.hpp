// SPDX-License-Identifier: BSL-1.0
// Where chatd's log lines go: stderr (logfmt or JSON lines), the systemd journal (structured
// fields) or syslog (facility daemon, the logfmt line without its time).
//
// Thread-safety: none; chatd calls write() on the log queue's writer thread only.
#pragma once

#include "log_format.hpp"
#include "options.hpp"

#include <string>
#include <vector>

namespace chatd {

class log_sink {
public:
  log_sink(log_target target, log_format format);
  ~log_sink();
  log_sink(const log_sink&) = delete;
  log_sink& operator=(const log_sink&) = delete;

  void write(const log_entry& entry);

private:
  log_target target_;
  log_format format_;
};

/// The syslog priority of a level (LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG); the journal's
/// PRIORITY field is the same number.
int syslog_priority(chat::log_level level);

/// The journal fields of one entry, "NAME=value" each: MESSAGE (the logfmt line without its
/// time), PRIORITY, CHAT_EVENT, CHAT_PEER (when there is a peer), SYSLOG_IDENTIFIER=chatd.
std::vector<std::string> journal_fields(const log_entry& entry);

}  // namespace chatd
