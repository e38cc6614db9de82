// SPDX-License-Identifier: BSL-1.0
#include "chat_session.hpp"

#include <chat/time.hpp>
#include <chat/text.hpp>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <sstream>

namespace chatcli {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr std::size_t max_pending_input = 1000;

bool is_name_rejection(const error_code& ec) {
  return ec == chat::errc::invalid_name || ec == chat::errc::name_taken;
}

// Why the connection ended, as the user should read it.
std::string describe_close(const error_code& ec) {
  if (ec == chat::errc::connection_closed) return "server closed the connection";
  if (ec == chat::errc::server_shutting_down) return "server closed the connection: it is shutting down";
  return "connection lost: " + ec.message();
}

}  // namespace

chat_session::chat_session(asio::io_context& io, session_settings settings, session_output output)
    : io_(io),
      settings_(std::move(settings)),
      output_(std::move(output)),
      retry_timer_(io),
      quit_timer_(io),
      name_(settings_.name) {
  if (!settings_.room.empty()) rooms_.joined(chat::fold_case(settings_.room));
}

chat_session::~chat_session() { client_.reset(); }

void chat_session::start() {
  asio::post(io_, [this] { connect(); });
}

void chat_session::input(std::string line) {
  asio::post(io_, [this, line = std::move(line)]() mutable { handle_line(std::move(line)); });
}

void chat_session::end_of_input() {
  asio::post(io_, [this] { handle_line(std::nullopt); });
}

void chat_session::interrupt() {
  asio::post(io_, [this] {
    if (state_ == state::online) return handle_line(std::nullopt);
    finish(0);  // not connected (or already quitting): nothing to wait for
  });
}

// ---- connection lifecycle -----------------------------------------------------------------

void chat_session::connect() {
  state_ = state::connecting;
  const unsigned generation = ++generation_;
  chat::client_options options;
  options.password = settings_.password;
  options.resume = true;  // a reconnect can then take the old session over at once
  options.tls = settings_.tls;
  client_ = std::make_unique<chat::client>(io_.get_executor(), options);
  client_->on_message([this, generation](const chat::server_message& m) {
    if (generation == generation_) on_message(m);
  });
  client_->on_close([this, generation](error_code ec) {
    if (generation == generation_) on_closed(ec);
  });
  client_->async_connect(settings_.host, settings_.port, [this, generation](error_code ec) {
    if (generation == generation_) on_connected(ec);
  });
}

void chat_session::on_connected(error_code ec) {
  if (state_ == state::done) return;
  if (ec) return retry_later("cannot connect to " + settings_.host + ':' + settings_.port + ": " + ec.message());
  state_ = state::registering;
  if (!resume_token_.empty()) return send_resume();
  send_hello();
}

void chat_session::send_resume() {
  const unsigned generation = generation_;
  client_->async_resume(name_, resume_token_, [this, generation](error_code ec, chat::msg::server::welcome w) {
    if (generation == generation_) on_resumed(ec, w);
  });
}

void chat_session::on_resumed(error_code ec, const chat::msg::server::welcome& welcome) {
  if (state_ == state::done) return;
  resume_token_.clear();  // spent, or useless: either way the next reconnect uses a new one
  if (ec && (ec.category() != chat::error_category() || ec == chat::errc::connection_closed ||
             chat::is_fatal(static_cast<chat::errc>(ec.value()))))
    return;  // on_closed follows
  if (ec) return send_hello();  // the session has ended (or the server cannot resume): start anew
  catching_up_by_history_ = true;
  go_online(welcome);
}

void chat_session::send_hello() {
  const unsigned generation = generation_;
  // Rooms are joined one by one afterwards, the same way for a first connection and a
  // reconnect, each resuming after the last message shown there.
  client_->async_hello(name_, "", [this, generation](error_code hello_ec, chat::msg::server::welcome w) {
    if (generation == generation_) on_welcome(hello_ec, w);
  });
}

void chat_session::on_welcome(error_code ec, const chat::msg::server::welcome& welcome) {
  if (state_ == state::done) return;
  // The connection ended before an answer: on_closed follows and decides about reconnecting.
  if (ec && (ec.category() != chat::error_category() || ec == chat::errc::connection_closed ||
             chat::is_fatal(static_cast<chat::errc>(ec.value()))))
    return;
  if (ec && is_name_rejection(ec)) {
    if (ever_online_ && ec == chat::errc::name_taken) {
      // Most likely our old connection, which the server has not noticed is gone yet.
      ++generation_;  // this client's close is ours, not news
      client_->close();
      return retry_later("name " + name_ + " is still taken");
    }
    if (!settings_.interactive) return finish(1, "name rejected: " + ec.message());
    asking_for_name_ = true;
    output_.ask("Name '" + inert(name_) + "' rejected (" + ec.message() + "). Another name: ");
    // A line typed while the server was deciding is the answer to this question.
    if (!pending_input_.empty()) {
      auto answer = std::move(pending_input_.front());
      pending_input_.pop_front();
      handle_line(std::move(answer));
    }
    return;
  }
  if (ec) return finish(1, "cannot join: " + ec.message());
  catching_up_by_history_ = false;
  go_online(welcome);
}

void chat_session::go_online(const chat::msg::server::welcome& welcome) {
  const bool same_run = rooms_.welcomed_by(welcome.server_id);
  name_ = welcome.name;
  resumed_ = ever_online_;
  ever_online_ = true;
  failed_attempts_ = 0;
  state_ = state::online;
  if (!resumed_)
    notice("connected to " + inert(welcome.server_info) + " as " + inert(name_));
  else if (catching_up_by_history_)
    notice("reconnected as " + inert(name_) + ", still in every room; catching up");
  else
    notice(same_run ? "reconnected as " + inert(name_) + "; catching up"
                    : "reconnected to a restarted server as " + inert(name_) +
                          "; earlier messages cannot be matched, showing recent history");
  // One room at a time: each greeting may be a full history, and the server bounds what may
  // wait for us at once. Typed lines go out once every room is back.
  rejoining_.assign(rooms_.rooms().begin(), rooms_.rooms().end());
  update_prompt();
  rejoin_next();
}

void chat_session::rejoin_next() {
  while (!rejoining_.empty()) {
    const auto room = rejoining_.front();
    if (catching_up_by_history_) {
      // Still a member: the messages since the last one shown, then live ones, in id order.
      replaying_.try_emplace(room);
      if (!client_->history(room, rooms_.resume_after(room), 65535)) return;
      replaying_.erase(room);
    } else if (!client_->join(room, rooms_.resume_after(room))) {
      return;  // END (or ERROR) continues
    }
    show_error(chat::make_error_code(chat::errc::invalid_room), "cannot join " + inert(room));
    rejoining_.pop_front();
  }
  flush_pending_input();
}

void chat_session::rejoin_answered(const std::string& room) {
  if (rejoining_.empty() || (!room.empty() && rejoining_.front() != room)) return;
  if (room.empty() && catching_up_by_history_) {
    // HISTORY refused (not_in_room): the room was left meanwhile, e.g. by a PART just before
    // the drop.
    const auto gone = rejoining_.front();
    replaying_.erase(gone);
    rooms_.parted(gone);
    update_prompt();
    notice("no longer in " + inert(gone) + ": /join it again if you like");
  }
  rejoining_.pop_front();
  rejoin_next();
}

void chat_session::on_closed(error_code ec) {
  replaying_.clear();
  rejoining_.clear();
  if (state_ == state::quitting || state_ == state::done) return finish(0);
  // Kept for the reconnect: RESUME takes the session over, rooms and name, at once.
  if (state_ == state::online) resume_token_ = client_->resume_token();
  if (ec == chat::errc::session_resumed)
    return finish(1, "the session was taken over by another connection");
  if (ec == chat::errc::bad_password) return finish(1, "server refused: " + ec.message());
  retry_later(describe_close(ec));
}

void chat_session::retry_later(const std::string& why) {
  if (state_ == state::quitting) return finish(0);
  const unsigned limit = settings_.reconnects.value_or(~0u);
  if (failed_attempts_ >= limit) return finish(1, why);
  ++failed_attempts_;
  state_ = state::waiting;
  auto delay = settings_.first_backoff;
  for (unsigned i = 1; i < failed_attempts_ && delay < settings_.max_backoff; ++i) delay *= 2;
  delay = std::min(delay, settings_.max_backoff);
  std::ostringstream seconds;
  seconds << static_cast<double>(delay.count()) / 1000.0;
  notice(why + "; reconnecting in " + seconds.str() + " s (attempt " + std::to_string(failed_attempts_) +
         (settings_.reconnects ? " of " + std::to_string(*settings_.reconnects) : "") + ")");
  update_prompt();
  retry_timer_.expires_after(delay);
  retry_timer_.async_wait([this](error_code timer_ec) {
    if (!timer_ec && state_ == state::waiting) connect();
  });
}

void chat_session::finish(int code, const std::string& why) {
  if (state_ == state::done) return;
  state_ = state::done;
  retry_timer_.cancel();
  quit_timer_.cancel();
  if (code != 0 && !why.empty()) output_.fatal(why);
  exit_code_.set_value(code);
}

// ---- what the server says -------------------------------------------------------------------

void chat_session::on_message(const chat::server_message& m) {
  if (const auto* said = std::get_if<chat::msg::server::message>(&m)) {
    if (said->flags & chat::msg::flag_private) return show(*render(m, context()));
    if (said->flags & chat::msg::flag_history) {
      // Recorded as shown only at END, when it is: a drop before then must fetch it again.
      if (said->id > rooms_.resume_after(said->target)) replaying_[said->target].push_back(*said);
      return;
    }
    // While a room catches up, its live messages wait to be shown in id order after the
    // answer (after a RESUME they may arrive before it).
    if (const auto held = replaying_.find(said->target); held != replaying_.end())
      return held->second.push_back(*said);
    if (!rooms_.first_sighting(*said)) return;  // shown before the connection dropped
    return show(*render(m, context()));
  }
  if (const auto* end = std::get_if<chat::msg::server::end>(&m)) {
    const bool replay = end->request == std::uint8_t(chat::client_message_type::join) ||
                        end->request == std::uint8_t(chat::client_message_type::history);
    if (!replay) return;
    rooms_.caught_up(end->room, end->last_id);
    auto replayed = std::move(replaying_[end->room]);
    replaying_.erase(end->room);
    // History and held live messages together, by id; a live one the answer also carried is
    // a duplicate. Live ones past last_id are recorded as shown by first_sighting.
    std::stable_sort(replayed.begin(), replayed.end(),
                     [](const auto& a, const auto& b) { return a.id < b.id; });
    replayed.erase(std::unique(replayed.begin(), replayed.end(),
                               [](const auto& a, const auto& b) { return a.id == b.id; }),
                   replayed.end());
    std::erase_if(replayed, [&](const chat::msg::server::message& said) {
      return !(said.flags & chat::msg::flag_history) && !rooms_.first_sighting(said) &&
             said.id > end->last_id;
    });
    if (end->flags & chat::msg::end_missed)
      notice("some messages in " + inert(end->room) +
             " were missed: they are older than the server's history");
    if (!replayed.empty()) notice(replay_announcement(replayed.size(), end->room, resumed_));
    for (const auto& said : replayed) show(*render(chat::server_message(said), context()));
    if (end->request == std::uint8_t(chat::client_message_type::join) ||
        (catching_up_by_history_ && end->request == std::uint8_t(chat::client_message_type::history)))
      rejoin_answered(end->room);
    return;
  }
  if (const auto* joined = std::get_if<chat::msg::server::joined>(&m); joined && joined->name == name_) {
    const auto current = rooms_.current();
    const bool rejoined = rooms_.in(joined->room);
    rooms_.joined(joined->room);
    replaying_.try_emplace(joined->room);  // the greeting (topic, history) follows until END
    if (rejoined && current) rooms_.set_current(*current);  // restoring rooms keeps our place
    update_prompt();
    notice((resumed_ ? "rejoined " : "now talking in ") + inert(joined->room) + " (" +
           std::to_string(joined->member_count) + " online)");
    return;
  }
  if (const auto* left = std::get_if<chat::msg::server::left>(&m); left && left->name == name_) {
    rooms_.parted(left->room);
    update_prompt();
    notice("you left " + inert(left->room) +
           (rooms_.current() ? "; now talking in " + inert(*rooms_.current()) : ""));
    return;
  }
  if (const auto* topic = std::get_if<chat::msg::server::topic>(&m); topic && topic->text.empty() &&
                                                             replaying_.contains(topic->room))
    return;  // no topic: nothing worth a line when joining
  if (const auto* renamed = std::get_if<chat::msg::server::renamed>(&m); renamed && renamed->old_name == name_)
    name_ = renamed->new_name;
  if (std::holds_alternative<chat::msg::server::error>(m)) rejoin_answered({});  // a refused JOIN
  if (auto line = render(m, context())) show(*line);
}

// ---- what the user types ------------------------------------------------------------------

void chat_session::handle_line(std::optional<std::string> line) {
  if (state_ == state::done || state_ == state::quitting) return;
  if (asking_for_name_) {
    if (!line) return finish(1, "no name given: end of input");
    asking_for_name_ = false;
    name_ = std::move(*line);
    update_prompt();
    if (state_ == state::registering) send_hello();  // else the next connection uses it
    return;
  }
  // Input ending while reconnecting: nobody to say goodbye to, unless lines wait to be sent.
  // (Before the first connection it waits: failing to connect at all is still an error.)
  if (ever_online_ && state_ != state::online && !line && pending_input_.empty()) return finish(0);
  if (state_ != state::online) {
    if (pending_input_.size() >= max_pending_input) {
      notice("not connected: line dropped");
      return;
    }
    pending_input_.push_back(std::move(line));
    return;
  }
  if (!line) return run_command(command::quit{});
  if (line->empty()) return;
  run_command(command::parse(*line));
}

void chat_session::flush_pending_input() {
  while (state_ == state::online && !pending_input_.empty()) {
    auto line = std::move(pending_input_.front());
    pending_input_.pop_front();
    handle_line(std::move(line));
  }
}

std::optional<std::string> chat_session::room_or_current(const std::string& named) {
  if (!named.empty()) return chat::fold_case(named);
  if (rooms_.current()) return rooms_.current();
  notice("you are in no room: /join one first");
  return std::nullopt;
}

void chat_session::send_text(std::string_view text, bool as_action) {
  const auto& room = rooms_.current();
  if (!room) return notice("you are in no room: /join one, or /msg someone");
  send_pieces(text, [&](std::string_view piece) {
    return as_action ? client_->act(*room, piece) : client_->say(*room, piece);
  });
}

void chat_session::send_pieces(std::string_view text,
                               const std::function<error_code(std::string_view)>& send) {
  const auto pieces = command::split_text(text);
  // All checked before any is sent: a line goes out whole or not at all.
  for (const auto piece : pieces)
    if (const auto ec = chat::check_text(piece)) return show_error(ec, "not sent");
  for (const auto piece : pieces)
    if (const auto ec = send(piece)) return show_error(ec, "not sent");
}

void chat_session::run_command(const command::any& c) {
  namespace cmd = command;
  auto& client = *client_;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, cmd::say>) {
          send_text(x.text, false);
        } else if constexpr (std::is_same_v<T, cmd::action>) {
          send_text(x.text, true);
        } else if constexpr (std::is_same_v<T, cmd::join>) {
          const auto room = chat::fold_case(x.room);
          if (rooms_.in(room)) {  // already there: switch to it
            rooms_.set_current(room);
            update_prompt();
            return notice("now talking in " + inert(room));
          }
          if (auto ec = client.join(room, rooms_.resume_after(room))) show_error(ec, "cannot join");
        } else if constexpr (std::is_same_v<T, cmd::part>) {
          // A room we are not in is a mistake to report, never a reason to leave another one.
          const auto room = chat::fold_case(x.room);
          if (!room.empty() && !rooms_.in(room)) return notice("you are not in " + inert(room));
          if (const auto target = room_or_current(room))
            if (auto ec = client.part(*target, x.reason)) show_error(ec, "cannot part");
        } else if constexpr (std::is_same_v<T, cmd::rooms>) {
          if (auto ec = client.list_rooms()) show_error(ec, "cannot list");
        } else if constexpr (std::is_same_v<T, cmd::who>) {
          if (const auto room = room_or_current(x.room))
            if (auto ec = client.who(*room)) show_error(ec, "cannot ask");
        } else if constexpr (std::is_same_v<T, cmd::topic>) {
          const auto room = room_or_current({});
          if (!room) return;
          const auto ec = x.clear ? client.set_topic(*room, "")
                          : x.text ? client.set_topic(*room, *x.text)
                                   : client.topic(*room);
          if (ec) show_error(ec, "topic");
        } else if constexpr (std::is_same_v<T, cmd::private_message>) {
          send_pieces(x.text,
                      [&](std::string_view piece) { return client.private_message(x.to, piece); });
        } else if constexpr (std::is_same_v<T, cmd::nick>) {
          if (auto ec = client.nick(x.name)) show_error(ec, "cannot rename");
        } else if constexpr (std::is_same_v<T, cmd::quit>) {
          state_ = state::quitting;
          client.bye(x.reason);
          // The server closes after flushing; don't wait for ever if it does not.
          quit_timer_.expires_after(std::chrono::seconds(3));
          quit_timer_.async_wait([this](error_code ec) {
            if (!ec) finish(0);
          });
        } else if constexpr (std::is_same_v<T, cmd::help>) {
          show(std::string(cmd::help_text()));
        } else if constexpr (std::is_same_v<T, cmd::invalid>) {
          notice(x.message);
        }
      },
      c);
}

// ---- output -------------------------------------------------------------------------------

render_context chat_session::context() const { return {name_, chat::unix_time_ms(), settings_.colour}; }

void chat_session::show(const std::string& line) { output_.line(line); }

void chat_session::notice(const std::string& text) { show(render_notice(text, context())); }

void chat_session::show_error(error_code ec, const std::string& what) {
  show("! " + what + ": " + ec.message());
}

void chat_session::update_prompt() {
  if (asking_for_name_) return;
  if (state_ == state::online)
    output_.prompt(render_prompt(rooms_.current()));
  else
    output_.prompt(ever_online_ ? "(offline)> " : "> ");
}

}  // namespace chatcli
