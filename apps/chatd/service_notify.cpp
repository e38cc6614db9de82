// SPDX-License-Identifier: BSL-1.0
#include "service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <string>

#include <time.h>

namespace chatd {

void notify_ready(std::string_view status) {
  ::sd_notify(0, ("READY=1\nSTATUS=" + std::string(status)).c_str());
}

void notify_reloading() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const auto usec = static_cast<unsigned long long>(now.tv_sec) * 1000000ULL +
                    static_cast<unsigned long long>(now.tv_nsec) / 1000ULL;
  ::sd_notify(0, ("RELOADING=1\nSTATUS=reloading\nMONOTONIC_USEC=" + std::to_string(usec)).c_str());
}

void notify_stopping() { ::sd_notify(0, "STOPPING=1\nSTATUS=stopping"); }

}  // namespace chatd
