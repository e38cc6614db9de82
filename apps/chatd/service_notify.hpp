// SPDX-License-Identifier: BSL-1.0
// Tells systemd (Type=notify, through $NOTIFY_SOCKET) what chatd is doing: ready, reloading,
// stopping, and a STATUS= line for `systemctl status`. Without $NOTIFY_SOCKET (not started by
// systemd) each call does nothing. Thread-safe (each is one datagram).
#pragma once

#include <string_view>

namespace chatd {

/// READY=1, once chatd listens (and again after a reload), with STATUS=`status`.
void notify_ready(std::string_view status);
/// RELOADING=1 with MONOTONIC_USEC= (what Type=notify-reload wants since systemd 253; older
/// ones ignore it), at the start of a reload.
void notify_reloading();
/// STOPPING=1, as a graceful stop begins.
void notify_stopping();

}  // namespace chatd
