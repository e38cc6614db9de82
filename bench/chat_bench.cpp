// SPDX-License-Identifier: BSL-1.0
// chat_bench: load a chat server and measure throughput, echo latency and memory.
//
//   chat_bench [--clients N] [--messages M] [--size BYTES] [--window W] [--threads T]
//              [--host H --port P]
//
// N clients join one room; each says M messages of BYTES bytes, keeping at most W of its own
// messages unacknowledged (its echo is the acknowledgement), so the load is closed-loop and
// measures the server rather than queue overflow. Every message reaches all N members, so a run
// delivers N*N*M messages. Without --port, the server runs in this process on T threads.
// See docs/BENCHMARKS.md for a documented run.
#include <chat/client.hpp>
#include <chat/server.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/program_options.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace po = boost::program_options;
using clock_type = std::chrono::steady_clock;

namespace {

struct settings {
  unsigned clients = 50;
  unsigned messages = 200;
  std::size_t size = 100;
  unsigned window = 8;
  unsigned threads = 2;
  std::string host = "127.0.0.1";
  unsigned port = 0;  // 0: run a server in-process
  bool tls = false;   // clients connect with TLS (without verification: a measurement only)
  std::string tls_cert, tls_key;  // the in-process server's, with tls
};

chat::client_options client_options_of(const settings& s) {
  chat::client_options o;
  o.tls.enabled = s.tls;
  o.tls.insecure = true;
  return o;
}

// Peak resident set size of this process, from /proc (kB), or 0 where unavailable.
long peak_rss_kb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// Counts deliveries across all clients and wakes the main thread when the run is complete.
class completion {
public:
  explicit completion(std::uint64_t expected) : expected_(expected) {}
  void delivered() {
    if (++count_ == expected_) {
      std::lock_guard lock(mutex_);
      done_.notify_all();
    }
  }
  void failed(std::string why) {
    std::lock_guard lock(mutex_);
    if (!failure_) failure_ = std::move(why);
    done_.notify_all();
  }
  /// nullopt when complete; otherwise why not (failure or timeout).
  std::optional<std::string> wait(std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    const bool finished = done_.wait_for(lock, timeout, [&] { return count_ == expected_ || failure_; });
    if (failure_) return failure_;
    if (!finished) return "timed out after " + std::to_string(count_.load()) + " deliveries";
    return std::nullopt;
  }

private:
  const std::uint64_t expected_;
  std::atomic<std::uint64_t> count_{0};
  std::mutex mutex_;
  std::condition_variable done_;
  std::optional<std::string> failure_;
};

// One benchmark participant: sends its messages through a window, timing each echo.
class bench_client {
public:
  bench_client(boost::asio::io_context& io, const settings& s, unsigned index, completion& done)
      : client_(io.get_executor(), client_options_of(s)), settings_(s), name_("bench" + std::to_string(index)), done_(done) {
    client_.on_message([this](const chat::server_message& m) { on_message(m); });
    client_.on_close([this](boost::system::error_code ec) {
      if (ec) done_.failed(name_ + " disconnected: " + ec.message());
    });
  }

  void join(const std::string& host, const std::string& port) {
    client_.async_connect(host, port, boost::asio::use_future).get();
    client_.async_hello(name_, "bench", boost::asio::use_future).get();
  }

  /// Starts sending; called from the main thread once everyone has joined.
  void start() {
    std::lock_guard lock(mutex_);
    while (sent_ < settings_.messages && sent_ - acknowledged_ < settings_.window) send_next();
  }

  std::vector<double> latencies_us() const {
    std::lock_guard lock(mutex_);
    return latencies_us_;
  }
  void bye() { client_.bye(); }

private:
  void on_message(const chat::server_message& m) {
    const auto* said = std::get_if<chat::msg::server::message>(&m);
    if (!said || (said->flags & chat::msg::flag_history)) return;
    if (said->sender == name_) {
      std::lock_guard lock(mutex_);
      const auto elapsed = clock_type::now() - sent_at_[acknowledged_ % settings_.window];
      latencies_us_.push_back(std::chrono::duration<double, std::micro>(elapsed).count());
      ++acknowledged_;
      if (sent_ < settings_.messages) send_next();
    }
    done_.delivered();
  }

  void send_next() {  // mutex_ held
    std::string text = std::to_string(sent_) + ':';
    text.resize(std::max(settings_.size, text.size()), 'x');
    sent_at_[sent_ % settings_.window] = clock_type::now();
    if (auto ec = client_.say("bench", text)) done_.failed(name_ + " cannot send: " + ec.message());
    ++sent_;
  }

  chat::client client_;
  const settings& settings_;
  const std::string name_;
  completion& done_;
  mutable std::mutex mutex_;
  unsigned sent_ = 0;
  unsigned acknowledged_ = 0;
  std::vector<clock_type::time_point> sent_at_ = std::vector<clock_type::time_point>(settings_.window);
  std::vector<double> latencies_us_;
};

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[rank];
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  po::options_description desc("Usage: chat_bench [options]\nOptions");
  desc.add_options()
      ("help,h", "show this help")
      ("clients", po::value(&s.clients)->default_value(s.clients), "clients in the room")
      ("messages", po::value(&s.messages)->default_value(s.messages), "messages each client says")
      ("size", po::value(&s.size)->default_value(s.size), "bytes of text per message")
      ("window", po::value(&s.window)->default_value(s.window), "unacknowledged messages per client")
      ("threads", po::value(&s.threads)->default_value(s.threads), "in-process server threads")
      ("host", po::value(&s.host)->default_value(s.host), "server host (with --port)")
      ("port", po::value(&s.port)->default_value(0), "external server port; 0 runs one in-process")
      ("tls", po::bool_switch(&s.tls), "clients connect with TLS (certificates not verified)")
      ("tls-cert", po::value(&s.tls_cert), "with --tls and no --port: the in-process server's certificate (PEM)")
      ("tls-key", po::value(&s.tls_key), "with --tls and no --port: its private key (PEM)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "chat_bench: " << e.what() << '\n';
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc << '\n';
    return 0;
  }
  if (s.tls && s.port == 0 && (s.tls_cert.empty() || s.tls_key.empty())) {
    std::cerr << "chat_bench: --tls with an in-process server needs --tls-cert and --tls-key\n";
    return 2;
  }
  if (s.clients == 0 || s.window == 0 || s.size == 0 || s.size > chat::max_text_bytes) {
    std::cerr << "chat_bench: --clients, --window and --size must be positive, --size at most "
              << chat::max_text_bytes << '\n';
    return 2;
  }

  std::optional<chat::server> server;
  std::string port = std::to_string(s.port);
  if (s.port == 0) {
    chat::server_options options;
    options.port = 0;
    options.threads = s.threads;
    // Every client connects from 127.0.0.1 and sends as fast as its window allows.
    options.max_connections_per_ip = 0;
    options.max_connects_per_ip = 0;
    options.max_unregistered_per_ip = 0;
    options.flood_burst = 0;
    if (s.tls) {
      options.tls.certificate_file = s.tls_cert;
      options.tls.private_key_file = s.tls_key;
      options.tls.only = true;
    }
    server.emplace(options);
    if (auto ec = server->start()) {
      std::cerr << "chat_bench: cannot start server: " << ec.message() << '\n';
      return 1;
    }
    port = std::to_string(server->local_endpoint().port());
  }

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread io_thread([&] { io.run(); });

  const std::uint64_t expected = std::uint64_t(s.clients) * s.clients * s.messages;
  completion done(expected);
  std::vector<std::unique_ptr<bench_client>> clients;
  int status = 0;
  try {
    for (unsigned i = 0; i < s.clients; ++i) {
      clients.push_back(std::make_unique<bench_client>(io, s, i, done));
      clients.back()->join(s.host, port);
    }
  } catch (const boost::system::system_error& e) {
    std::cerr << "chat_bench: cannot join: " << e.code().message() << '\n';
    status = 1;
  }

  if (status == 0) {
    const auto start = clock_type::now();
    for (auto& c : clients) c->start();
    const auto failure = done.wait(std::chrono::seconds(300));
    const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    if (failure) {
      std::cerr << "chat_bench: " << *failure << '\n';
      status = 1;
    } else {
      std::vector<double> latencies;
      for (const auto& c : clients) {
        const auto l = c->latencies_us();
        latencies.insert(latencies.end(), l.begin(), l.end());
      }
      std::sort(latencies.begin(), latencies.end());
      const double said = double(s.clients) * s.messages;
      std::cout << std::fixed << std::setprecision(0)
                << "clients " << s.clients << ", messages " << s.messages << " each, " << s.size
                << " bytes, window " << s.window << ", server threads "
                << (server ? std::to_string(s.threads) : std::string("external")) << '\n'
                << "elapsed        " << std::setprecision(3) << seconds << " s\n"
                << std::setprecision(0)
                << "said           " << said / seconds << " messages/s\n"
                << "delivered      " << double(expected) / seconds << " messages/s\n"
                << "echo latency   p50 " << percentile(latencies, 0.50) << " us, p90 "
                << percentile(latencies, 0.90) << " us, p99 " << percentile(latencies, 0.99)
                << " us, max " << latencies.back() << " us\n"
                << "peak RSS       " << peak_rss_kb() / 1024 << " MiB (server and clients, one process)\n";
    }
  }

  for (auto& c : clients) c->bye();
  clients.clear();
  work.reset();
  io.stop();
  io_thread.join();
  return status;
}
