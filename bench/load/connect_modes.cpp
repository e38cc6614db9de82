// SPDX-License-Identifier: BSL-1.0
// The modes that measure joining rather than messages: idle (what a held connection costs the
// server) and join-storm (how fast a room fills). Their connections use the default events: they
// join, answer PINGs and count JOINED and LEFT; nobody says anything.
#include "load/modes.hpp"
#include "load/proc.hpp"

#include <iostream>
#include <thread>

namespace load {

namespace {

std::optional<long> status_kib(const settings& s, const std::string& key) {
  return s.pid ? process_status_kib(s.pid, key) : std::nullopt;
}

std::string kib_text(std::optional<long> kib) {
  return kib ? fixed(static_cast<double>(*kib) / 1024, 1) + " MiB" : std::string("?");
}

void sleep_seconds(double seconds) {
  if (seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

}  // namespace

int run_idle(const settings& s, const boost::asio::ip::tcp::endpoint& server) {
  problem_log problems;
  fleet f(s, server, problems);
  for (unsigned i = 0; i < s.connections; ++i)
    f.add(s.rooms <= 1 ? s.room : s.room + "-" + std::to_string(i % s.rooms));

  summary out;
  out.line("idle           " + std::to_string(s.connections) + " connections in " +
           std::to_string(std::max(1u, s.rooms)) + " room(s), " + std::to_string(f.workers().size()) +
           " thread(s)");
  const auto rss_before = status_kib(s, "VmRSS");
  const std::uint64_t start = now_ns();
  f.connect(s.concurrency);
  const bool settled = f.wait_settled(std::chrono::duration<double>(s.timeout));
  const double join_seconds = static_cast<double>(now_ns() - start) / 1e9;
  const std::uint64_t ready = f.total(&worker::counters::ready);
  out.line("joined         " + std::to_string(ready) + " of " + std::to_string(s.connections) + " in " +
           fixed(join_seconds, 3) + " s" + (settled ? "" : " (timed out)"));
  const auto rss_joined = status_kib(s, "VmRSS");
  // Let the server finish what joining left behind (queues drained, buffers released) first.
  sleep_seconds(s.settle);
  const auto rss_settled = status_kib(s, "VmRSS");
  const auto hwm = status_kib(s, "VmHWM");

  out.add("mode", "idle");
  out.add("connections", std::uint64_t{s.connections});
  out.add("rooms", std::uint64_t{std::max(1u, s.rooms)});
  out.add("ready", ready);
  out.add("join_s", join_seconds, 3);
  if (s.pid) {
    out.line("chatd RSS      before " + kib_text(rss_before) + ", joined " + kib_text(rss_joined) +
             ", after " + fixed(s.settle, 1) + " s " + kib_text(rss_settled) + "; peak (VmHWM) " +
             kib_text(hwm));
    if (rss_before && rss_settled) {
      const long delta = *rss_settled - *rss_before;
      const double per = ready ? static_cast<double>(delta) / static_cast<double>(ready) : 0;
      out.line("per connection " + fixed(per, 2) + " KiB (RSS delta " + kib_text(delta) + " / " +
               std::to_string(ready) + " connections)");
      out.add("rss_before_kib", static_cast<std::uint64_t>(*rss_before));
      if (rss_joined) out.add("rss_joined_kib", static_cast<std::uint64_t>(*rss_joined));
      out.add("rss_settled_kib", static_cast<std::uint64_t>(*rss_settled));
      out.add("rss_delta_kib", static_cast<double>(delta), 0);
      out.add("kib_per_connection", per, 2);
    } else {
      out.line("chatd RSS      cannot read /proc/" + std::to_string(s.pid) + "/status");
    }
    if (hwm) out.add("hwm_kib", static_cast<std::uint64_t>(*hwm));
  }
  if (s.hold > 0) {
    out.line("holding        for " + fixed(s.hold, 1) + " s, answering the server's PINGs");
    sleep_seconds(s.hold);
  }
  const std::uint64_t pings = f.total(&worker::counters::pings);
  f.finish();
  out.line("pings          " + std::to_string(pings) + " server PINGs answered");
  out.add("pings", pings);
  summarise_connections(f, problems, out);
  out.finish();
  using c = worker::counters;
  return ready == s.connections && f.total(&c::dropped) == 0 && f.total(&c::cut_off) == 0 ? 0 : 1;
}

int run_join_storm(const settings& s, const boost::asio::ip::tcp::endpoint& server) {
  problem_log problems;
  fleet f(s, server, problems);
  for (unsigned i = 0; i < s.members; ++i) f.add(s.room);

  summary out;
  out.line("join-storm     " + std::to_string(s.members) + " members into \"" + s.room + "\", " +
           std::to_string(s.concurrency) + " joins in flight, " +
           std::to_string(f.workers().size()) + " thread(s)");
  const auto rss_before = status_kib(s, "VmRSS");
  const auto cpu_before = s.pid ? process_cpu_seconds(s.pid) : std::nullopt;
  const std::uint64_t start = now_ns();
  f.connect(s.concurrency);
  const bool settled = f.wait_settled(std::chrono::duration<double>(s.timeout));
  using c = worker::counters;
  const std::uint64_t last_end = f.latest(&c::last_ready_ns);
  const std::uint64_t joined_at_end = f.total(&c::joined_frames);
  const auto cpu_after = s.pid ? process_cpu_seconds(s.pid) : std::nullopt;
  const auto rss_after = status_kib(s, "VmRSS");
  const auto hwm = status_kib(s, "VmHWM");
  const std::uint64_t ready = f.total(&c::ready);
  const double seconds = last_end > start ? static_cast<double>(last_end - start) / 1e9 : 0;
  const double per_second = seconds > 0 ? static_cast<double>(ready) / seconds : 0;
  // Notices for the last joiners may still be on their way to the first ones.
  sleep_seconds(s.settle);
  const std::uint64_t joined_after = f.total(&c::joined_frames);
  const std::uint64_t left_after = f.total(&c::left_frames);
  // If every member is told of every later join (and its own): n (n + 1) / 2 JOINED frames.
  const std::uint64_t full_fan_out = ready * (ready + 1) / 2;

  out.line("joined         " + std::to_string(ready) + " of " + std::to_string(s.members) + " in " +
           fixed(seconds, 3) + " s, first connect to last END" + (settled ? "" : " (timed out)"));
  out.line("throughput     " + human(per_second) + " joins/s");
  out.line("JOINED frames  " + std::to_string(joined_at_end) + " received by the last END, " +
           std::to_string(joined_after) + " after " + fixed(s.settle, 1) + " s more (every member told of every later join: " +
           std::to_string(full_fan_out) + "); LEFT frames " + std::to_string(left_after));
  out.add("mode", "join-storm");
  out.add("members", std::uint64_t{s.members});
  out.add("ready", ready);
  out.add("concurrency", std::uint64_t{s.concurrency});
  out.add("elapsed_s", seconds, 3);
  out.add("joins_per_s", per_second, 0);
  out.add("joined_frames_at_end", joined_at_end);
  out.add("joined_frames", joined_after);
  out.add("joined_frames_full_fan_out", full_fan_out);
  out.add("left_frames", left_after);
  out.add("timed_out", std::uint64_t{!settled});
  if (s.pid) {
    out.line("chatd RSS      before " + kib_text(rss_before) + ", after the storm " + kib_text(rss_after) +
             "; peak (VmHWM) " + kib_text(hwm));
    if (rss_after) out.add("rss_kib", static_cast<std::uint64_t>(*rss_after));
    if (rss_before && rss_after) out.add("rss_delta_kib", static_cast<double>(*rss_after - *rss_before), 0);
    if (hwm) out.add("hwm_kib", static_cast<std::uint64_t>(*hwm));
    if (cpu_before && cpu_after) {
      const double cpu = *cpu_after - *cpu_before;
      out.line("chatd CPU      " + fixed(cpu, 2) + " s to the last END" +
               (ready ? ", " + fixed(cpu * 1e6 / static_cast<double>(ready), 1) + " us per join" : ""));
      out.add("chatd_cpu_s", cpu, 2);
    }
  }
  f.finish();
  summarise_connections(f, problems, out);
  out.finish();
  return ready == s.members && f.total(&c::dropped) == 0 && f.total(&c::cut_off) == 0 ? 0 : 1;
}

}  // namespace load
