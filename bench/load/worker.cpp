// SPDX-License-Identifier: BSL-1.0
#include "load/worker.hpp"

#include <boost/asio/post.hpp>

namespace load {

std::uint64_t now_ns() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

void problem_log::note(std::string_view kind, std::string detail) {
  std::lock_guard lock(mutex_);
  ++counts_[std::string(kind)];
  if (first_.size() < kept) first_.push_back(std::string(kind) + ": " + std::move(detail));
}

std::map<std::string, std::uint64_t> problem_log::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

std::vector<std::string> problem_log::first() const {
  std::lock_guard lock(mutex_);
  return first_;
}

worker::worker(boost::asio::ip::tcp::endpoint server, problem_log& problems)
    : work_(boost::asio::make_work_guard(io_)), server_(std::move(server)), problems_(problems) {}

worker::~worker() {
  if (thread_.joinable()) {
    // Only on an early exit (an exception in main): stop rather than wait for a drain.
    io_.stop();
    thread_.join();
  }
}

connection& worker::add(std::uint32_t index, std::string name, std::string room) {
  const auto slot = static_cast<std::uint32_t>(connections_.size());
  connections_.push_back(std::make_unique<connection>(*this, index, slot, std::move(name), std::move(room)));
  return *connections_.back();
}

void worker::run() {
  thread_ = std::thread([this] { io_.run(); });
}

void worker::join() {
  if (thread_.joinable()) thread_.join();
}

void worker::connect_all(unsigned max_in_flight) {
  boost::asio::post(io_, [this, max_in_flight] {
    max_in_flight_ = std::max(1u, max_in_flight);
    launch_connects();
  });
}

void worker::launch_connects() {
  while (!finishing_ && in_flight_ < max_in_flight_ && next_to_connect_ < connections_.size()) {
    ++in_flight_;
    ++open_;
    connections_[next_to_connect_++]->start(server_);
  }
}

void worker::set_up_done() {
  --in_flight_;
  launch_connects();
}

void worker::became_ready(std::uint64_t now) {
  stats.ready.add();
  stats.last_ready_ns.set(now);
  set_up_done();
}

void worker::closed(connection::state was, bool failure) {
  using state = connection::state;
  if (was == state::connecting || was == state::hello_sent || was == state::joining) {
    stats.failed.add();
    set_up_done();
  } else if (was == state::ready && failure) {
    stats.dropped.add();
  }
  if (--open_ == 0 && finishing_) {
    drain_timer_.cancel();
    work_.reset();
  }
}

void worker::finish(std::chrono::milliseconds drain) {
  boost::asio::post(io_, [this, drain] {
    finishing_ = true;
    events_->on_finish();
    for (auto& c : connections_) {
      if (c->current() == connection::state::ready)
        c->bye();
      else if (c->is_open())
        c->close_now();
    }
    if (open_ == 0) {
      work_.reset();
      return;
    }
    drain_timer_.expires_after(drain);
    drain_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) close_all_open();
    });
  });
}

void worker::close_all_open() {
  for (auto& c : connections_)
    if (c->is_open()) c->close_now();
}

}  // namespace load
