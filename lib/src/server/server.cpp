// SPDX-License-Identifier: BSL-1.0
#include <chat/server.hpp>
#include <chat/text.hpp>

#include "admin/admin_gateway.hpp"
#include "admin/prometheus_text.hpp"
#include "bus/local_bus.hpp"
#include "history/memory_history.hpp"
#include "server/connect_throttle.hpp"
#include "server/connection_counter.hpp"
#include "server/loop_probe.hpp"
#include "server/session_driver.hpp"
#include "server/tls_context.hpp"
#include "transport/stream_connection.hpp"
#include "session/log_budget.hpp"
#include "transport/tls_stream.hpp"
#include "users/local_directory.hpp"
#include "web/web_gateway.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <limits>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>
#include <vector>

namespace chat {

namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;

namespace {

// Out of descriptors or kernel memory: accepting again at once would fail again at once.
bool is_resource_exhaustion(const error_code& ec) {
  namespace generic = boost::system::errc;
  return ec == generic::too_many_files_open || ec == generic::too_many_files_open_in_system ||
         ec == generic::no_buffer_space || ec == generic::not_enough_memory;
}

// Twice the largest frame a client can cause with one request (its echo), with the queue's
// per-frame overhead: flow control keeps a reading client's queue under half of it.
constexpr std::size_t min_queue_bytes = 2 * (frame_header_size + largest_valid_frame + 128);

// The first of the options that would make the server break the protocol it promises, said
// as an operator would fix it; empty if there is none.
std::string invalid_option(const server_options& o) {
  using std::to_string;
  if (o.max_frame < largest_valid_frame) return "max_frame is below " + to_string(largest_valid_frame);
  if (o.max_queue_bytes < min_queue_bytes) return "max_queue_bytes is below " + to_string(min_queue_bytes);
  if (o.max_rooms_per_user < 1) return "max_rooms_per_user is 0";
  if (o.server_info.size() > max_info_bytes || !is_valid_utf8(o.server_info))
    return "server_info is not UTF-8 of at most " + to_string(max_info_bytes) + " bytes";
  if (o.password.size() > max_password_bytes || !is_valid_utf8(o.password))
    return "the password is not UTF-8 of at most " + to_string(max_password_bytes) + " bytes";
  if (o.resume_grace.count() < 0 || o.resume_grace.count() > std::numeric_limits<std::uint32_t>::max())
    return "resume_grace is out of range";
  if (!(o.flood_rate >= 0)) return "flood_rate is negative";
  if (o.flood_disconnect_after.count() < 0) return "flood_disconnect_after is negative";
  if (o.connect_window.count() < 0) return "connect_window is negative";
  if (o.tls.enabled() && o.tls.private_key_file.empty()) return "a TLS certificate is given without its key";
  if (!o.tls.enabled() && o.tls.only) return "tls.only is set without a TLS certificate";
  return {};
}

error_code validate(const server_options& o, std::string& why) {
  why = invalid_option(o);
  return why.empty() ? error_code{} : make_error_code(boost::system::errc::invalid_argument);
}

detail::counter_limits counter_limits_of(const server_options& o) {
  return {o.max_connections, o.max_connections_per_ip, o.max_unregistered, o.max_unregistered_per_ip};
}

// Sorts what differs between the options in effect and `next` into reload_result's applied
// and kept, restoring the kept ones in `next`: `next` becomes exactly what will be in effect.
class change_sorter {
public:
  explicit change_sorter(reload_result& result) : result_(result) {}
  /// A member that takes effect live.
  template <class T>
  void live(std::string_view name, const T& now, const T& next) {
    if (!(now == next)) result_.applied.emplace_back(name);
  }
  /// A member that only a restart can change: its value in effect stays.
  template <class T>
  void kept(std::string_view name, const T& now, T& next) {
    if (now == next) return;
    result_.kept.emplace_back(name);
    next = now;
  }

private:
  reload_result& result_;
};

// Every member of server_options is named here (a new member must be added: live or kept).
void sort_changes(const server_options& now, server_options& next, reload_result& result) {
  change_sorter c(result);
  // Listeners and the pool are made once, at start.
  c.kept("address", now.address, next.address);
  c.kept("port", now.port, next.port);
  c.kept("threads", now.threads, next.threads);
  // Sizes the history store, the connections' queues and their frame limits are built with.
  c.kept("history", now.history, next.history);
  c.kept("room_history_bytes", now.room_history_bytes, next.room_history_bytes);
  c.kept("history_budget_bytes", now.history_budget_bytes, next.history_budget_bytes);
  c.kept("retained_empty_rooms", now.retained_empty_rooms, next.retained_empty_rooms);
  c.kept("retained_history_bytes", now.retained_history_bytes, next.retained_history_bytes);
  c.kept("max_frame", now.max_frame, next.max_frame);
  c.kept("max_queue_bytes", now.max_queue_bytes, next.max_queue_bytes);
  c.kept("close_timeout", now.close_timeout, next.close_timeout);
  // Read by the sessions, the limits and the log at their next use.
  c.live("handshake_timeout", now.handshake_timeout, next.handshake_timeout);
  c.live("idle_timeout", now.idle_timeout, next.idle_timeout);
  c.live("ping_timeout", now.ping_timeout, next.ping_timeout);
  c.live("max_rooms_per_user", now.max_rooms_per_user, next.max_rooms_per_user);
  c.live("max_connections_per_ip", now.max_connections_per_ip, next.max_connections_per_ip);
  c.live("max_connections", now.max_connections, next.max_connections);
  c.live("max_connects_per_ip", now.max_connects_per_ip, next.max_connects_per_ip);
  c.live("connect_window", now.connect_window, next.connect_window);
  c.live("max_unregistered", now.max_unregistered, next.max_unregistered);
  c.live("max_unregistered_per_ip", now.max_unregistered_per_ip, next.max_unregistered_per_ip);
  c.live("flood_burst", now.flood_burst, next.flood_burst);
  c.live("flood_rate", now.flood_rate, next.flood_rate);
  c.live("flood_disconnect_after", now.flood_disconnect_after, next.flood_disconnect_after);
  c.live("quiet_joins_above", now.quiet_joins_above, next.quiet_joins_above);
  c.live("password", now.password, next.password);
  c.live("resume_grace", now.resume_grace, next.resume_grace);
  c.live("max_detached_sessions", now.max_detached_sessions, next.max_detached_sessions);
  c.live("max_detached_per_ip", now.max_detached_per_ip, next.max_detached_per_ip);
  c.live("server_info", now.server_info, next.server_info);
  c.live("log_level", now.log_level, next.log_level);
  next.log = now.log;  // a function, not compared: the sink the server was made with stays
  // The admin listener is made once, at start; the dropped-lines count is read from the
  // function the server was made with, like the log.
  c.kept("admin", now.admin, next.admin);
  next.log_lines_dropped = now.log_lines_dropped;
  // TLS: the certificate, key and lowest version make a new context for new connections;
  // turning TLS on or off would need a listener made or closed.
  if (now.tls.enabled() == next.tls.enabled()) {
    c.live("tls.certificate_file", now.tls.certificate_file, next.tls.certificate_file);
    c.live("tls.private_key_file", now.tls.private_key_file, next.tls.private_key_file);
    c.live("tls.min_version", now.tls.min_version, next.tls.min_version);
  } else {
    c.kept("tls.certificate_file", now.tls.certificate_file, next.tls.certificate_file);
    c.kept("tls.private_key_file", now.tls.private_key_file, next.tls.private_key_file);
    c.kept("tls.min_version", now.tls.min_version, next.tls.min_version);
  }
  c.kept("tls.port", now.tls.port, next.tls.port);
  c.kept("tls.only", now.tls.only, next.tls.only);
  c.kept("websocket.port", now.websocket.port, next.websocket.port);
  c.live("websocket.allowed_origins", now.websocket.allowed_origins, next.websocket.allowed_origins);
  c.live("websocket.web_root", now.websocket.web_root, next.websocket.web_root);
  c.live("websocket.handshake_timeout", now.websocket.handshake_timeout, next.websocket.handshake_timeout);
}

// "a, b, c"; "none" for none.
std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "none" : out;
}

detail::connection_limits limits_of(const server_options& o, detail::metrics_counters& counters) {
  // One answer holds at most one full history (a greeting: plus JOINED, TOPIC and END), or a
  // LIST or WHO answer, which the session's listing limits keep under 1 MiB.
  const std::size_t one_history = o.history * (frame_header_size + largest_valid_frame) + 4096;
  const std::size_t one_answer = std::max<std::size_t>(one_history, 1024 * 1024);
  detail::outbox_limits queue;
  queue.max_queue_bytes = o.max_queue_bytes;
  // Flow control stops reading a client above half its queue bound, or above one answer of
  // answers, so the echo or the answer of the request in hand always fits under the bound.
  queue.queue_high_water = o.max_queue_bytes / 2;
  queue.max_answer_bytes = 2 * one_answer;
  queue.answer_high_water = one_answer;
  return {o.max_frame, queue, o.close_timeout, &counters};
}

// The web port's connection rate is this many times the others': a browser loading the page
// opens several connections at once (up to six, for the files), then its WebSocket.
constexpr std::size_t web_connects_per_connect = 4;

// How often each event-loop probe looks at the loop's lag.
constexpr std::chrono::milliseconds loop_probe_interval{250};

constexpr std::chrono::milliseconds min_accept_backoff{50};
constexpr std::chrono::milliseconds max_accept_backoff{2000};

using tcp_socket = detail::connection_socket;
using tcp_session = detail::session_driver<detail::stream_connection<tcp_socket>>;
using tls_socket = detail::tls_stream<tcp_socket>;
using tls_session = detail::session_driver<detail::stream_connection<tls_socket>>;

// What the sessions share. It holds no Asio object, so it may outlive the server and its
// io_context: each session keeps it alive.
struct shared_state {
  explicit shared_state(server_options o)
      : options(std::move(o)),
        startup(options.current()),
        log(startup->log, startup->log_level),
        bus(&counters),
        history(startup->history, startup->room_history_bytes, startup->history_budget_bytes),
        rooms(bus, history, startup->retained_empty_rooms, startup->retained_history_bytes,
              startup->quiet_joins_above),
        resume(users, startup->resume_grace, startup->max_detached_sessions,
               startup->max_detached_per_ip),
        services{options, bus, users, rooms, log, resume},
        limits(limits_of(*startup, counters)),
        connections(counter_limits_of(*startup)),
        web{services, sessions, limits, options, log} {}

  detail::live_options options;  // in effect now: server::reload() replaces them
  // What the server started with: the members a reload keeps (listeners, sizes) are read here.
  const std::shared_ptr<const server_options> startup;
  detail::logger log;
  detail::metrics_counters counters;  // before everything that counts
  detail::local_bus bus;
  detail::local_directory users;
  detail::memory_history history;
  detail::room_registry rooms;
  detail::resume_registry resume;
  detail::session_services services;
  detail::session_set sessions;
  const detail::connection_limits limits;
  detail::connection_counter connections;
  const detail::web_gateway_context web;  // the WebSocket port's view of the above
};

// How a listener's connections are served.
enum class listener_kind { plain, tls, web };

// Answers a connection the server will not serve: `answer` (may be empty) and the end of the
// stream, at once and without waiting, so a flood of them costs no more than their accepts. A
// fresh socket's send buffer takes the small answer whole; if it somehow does not, the client
// just sees the close. Whatever the client sent already is read and dropped first, only because
// closing a socket with unread input makes the kernel reset the connection, and the client could
// lose the answer to the reset.
void refuse(tcp_socket& socket, std::string_view answer) {
  error_code ignored;
  socket.non_blocking(true, ignored);
  if (!answer.empty()) socket.write_some(asio::buffer(answer), ignored);
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  std::array<std::uint8_t, 4096> sink;
  for (int i = 0; i < 16; ++i)  // bounded: a client sending without pause is not waited for
    if (socket.read_some(asio::buffer(sink), ignored) == 0) break;
  socket.close(ignored);
}

// The refusal's answer: an ERROR on a plain port, an HTTP 503 on a plain WebSocket port; on a
// TLS port only the close, before any handshake: the ERROR would need the handshake the limit
// is there to spare (docs/PROTOCOL.md 7.1).
std::string refusal_answer(listener_kind kind, bool web_tls, const std::string& text) {
  switch (kind) {
    case listener_kind::plain: {
      const frame_bytes frame =
          encode(msg::server::error{static_cast<std::uint16_t>(errc::too_many_connections), text});
      return std::string(frame.begin(), frame.end());
    }
    case listener_kind::web:
      return web_tls ? std::string() : detail::web_refusal(text);
    case listener_kind::tls:
      break;
  }
  return {};
}

// Completes async_stop once: when the last session has closed or at the deadline.
// The handler runs through its associated executor, by default the server's io_context, and
// is posted: never inside async_stop(), nor on the strand of the session that closed last.
class stop_completion {
public:
  stop_completion(asio::any_completion_handler<void()> handler, asio::any_io_executor executor)
      : handler_(std::move(handler)), executor_(std::move(executor)) {}
  void fire() {
    std::optional<asio::any_completion_handler<void()>> handler;
    {
      std::lock_guard lock(mutex_);
      handler.swap(handler_);
    }
    if (handler) asio::post(executor_, std::move(*handler));
  }

private:
  std::mutex mutex_;
  std::optional<asio::any_completion_handler<void()>> handler_;
  const asio::any_io_executor executor_;
};

// One listening socket: plain TCP, TLS or WebSocket. Its handlers run on the accept strand.
struct listener {
  listener(const asio::strand<asio::io_context::executor_type>& strand, listener_kind k)
      : acceptor(strand), retry(strand), kind(k) {}
  tcp::acceptor acceptor;
  asio::steady_timer retry;
  std::chrono::milliseconds backoff{};
  const listener_kind kind;
  tcp::endpoint endpoint;  // set by start(), read from any thread after

  error_code open(const tcp::endpoint& requested) {
    error_code ec;
    acceptor.open(requested.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(requested, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) endpoint = acceptor.local_endpoint(ec);
    if (ec) close();
    return ec;
  }
  void close() {
    error_code ignored;
    acceptor.close(ignored);
    retry.cancel();
  }
};

}  // namespace

struct server::impl : std::enable_shared_from_this<server::impl> {
  impl(asio::io_context& io, server_options opts, bool threads_owned)
      : context(io),
        state(std::make_shared<shared_state>(std::move(opts))),
        startup(*state->startup),
        log(state->log),
        own_threads(threads_owned),
        accept_strand(asio::make_strand(context)),
        plain(accept_strand, listener_kind::plain),
        secure(accept_strand, listener_kind::tls),
        web(accept_strand, listener_kind::web),
        stop_timer(accept_strand),
        expiry_timer(accept_strand),
        connects(startup.max_connects_per_ip, startup.connect_window),
        web_connects(startup.max_connects_per_ip * web_connects_per_connect, startup.connect_window) {
    // One probe per pool thread; on a shared io_context, whose threads are not the server's, one.
    const unsigned n = own_threads ? thread_count() : 1;
    for (unsigned p = 0; p < n; ++p)
      probes.push_back(std::make_shared<detail::loop_probe>(context, loop_probe_interval));
  }

  unsigned thread_count() const {
    if (startup.threads > 0) return startup.threads;
    return std::max(1u, std::thread::hardware_concurrency());
  }

  // Every handler holds the impl: with a shared io_context, a server destroyed while some are
  // pending leaves them to finish (the acceptor's with operation_aborted once it is closed).
  void accept(listener& l) {
    l.acceptor.async_accept(asio::make_strand(context),
                            [self = shared_from_this(), &l](error_code ec, tcp_socket socket) {
                              if (ec == asio::error::operation_aborted) return;
                              self->on_accept(l, ec, std::move(socket));
                            });
  }

  void on_accept(listener& l, error_code ec, tcp_socket socket) {
    if (!l.acceptor.is_open()) return;
    if (ec) {
      log(log_level::warn, "accept_failed", detail::no_peer, "accept error", kind_label(l.kind), ": ", ec.message());
      if (is_resource_exhaustion(ec)) {
        l.backoff = std::clamp(l.backoff * 2, min_accept_backoff, max_accept_backoff);
        l.retry.expires_after(l.backoff);
        l.retry.async_wait([self = shared_from_this(), &l](error_code wait_ec) {
          if (!wait_ec) self->accept(l);
        });
        return;
      }
    } else {
      l.backoff = {};
      admit(std::move(socket), l.kind);
    }
    accept(l);
  }

  // Counted here, on accept, so that a connection over a limit is never read nor given a
  // session (nor, over TLS, a handshake); the count is released when the session has closed
  // its socket.
  void admit(tcp_socket socket, listener_kind kind) {
    auto& st = *state;
    error_code ec;
    const tcp::endpoint peer = socket.remote_endpoint(ec);
    if (ec) return;  // gone already (reset before accept completed): nothing to answer
    const auto now = std::chrono::steady_clock::now();
    // A connection to the web port awaits HELLO only once it asks for a WebSocket: loading the
    // page takes several connections at once (PROTOCOL.md 15.1).
    const bool to_web = kind == listener_kind::web;
    auto admitted = st.connections.admit(peer.address(), !to_web);
    auto why = server_metrics::refusal_reason::connection_limit;
    if (std::holds_alternative<detail::connection_slot>(admitted)) {
      // Counted only once the connection limits admit it; refused, the slot is given back.
      auto& throttle = to_web ? web_connects : connects;
      if (auto too_fast = throttle.admit(peer.address(), now)) {
        admitted = std::move(*too_fast);
        why = server_metrics::refusal_reason::connect_rate;
      }
    }
    if (auto* refusal = std::get_if<std::string>(&admitted)) {
      st.counters.refused(why);
      // Logged at a bounded rate, the rest counted: a connect flood must not flood the log.
      if (log.enabled(log_level::info) && refusals_logged.allow(now)) {
        const auto unlogged = refusals_logged.take_suppressed();
        log(log_level::info, "refused", peer, *refusal, kind_label(kind),
            unlogged ? " (" + std::to_string(unlogged) + " more refused, not logged)" : std::string());
      }
      refuse(socket, refusal_answer(kind, startup.tls.enabled(), *refusal));
      return;
    }
    auto slot = std::move(std::get<detail::connection_slot>(admitted));
    st.counters.accepted();
    if (kind == listener_kind::web) {
      detail::serve_web_connection(std::move(socket), std::move(slot),
                                   std::shared_ptr<const detail::web_gateway_context>(state, &st.web),
                                   startup.tls.enabled() ? current_tls_context() : nullptr);
      return;
    }
    if (kind == listener_kind::tls) {
      auto s = std::make_shared<tls_session>(
          tls_socket(std::move(socket), current_tls_context(), detail::tls_side::server), state,
          st.services, st.sessions, st.limits, std::move(slot));
      if (st.sessions.add(s)) s->begin();
      return;
    }
    auto s = std::make_shared<tcp_session>(std::move(socket), state, st.services, st.sessions,
                                           st.limits, std::move(slot));
    if (st.sessions.add(s)) s->begin();
  }

  static const char* kind_label(listener_kind kind) {
    switch (kind) {
      case listener_kind::tls: return " (TLS)";
      case listener_kind::web: return " (WebSocket)";
      case listener_kind::plain: break;
    }
    return "";
  }

  std::shared_ptr<asio::ssl::context> current_tls_context() {
    std::lock_guard lock(tls_mutex);
    return tls_context;
  }

  // Loads the certificate and key; on success, new TLS connections use them.
  error_code load_tls_context(const server_tls_options& tls) {
    error_code ec;
    std::string what;
    auto loaded = detail::make_server_tls_context(tls, ec, what);
    if (!loaded) {
      log(log_level::error, "tls_load_failed", detail::no_peer, what, ": ", ec.message(),
          "; keeping the certificate in use");
      return ec;
    }
    use_tls_context(std::move(loaded));
    return {};
  }
  void use_tls_context(std::shared_ptr<asio::ssl::context> loaded) {
    std::lock_guard lock(tls_mutex);
    tls_context.swap(loaded);  // the old one goes with the last connection made from it
  }

  server_metrics snapshot() const {
    server_metrics m;
    const auto& st = *state;
    st.counters.read_into(m);
    const auto census = st.rooms.census();
    m.rooms = census.rooms;
    m.room_members = census.members;
    m.detached_sessions = st.resume.detached_count();
    m.history_bytes = st.history.total_bytes();
    m.event_loop.reserve(probes.size());
    for (const auto& p : probes) m.event_loop.push_back(p->read());
    if (startup.log_lines_dropped) m.log_lines_dropped = startup.log_lines_dropped();
    return m;
  }

  // The admin endpoint answers for the server while it exists; its handlers do not keep the
  // server's state alive.
  error_code open_admin(const tcp::endpoint& endpoint) {
    std::weak_ptr<impl> weak = weak_from_this();
    detail::admin_handlers handlers;
    handlers.metrics = [weak] {
      const auto self = weak.lock();
      return self ? detail::render_prometheus(self->snapshot()) : std::string();
    };
    handlers.healthy = [weak] {
      const auto self = weak.lock();
      return self && !self->stopping.load(std::memory_order_relaxed);
    };
    admin = std::make_shared<detail::admin_gateway>(context, std::move(handlers));
    if (auto ec = admin->open(endpoint)) {
      log(log_level::error, "admin endpoint ", endpoint, ": ", ec.message());
      admin.reset();
      return ec;
    }
    return {};
  }

  /// Stops accepting and tells every session to shut down; `done`, if set, completes when
  /// they have all closed or at the deadline.
  void begin_stop(std::shared_ptr<stop_completion> done) {
    stopping.store(true, std::memory_order_relaxed);
    for (const auto& p : probes) p->stop();
    // /healthz says 503 while the sessions close; the endpoint closes with the last of them.
    if (admin) state->sessions.when_empty([admin = admin] { admin->close(); });
    if (done) {
      // Armed first: the pending wait is work that keeps a shared io_context's run() going
      // until `done` has fired, however fast the sessions close. Sessions close themselves
      // within close_timeout; the margin lets their handlers finish.
      stop_timer.expires_after(startup.close_timeout + std::chrono::milliseconds(500));
      stop_timer.async_wait([done](error_code) { done->fire(); });
    }
    asio::post(accept_strand, [self = shared_from_this()] {
      self->plain.close();
      self->secure.close();
      self->web.close();
      self->expiry_timer.cancel();
    });
    for (const auto& s : state->sessions.begin_stop()) s->shut_down();
    if (!done) return;
    state->sessions.when_empty([done, self = shared_from_this()] {
      done->fire();
      // Nothing left to wait for: the timer need not hold the io_context any longer.
      asio::post(self->accept_strand, [self] { self->stop_timer.cancel(); });
    });
  }

  // Ends the detached sessions that are due, then waits for the next check. Checked at least
  // every second (a session detached meanwhile may be due before the earliest one known now),
  // so a session ends at most a second after its grace period. Runs while resume is off too,
  // since a reload may turn it on. On the accept strand.
  void expire_detached() {
    auto& resume = state->resume;
    if (!(plain.acceptor.is_open() || secure.acceptor.is_open() || web.acceptor.is_open())) return;
    const auto now = std::chrono::steady_clock::now();
    if (const auto ended = resume.expire(now, state->rooms))
      log(log_level::info, "detached_expired", detail::no_peer, "ended ", ended,
          ended == 1 ? " detached session" : " detached sessions", ": grace period over");
    const auto grace = resume.grace();
    const auto tick = std::min<std::chrono::steady_clock::duration>(
        std::chrono::seconds(1), grace.count() > 0 ? grace / 4 : std::chrono::milliseconds(1000));
    expiry_timer.expires_at(std::min(now + tick, std::max(now, resume.next_expiry())));
    expiry_timer.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->expire_detached();
    });
  }

  void run_thread() {
    // A handler that throws must not take the server down with it: log and keep serving.
    for (;;) {
      try {
        context.run();
        return;
      } catch (const std::exception& e) {
        log(log_level::error, "handler_exception", detail::no_peer, "unhandled exception in a handler: ", e.what());
      } catch (...) {
        log(log_level::error, "handler_exception", detail::no_peer, "unhandled non-standard exception in a handler");
      }
    }
  }

  asio::io_context& context;
  const std::shared_ptr<shared_state> state;
  const server_options& startup;  // see shared_state::startup
  detail::logger& log;
  const bool own_threads;
  asio::strand<asio::io_context::executor_type> accept_strand;
  listener plain;
  listener secure;  // TLS
  listener web;     // WebSocket and the web client's files (wss:// with TLS)
  asio::steady_timer stop_timer;
  asio::steady_timer expiry_timer;  // ends detached sessions whose grace period is over
  std::mutex reload_mutex;  // one reload (or reload_tls) at a time
  std::mutex tls_mutex;
  std::shared_ptr<asio::ssl::context> tls_context;  // guarded by tls_mutex; connections copy it
  detail::log_budget refusals_logged;  // on the accept strand only
  detail::connect_throttle connects;   // likewise (but for its set_limit())
  detail::connect_throttle web_connects;  // the web port's, which serves files too; likewise
  std::vector<std::shared_ptr<detail::loop_probe>> probes;  // fixed at construction
  std::shared_ptr<detail::admin_gateway> admin;  // set by start() when options.admin is
  std::atomic<bool> stopping{false};  // read by the admin endpoint's /healthz
  std::vector<std::thread> threads;
  bool started = false;
  bool stopped = false;
};

server::server(server_options options)
    : own_pool_(std::make_unique<asio::io_context>(
          static_cast<int>(options.threads > 0 ? options.threads
                                               : std::max(1u, std::thread::hardware_concurrency())))),
      impl_(std::make_shared<impl>(*own_pool_, std::move(options), true)) {}

server::server(asio::io_context& context, server_options options)
    : impl_(std::make_shared<impl>(context, std::move(options), false)) {}

server::~server() {
  stop();
  // With its own pool, the handlers still pending there (holding the impl, sessions holding
  // the shared state) are destroyed with the pool, which goes last.
  impl_.reset();
  own_pool_.reset();
}

error_code server::start() {
  auto& i = *impl_;
  if (i.started || i.stopped) return make_error_code(errc::operation_in_progress);
  const auto options = i.state->options.current();
  std::string invalid;
  if (auto ec = validate(*options, invalid)) return ec;
  const auto& tls = options->tls;
  if (tls.enabled()) {
    if (auto ec = i.load_tls_context(tls)) return ec;
    const std::uint16_t tls_port = tls.only ? options->port : tls.port;
    if (auto ec = i.secure.open({options->address, tls_port})) return ec;
  }
  if (!tls.only) {
    if (auto ec = i.plain.open({options->address, options->port})) {
      i.secure.close();
      return ec;
    }
  }
  if (const auto& ws = options->websocket; ws.enabled()) {
    if (auto ec = i.web.open({options->address, *ws.port})) {
      i.plain.close();
      i.secure.close();
      return ec;
    }
  }
  if (const auto& admin = options->admin) {
    if (auto ec = i.open_admin(*admin)) {
      i.plain.close();
      i.secure.close();
      i.web.close();
      return ec;
    }
  }
  i.started = true;
  for (const auto& p : i.probes) p->start();
  if (i.admin) i.admin->start();
  asio::post(i.accept_strand, [self = impl_] {
    if (self->plain.acceptor.is_open()) self->accept(self->plain);
    if (self->secure.acceptor.is_open()) self->accept(self->secure);
    if (self->web.acceptor.is_open()) self->accept(self->web);
    self->expire_detached();
  });
  if (i.own_threads) {
    const unsigned n = i.thread_count();
    i.threads.reserve(n);
    for (unsigned t = 0; t < n; ++t) i.threads.emplace_back([&i] { i.run_thread(); });
  }
  return {};
}

tcp::endpoint server::local_endpoint() const {
  return impl_->startup.tls.only ? impl_->secure.endpoint : impl_->plain.endpoint;
}

tcp::endpoint server::tls_endpoint() const { return impl_->secure.endpoint; }

tcp::endpoint server::websocket_endpoint() const { return impl_->web.endpoint; }

tcp::endpoint server::admin_endpoint() const {
  return impl_->admin ? impl_->admin->endpoint() : tcp::endpoint();
}

error_code server::reload_tls() {
  auto& i = *impl_;
  std::lock_guard lock(i.reload_mutex);
  const auto options = i.state->options.current();
  if (!options->tls.enabled()) return make_error_code(boost::system::errc::invalid_argument);
  if (auto ec = i.load_tls_context(options->tls)) return ec;
  i.log(log_level::info, "tls_reloaded", detail::no_peer, "TLS: reloaded ", options->tls.certificate_file,
        "; new connections use it");
  return {};
}

reload_result server::reload(server_options next) {
  auto& i = *impl_;
  auto& st = *i.state;
  std::lock_guard lock(i.reload_mutex);
  reload_result result;
  const auto reject = [&](error_code ec, const std::string& why) {
    result.error = ec;
    i.log(log_level::warn, "reload_rejected", detail::no_peer, why, "; nothing changed");
    return result;
  };
  // Checked whole, before anything changes.
  std::string invalid;
  if (auto ec = validate(next, invalid)) return reject(ec, invalid);
  std::shared_ptr<asio::ssl::context> tls;
  if (next.tls.enabled()) {
    error_code ec;
    std::string what;
    tls = detail::make_server_tls_context(next.tls, ec, what);
    if (!tls) return reject(ec, "TLS: " + what + ": " + ec.message());
  }
  const auto now = st.options.current();
  sort_changes(*now, next, result);

  // The parts that keep copies of the options; the sessions read `next` at their next use.
  st.log.set_threshold(next.log_level);
  st.connections.set_limits(counter_limits_of(next));
  i.connects.set_limit(next.max_connects_per_ip, next.connect_window);
  i.web_connects.set_limit(next.max_connects_per_ip * web_connects_per_connect, next.connect_window);
  st.rooms.set_quiet_joins_above(next.quiet_joins_above);
  st.resume.set_limits(next.resume_grace, next.max_detached_sessions, next.max_detached_per_ip);
  const bool tls_reloaded = tls && now->tls.enabled();
  if (tls_reloaded) i.use_tls_context(std::move(tls));
  st.options.replace(std::move(next));
  i.log(log_level::info, "reloaded", detail::no_peer, "applied: ", joined(result.applied),
        "; kept until a restart: ", joined(result.kept),
        tls_reloaded ? "; TLS certificate and key re-read" : "");
  return result;
}

void server::stop() {
  auto& i = *impl_;
  if (!i.started) return;
  if (!i.stopped) {
    i.stopped = true;
    i.begin_stop(nullptr);
  }
  // With a shared io_context the sessions close as the caller runs it; with its own pool the
  // threads are joined here, also after an async_stop() began the stop.
  if (!i.own_threads || i.threads.empty()) return;
  i.state->sessions.wait_until_empty(std::chrono::steady_clock::now() + i.startup.close_timeout +
                                     std::chrono::milliseconds(500));
  i.context.stop();
  for (auto& t : i.threads) t.join();
  i.threads.clear();
  // The posted close may not have run before the pool stopped; no handler runs now.
  i.plain.close();
  i.secure.close();
  i.web.close();
  if (i.admin) i.admin->close_now();
  // Sessions that did not close in time are released with the pool; their rooms go now.
  i.state->sessions.clear();
  i.state->resume.clear();
  i.state->rooms.clear();
}

void server::start_stop(asio::any_completion_handler<void()> handler) {
  auto& i = *impl_;
  auto done = std::make_shared<stop_completion>(std::move(handler), i.context.get_executor());
  if (!i.started || i.stopped) {
    asio::post(i.accept_strand, [done] { done->fire(); });
    return;
  }
  i.stopped = true;
  i.begin_stop(done);
}

std::size_t server::session_count() const { return impl_->state->sessions.size(); }
std::size_t server::history_bytes() const { return impl_->state->history.total_bytes(); }
server_metrics server::metrics() const { return impl_->snapshot(); }
std::uint64_t server::server_id() const noexcept { return impl_->state->bus.server_id(); }

}  // namespace chat
