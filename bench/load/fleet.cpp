// SPDX-License-Identifier: BSL-1.0
#include "load/fleet.hpp"

#include "load/proc.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <thread>

namespace load {

fleet::fleet(const settings& s, const boost::asio::ip::tcp::endpoint& server, problem_log& problems)
    : prefix_(s.name_prefix) {
  for (unsigned i = 0; i < std::max(1u, s.threads); ++i)
    workers_.push_back(std::make_unique<worker>(server, problems));
}

connection& fleet::add(const std::string& room) {
  const auto index = static_cast<std::uint32_t>(size_++);
  return workers_[index % workers_.size()]->add(index, prefix_ + std::to_string(index), room);
}

void fleet::connect(unsigned concurrency) {
  const auto n = static_cast<unsigned>(workers_.size());
  for (auto& w : workers_) {
    w->run();
    w->connect_all((concurrency + n - 1) / n);
  }
}

bool fleet::wait_settled(std::chrono::duration<double> timeout) {
  return wait_until(
      [&] { return total(&worker::counters::ready) + total(&worker::counters::failed) >= size_; },
      timeout);
}

void fleet::finish() {
  // Two seconds for the server to answer BYE by closing; then the rest are closed here.
  for (auto& w : workers_) w->finish(std::chrono::seconds(2));
  for (auto& w : workers_) w->join();
}

std::uint64_t fleet::total(counter worker::counters::*which) const {
  std::uint64_t sum = 0;
  for (const auto& w : workers_) sum += (w->stats.*which).get();
  return sum;
}

std::uint64_t fleet::latest(counter worker::counters::*which) const {
  std::uint64_t latest = 0;
  for (const auto& w : workers_) latest = std::max(latest, (w->stats.*which).get());
  return latest;
}

bool wait_until(const std::function<bool()>& done, std::chrono::duration<double> timeout) {
  // Polling costs the main thread little; the times that matter are taken by the workers when
  // things happen, not here.
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void summary::line(const std::string& text) { std::cout << text << '\n' << std::flush; }

void summary::add(const std::string& key, const std::string& value) {
  if (values_.tellp() > 0) values_ << ' ';
  values_ << key << '=' << value;
}

void summary::add(const std::string& key, std::uint64_t value) { add(key, std::to_string(value)); }

void summary::add(const std::string& key, double value, int decimals) {
  add(key, fixed(value, decimals));
}

void summary::finish() { std::cout << values_.str() << '\n' << std::flush; }

void summarise_connections(const fleet& f, const problem_log& problems, summary& out) {
  using c = worker::counters;
  const auto failed = f.total(&c::failed), dropped = f.total(&c::dropped);
  const auto cut_off = f.total(&c::cut_off), errors = f.total(&c::error_frames);
  const auto too_slow = f.total(&c::too_slow);
  out.line("connections    " + std::to_string(f.size()) + ", failed " + std::to_string(failed) +
           ", closed by the server " + std::to_string(dropped) + ", cut off " + std::to_string(cut_off) +
           " (ERROR frames " + std::to_string(errors) + ", too_slow " + std::to_string(too_slow) + ")");
  for (const auto& [kind, count] : problems.counts())
    out.line("  " + kind + ": " + std::to_string(count));
  const auto first = problems.first();
  if (!first.empty()) out.line("  first problems:");
  for (const auto& p : first) out.line("    " + p);
  if (const auto own_peak = process_status_kib(getpid(), "VmHWM")) {
    out.line("chat_load RSS  peak " + fixed(static_cast<double>(*own_peak) / 1024, 1) + " MiB");
    out.add("load_hwm_kib", static_cast<std::uint64_t>(*own_peak));
  }
  out.add("failed", failed);
  out.add("dropped", dropped);
  out.add("cut_off", cut_off);
  out.add("error_frames", errors);
  out.add("too_slow", too_slow);
}

std::string human(double value) {
  char text[32];
  if (value >= 1e9)
    std::snprintf(text, sizeof text, "%.2f G", value / 1e9);
  else if (value >= 1e6)
    std::snprintf(text, sizeof text, "%.2f M", value / 1e6);
  else if (value >= 1e3)
    std::snprintf(text, sizeof text, "%.1f k", value / 1e3);
  else
    std::snprintf(text, sizeof text, "%.0f", value);
  return text;
}

}  // namespace load

namespace load {

std::string fixed(double value, int decimals) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(decimals) << value;
  return text.str();
}

}  // namespace load
