// SPDX-License-Identifier: BSL-1.0
#include "log_sink.hpp"

#include <systemd/sd-journal.h>

#include <cstdio>
#include <string_view>

#include <sys/uio.h>
#include <syslog.h>

namespace chatd {

int syslog_priority(chat::log_level level) {
  switch (level) {
    case chat::log_level::error: return LOG_ERR;
    case chat::log_level::warn: return LOG_WARNING;
    case chat::log_level::info: return LOG_INFO;
    case chat::log_level::debug: return LOG_DEBUG;
  }
  return LOG_NOTICE;
}

std::vector<std::string> journal_fields(const log_entry& entry) {
  std::vector<std::string> fields;
  fields.push_back("MESSAGE=" + format_logfmt_untimed(entry));
  fields.push_back("PRIORITY=" + std::to_string(syslog_priority(entry.level)));
  fields.push_back("CHAT_EVENT=" + std::string(entry.event));
  if (!entry.peer.empty()) fields.push_back("CHAT_PEER=" + std::string(entry.peer));
  fields.push_back("SYSLOG_IDENTIFIER=chatd");
  return fields;
}

log_sink::log_sink(log_target target, log_format format) : target_(target), format_(format) {
  if (target_ == log_target::syslog) ::openlog("chatd", LOG_PID, LOG_DAEMON);
}

log_sink::~log_sink() {
  if (target_ == log_target::syslog) ::closelog();
}

void log_sink::write(const log_entry& entry) {
  switch (target_) {
    case log_target::standard_error: {
      std::string line = format_ == log_format::json ? format_json(entry) : format_logfmt(entry);
      line += '\n';
      std::fwrite(line.data(), 1, line.size(), stderr);
      std::fflush(stderr);
      return;
    }
    case log_target::journal: {
      // sd_journal_sendv, not sd_journal_send: the values are bytes, not printf formats.
      const auto fields = journal_fields(entry);
      std::vector<iovec> parts;
      for (const auto& field : fields)
        parts.push_back({const_cast<char*>(field.data()), field.size()});
      ::sd_journal_sendv(parts.data(), static_cast<int>(parts.size()));
      return;
    }
    case log_target::syslog:
      ::syslog(syslog_priority(entry.level), "%s", format_logfmt_untimed(entry).c_str());
      return;
  }
}

}  // namespace chatd
