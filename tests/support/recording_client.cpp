// SPDX-License-Identifier: BSL-1.0
#include "support/recording_client.hpp"

#include <chat/text.hpp>

#include <boost/test/unit_test.hpp>

#include <future>

namespace chat::test {

namespace {

// The value of `f`, failing the test if it is not ready by the deadline.
template <class T>
T get_by_deadline(std::future<T>& f) {
  BOOST_REQUIRE_MESSAGE(f.wait_for(default_deadline) == std::future_status::ready,
                        "operation did not complete by the deadline");
  return f.get();
}

}  // namespace

server_options test_server::for_test(server_options o) {
  o.address = boost::asio::ip::make_address_v4("127.0.0.1");
  o.port = 0;
  if (o.threads == 0) o.threads = 4;
  return o;
}

test_server::test_server(server_options options) : instance(for_test(std::move(options))) {
  BOOST_REQUIRE(!instance.start());
}

client_pool::client_pool(unsigned threads) : work_(io.get_executor()) {
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { io.run(); });
}

client_pool::~client_pool() {
  work_.reset();
  io.stop();
  for (auto& t : threads_) t.join();
}

recording_client::recording_client(client_pool& pool, client_options options)
    : client_(pool.io.get_executor(), options) {
  client_.on_message([this](const server_message& m) {
    {
      std::lock_guard lock(mutex_);
      received_.push_back(m);
    }
    changed_.notify_all();
  });
  client_.on_close([this](boost::system::error_code ec) {
    {
      std::lock_guard lock(mutex_);
      closed_ = ec;
    }
    changed_.notify_all();
  });
}

boost::system::error_code recording_client::connect(std::uint16_t port) {
  // Shared: the handler may outlive this frame if the deadline fails the test.
  auto done = std::make_shared<std::promise<boost::system::error_code>>();
  auto result = done->get_future();
  client_.async_connect("127.0.0.1", std::to_string(port),
                        [done](boost::system::error_code ec) { done->set_value(ec); });
  return get_by_deadline(result);
}

boost::system::result<msg::server::welcome> recording_client::hello(const std::string& name,
                                                            const std::string& room) {
  auto done = std::make_shared<std::promise<boost::system::result<msg::server::welcome>>>();
  auto result = done->get_future();
  client_.async_hello(name, room, [done](boost::system::error_code ec, msg::server::welcome welcome) {
    if (ec)
      done->set_value(ec);
    else
      done->set_value(std::move(welcome));
  });
  return get_by_deadline(result);
}

boost::system::result<msg::server::welcome> recording_client::resume(const std::string& name,
                                                                     const std::string& token) {
  auto done = std::make_shared<std::promise<boost::system::result<msg::server::welcome>>>();
  auto result = done->get_future();
  client_.async_resume(name, token, [done](boost::system::error_code ec, msg::server::welcome welcome) {
    if (ec)
      done->set_value(ec);
    else
      done->set_value(std::move(welcome));
  });
  return get_by_deadline(result);
}

boost::system::result<msg::server::welcome> recording_client::hello_once_free(const std::string& name,
                                                                      const std::string& room) {
  boost::system::result<msg::server::welcome> joined = hello(name, room);
  for (int attempt = 0; attempt < 100 && joined.has_error() && joined.error() == errc::name_taken; ++attempt)
    joined = hello(name, room);
  return joined;
}

msg::server::welcome recording_client::connect_and_hello(std::uint16_t port, const std::string& name,
                                                 const std::string& room) {
  BOOST_REQUIRE(!connect(port));
  auto welcome = hello(name, room);
  BOOST_REQUIRE_MESSAGE(welcome.has_value(), "HELLO as " << name << " failed: " << welcome.error().message());
  if (!room.empty())
    BOOST_REQUIRE_MESSAGE(wait_for_end(client_message_type::join, fold_case(room)),
                          name << " got no END for joining " << room);
  return *welcome;
}

msg::server::end recording_client::join(const std::string& room, std::uint64_t after_id) {
  const auto before = all<msg::server::end>().size();
  BOOST_REQUIRE(!client_.join(room, after_id));
  std::optional<msg::server::end> end;
  BOOST_REQUIRE_MESSAGE(wait_until([&](const std::vector<server_message>& got) {
                          std::size_t seen = 0;
                          for (const auto& m : got)
                            if (auto* e = std::get_if<msg::server::end>(&m); e && seen++ >= before &&
                                e->request == std::uint8_t(client_message_type::join) && e->room == fold_case(room)) {
                              end = *e;
                              return true;
                            }
                          return false;
                        }),
                        "no END for joining " << room);
  return *end;
}

std::optional<msg::server::end> recording_client::wait_for_end(client_message_type request, const std::string& room,
                                                       std::size_t nth) {
  std::optional<msg::server::end> found;
  wait_until([&](const std::vector<server_message>& got) {
    std::size_t seen = 0;
    for (const auto& m : got)
      if (auto* e = std::get_if<msg::server::end>(&m);
          e && e->request == std::uint8_t(request) && e->room == room && ++seen == nth) {
        found = *e;
        return true;
      }
    return false;
  });
  return found;
}

bool recording_client::wait_until(const std::function<bool(const std::vector<server_message>&)>& done,
                                  std::chrono::milliseconds deadline) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, deadline, [&] { return done(received_); });
}

void recording_client::sync(std::uint64_t token) {
  BOOST_REQUIRE(!client_.ping(token));
  BOOST_REQUIRE(wait_for<msg::server::pong>([=](const msg::server::pong& p) { return p.token == token; }));
}

boost::system::error_code recording_client::wait_closed(std::chrono::milliseconds deadline) {
  std::unique_lock lock(mutex_);
  const bool closed = changed_.wait_for(lock, deadline, [&] { return closed_.has_value(); });
  BOOST_REQUIRE_MESSAGE(closed, "connection did not close by the deadline");
  return *closed_;
}

std::vector<server_message> recording_client::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

std::vector<msg::server::message> recording_client::chat_messages(const std::string& target) const {
  std::vector<msg::server::message> out;
  for (const auto& m : received())
    if (auto* message = std::get_if<msg::server::message>(&m); message && (target.empty() || message->target == target))
      out.push_back(*message);
  return out;
}

}  // namespace chat::test
