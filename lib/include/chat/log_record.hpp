// SPDX-License-Identifier: BSL-1.0
// One event a chat::server logs, as structured fields: what happened (a fixed snake_case name a
// program can match on), the client concerned, and a human-readable detail. A plain value.
//
// Lifetimes: the views refer to the logger's own storage and are valid only during the call of
// server_options::log that receives the record; a sink that keeps a record copies it (as
// chat::log_queue does).
//
// The events (level in brackets; "peer" is set where a client is concerned):
//   connected             [info]  a connection was accepted and has a session; message: the transport
//   registered            [info]  HELLO accepted; message: the name
//   resumed               [info]  RESUME took a detached or live session over; message: name, rooms
//   closed                [info]  a connection's session ended; message: why, and the protocol
//                                 errors left unlogged by the rate limit
//   refused               [info]  a connection over a connection limit or rate was refused at
//                                 accept (rate-limited); message: the refusal, the listener
//   protocol_error        [info]  a client's request was answered with ERROR (rate-limited per
//                                 connection); message: name, error
//   bad_password          [info]  a PASS with the wrong password
//   flooding              [info]  a client paced for too long was disconnected (flood control)
//   detached              [info]  a resumable session lost its connection and is kept for RESUME
//   taken_over            [info]  a session's connection was replaced by a RESUME from elsewhere
//   detached_expired      [info]  detached sessions whose grace period ended; message: how many
//   left_rooms            [debug] a session left its rooms on closing; message: name, rooms, why
//   joined                [debug] JOIN; message: name, room
//   parted                [debug] PART; message: name, room
//   renamed               [debug] NICK; message: old and new name
//   origin_refused        [debug] a WebSocket handshake from an origin not allowed
//   request_failed        [error] handling a request threw (e.g. out of memory); the session goes on
//   handler_exception     [error] an exception escaped a handler on the server's threads
//   accept_failed         [warn]  accept() failed (e.g. out of descriptors); message: the error
//   tls_load_failed       [error] the TLS certificate or key did not load; message: which file, why
//   tls_reloaded          [info]  reload_tls() loaded the certificate and key again
//   reloaded              [info]  reload() applied new options; message: what changed, what was kept
//   reload_rejected       [warn]  reload() refused new options whole; message: why
//   log_lines_dropped     [warn]  written by chat::log_queue, not the server: lines lost when full
#pragma once

#include <chat/log_level.hpp>

#include <string_view>

namespace chat {

struct log_record {
  chat::log_level level = chat::log_level::info;
  std::string_view event;    ///< What happened, snake_case (the list above).
  std::string_view peer;     ///< "ADDR:PORT" of the client concerned ("[v6]:port"); empty if none.
  std::string_view message;  ///< Human-readable detail; may be empty.
};

}  // namespace chat
