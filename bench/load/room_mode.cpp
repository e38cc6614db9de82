// SPDX-License-Identifier: BSL-1.0
// room mode: N members in one room, S of them saying M messages each, open loop.
//
// Open loop: a sender's pace is its own schedule (--rate) or the socket's readiness (--rate 0),
// never the server's echoes, so a slow server shows up as latency and overflowing queues rather
// than as a lower offered load. Every text carries a stamp (sender, sequence, send time), so each
// member checks what it receives per sender: delivered, lost, duplicated, out of order, and how
// long each delivery took.
#include "load/histogram.hpp"
#include "load/modes.hpp"
#include "load/proc.hpp"
#include "load/wire.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace load {

namespace {

// A paced send more than this behind its schedule is counted as late (it is still sent).
constexpr std::uint64_t late_after_ns = 1'000'000;
// Flat out, a sender queues about this much per write: large writes, few system calls.
constexpr std::size_t burst_bytes = 64 * 1024;

/// One worker's side of a room run: its senders, and the tallies of its members.
class room_events final : public connection_events {
public:
  room_events(worker& w, const settings& s)
      : worker_(w), settings_(s), say_(s.room, s.size) {}

  void add_sender(connection& c) {
    senders_.push_back(std::make_unique<sender>(c, worker_.io()));
  }
  void add_flooder(connection& c) {
    flooders_.push_back(std::make_unique<sender>(c, worker_.io()));
  }

  /// Posted by the main thread once every member is ready: counts this worker's members in.
  /// Every worker does this before any sends (start()), so that no member can be sent a
  /// message before it counts it.
  void prepare(std::uint64_t t0, std::uint64_t expected_per_member) {
    t0_ = t0;
    expected_per_member_ = expected_per_member;
    const auto& conns = worker_.connections();
    members_.resize(conns.size());
    sender_of_slot_.assign(conns.size(), nullptr);
    for (const auto& c : conns)
      if (c->current() == connection::state::ready) {
        members_[c->slot()].from.resize(settings_.senders);
        ++counted_members_;
      }
    prepared.add();
  }

  /// Posted by the main thread once every worker is prepared: start sending at t0.
  void start() {
    for (auto& s : senders_) {
      sender_of_slot_[s->conn.slot()] = s.get();
      if (s->conn.current() != connection::state::ready)
        finish_sender(*s);  // gone since it joined: what it would have said is lost
      else if (settings_.rate > 0)
        send_due(*s);
      else
        send_burst(*s);
    }
    for (auto& f : flooders_) {
      sender_of_slot_[f->conn.slot()] = f.get();
      send_flood(*f);
    }
  }

  void on_ready(connection& c) override {
    if (c.index() < settings_.senders) ready_senders.add();
  }

  void on_message(connection& c, const message_fields& m, std::uint64_t now) override {
    const auto s = stamp::read(m.text);
    member& mem = members_.size() > c.slot() ? members_[c.slot()] : no_member_;
    if (!s || s->sender >= settings_.senders || s->sequence >= settings_.messages || mem.from.empty()) {
      ++foreign_;  // not ours, or a member that was not ready when the run started
      return;
    }
    delivered.add();
    last_delivery_ns.set(now);
    latency_.record(now > s->sent_ns ? now - s->sent_ns : 0);
    tally& t = mem.from[s->sender];
    if (t.seen.empty() && s->sequence == t.high)
      ++t.high;  // the healthy case: the next one in order
    else if (!irregular(t, s->sequence))
      return;  // a duplicate
    if (++mem.distinct == expected_per_member_) complete.add();
  }

  void on_writable(connection& c) override {
    if (sender_of_slot_.size() <= c.slot()) return;
    sender* s = sender_of_slot_[c.slot()];
    if (s && s->flooder) return send_flood(*s);
    if (settings_.rate > 0) return;
    if (s) send_burst(*s);
  }

  void on_closed(connection& c) override {
    if (sender_of_slot_.size() <= c.slot()) return;
    if (sender* s = sender_of_slot_[c.slot()]; s && !s->done && !s->flooder) finish_sender(*s);
  }

  void on_finish() override {
    for (auto& s : senders_) s->timer.cancel();
    for (auto& f : flooders_) f->done = true;
  }

  // Watched by the main thread during the run.
  counter ready_senders;
  counter prepared;          // 1 once prepare() has run
  counter delivered;         // deliveries of our stamped messages, duplicates included
  counter complete;          // members that have received every expected message
  counter senders_done;      // senders that have queued all their messages (or closed)
  counter last_send_ns;
  counter last_delivery_ns;

  // Read by the main thread once the worker has ended.
  struct results {
    histogram latency;
    std::uint64_t lost = 0, duplicated = 0, out_of_order = 0, foreign = 0, late = 0;
    std::uint64_t worst_late_ns = 0, said = 0, members = 0;
  };
  void add_results(results& r) const {
    r.latency.merge(latency_);
    for (const auto& m : members_)
      if (!m.from.empty()) r.lost += expected_per_member_ - m.distinct;
    r.duplicated += duplicated_;
    r.out_of_order += out_of_order_;
    r.foreign += foreign_;
    r.late += late_;
    r.worst_late_ns = std::max(r.worst_late_ns, worst_late_ns_);
    for (const auto& s : senders_) r.said += s->next;
    r.members += counted_members_;
  }

private:
  // What one member has received from one sender. `high` is one past the highest sequence
  // seen; while everything arrives in order that is all there is. Only after the first
  // irregularity does the tally keep a bitmap of what it has seen, to tell duplicates from
  // late arrivals.
  struct tally {
    std::uint32_t high = 0;
    std::vector<bool> seen;
  };
  struct member {
    std::vector<tally> from;  // by sender index; empty: not counted
    std::uint64_t distinct = 0;
  };
  struct sender {
    sender(connection& c, boost::asio::io_context& io) : conn(c), timer(io) {}
    connection& conn;
    std::uint32_t next = 0;  // sequence of the next message
    bool done = false;
    bool flooder = false;
    boost::asio::steady_timer timer;
  };

  /// Records an out-of-the-ordinary arrival; false if it is a duplicate.
  bool irregular(tally& t, std::uint32_t sequence) {
    if (t.seen.empty()) {
      t.seen.assign(settings_.messages, false);
      std::fill(t.seen.begin(), t.seen.begin() + t.high, true);
    }
    if (t.seen[sequence]) {
      ++duplicated_;
      return false;
    }
    t.seen[sequence] = true;
    if (sequence < t.high) ++out_of_order_;
    t.high = std::max(t.high, sequence + 1);
    return true;
  }

  // Flat out: queue a batch whenever the previous one has been written.
  void send_burst(sender& s) {
    if (s.done || !s.conn.is_open()) return;
    const std::size_t batch = std::max<std::size_t>(1, burst_bytes / say_.frame_size());
    const std::uint64_t now = now_ns();
    auto& out = s.conn.output();
    for (std::size_t i = 0; i < batch && s.next < settings_.messages; ++i)
      say_.append(out, stamp{s.conn.index(), s.next++, now});
    s.conn.flush();
    last_send_ns.set(now);
    if (s.next == settings_.messages) finish_sender(s);
  }

  // Paced: message k of sender i is due at t0 + (k + i / S) / rate seconds, the senders spread
  // evenly over each interval. Whatever is due is sent at once, late or not.
  std::uint64_t due_ns(const sender& s, std::uint32_t k) const {
    const double interval = 1e9 / settings_.rate;
    const double offset = interval * s.conn.index() / std::max(1u, settings_.senders);
    return t0_ + static_cast<std::uint64_t>(offset + interval * k);
  }

  void send_due(sender& s) {
    if (s.done || !s.conn.is_open()) return;
    const std::uint64_t now = now_ns();
    auto& out = s.conn.output();
    while (s.next < settings_.messages && due_ns(s, s.next) <= now) {
      const std::uint64_t behind = now - due_ns(s, s.next);
      if (behind > late_after_ns) ++late_;
      worst_late_ns_ = std::max(worst_late_ns_, behind);
      say_.append(out, stamp{s.conn.index(), s.next++, now});
      last_send_ns.set(now);
    }
    s.conn.flush();
    if (s.next == settings_.messages) {
      finish_sender(s);
      return;
    }
    s.timer.expires_at(std::chrono::steady_clock::time_point(
        std::chrono::nanoseconds(due_ns(s, s.next))));
    s.timer.async_wait([this, &s](const boost::system::error_code& ec) {
      if (!ec) send_due(s);
    });
  }

  // A flooder: a batch whenever the previous one has been written, until the run ends. Its
  // stamps name a sender past --senders, so members count its messages as not ours.
  void send_flood(sender& s) {
    s.flooder = true;
    if (s.done || !s.conn.is_open()) return;
    const std::size_t batch = std::max<std::size_t>(1, burst_bytes / say_.frame_size());
    const std::uint64_t now = now_ns();
    auto& out = s.conn.output();
    for (std::size_t i = 0; i < batch; ++i) say_.append(out, stamp{s.conn.index(), s.next++, now});
    s.conn.flush();
  }

  void finish_sender(sender& s) {
    s.done = true;
    senders_done.add();
  }

  worker& worker_;
  const settings& settings_;
  const say_template say_;
  std::uint64_t t0_ = 0;
  std::uint64_t expected_per_member_ = 0;
  std::size_t counted_members_ = 0;
  std::vector<std::unique_ptr<sender>> senders_;
  std::vector<std::unique_ptr<sender>> flooders_;
  std::vector<sender*> sender_of_slot_;
  std::vector<member> members_;  // by connection slot
  member no_member_;
  histogram latency_;
  std::uint64_t duplicated_ = 0, out_of_order_ = 0, foreign_ = 0, late_ = 0, worst_late_ns_ = 0;
};

std::string format_ns(std::uint64_t ns) {
  char text[32];
  if (ns < 10'000)
    std::snprintf(text, sizeof text, "%.1f us", static_cast<double>(ns) / 1e3);
  else if (ns < 10'000'000)
    std::snprintf(text, sizeof text, "%.0f us", static_cast<double>(ns) / 1e3);
  else
    std::snprintf(text, sizeof text, "%.1f ms", static_cast<double>(ns) / 1e6);
  return text;
}

}  // namespace

int run_room(const settings& s, const boost::asio::ip::tcp::endpoint& server) {
  problem_log problems;
  fleet f(s, server, problems);
  std::vector<std::unique_ptr<room_events>> events;
  for (auto& w : f.workers()) {
    events.push_back(std::make_unique<room_events>(*w, s));
    w->set_events(*events.back());
  }
  for (unsigned i = 0; i < s.members; ++i) {
    connection& c = f.add(s.room);
    if (i < s.senders) events[i % events.size()]->add_sender(c);
    else if (i < s.senders + s.flooders) events[i % events.size()]->add_flooder(c);
  }
  const auto sum = [&](counter room_events::*which) {
    std::uint64_t total = 0;
    for (const auto& e : events) total += ((*e).*which).get();
    return total;
  };
  const auto latest = [&](counter room_events::*which) {
    std::uint64_t last = 0;
    for (const auto& e : events) last = std::max(last, ((*e).*which).get());
    return last;
  };

  summary out;
  out.line("room           \"" + s.room + "\": " + std::to_string(s.members) + " members, " +
           std::to_string(s.senders) + " senders x " + std::to_string(s.messages) + " messages of " +
           std::to_string(s.size) + " bytes, " +
           (s.rate > 0 ? fixed(s.rate, 0) + " messages/s per sender" : std::string("flat out")) +
           (s.flooders ? ", " + std::to_string(s.flooders) + " flooder(s) flat out" : std::string()) +
           ", " + std::to_string(f.workers().size()) + " thread(s)");
  const std::uint64_t join_start = now_ns();
  f.connect(s.concurrency);
  f.wait_settled(std::chrono::duration<double>(s.timeout));
  const std::uint64_t ready = f.total(&worker::counters::ready);
  const std::uint64_t ready_senders = sum(&room_events::ready_senders);
  out.line("joined         " + std::to_string(ready) + " of " + std::to_string(s.members) + " in " +
           fixed(static_cast<double>(now_ns() - join_start) / 1e9, 3) + " s");
  if (ready == 0 || ready_senders == 0) {
    std::cerr << "chat_load: no " << (ready == 0 ? "member" : "sender") << " could join\n";
    f.finish();
    summarise_connections(f, problems, out);
    return 1;
  }

  const std::uint64_t expected_per_member = ready_senders * s.messages;
  const auto chatd_before = s.pid ? process_cpu_seconds(s.pid) : std::nullopt;
  const double own_before = own_cpu_seconds();
  const std::uint64_t t0 = now_ns();
  for (std::size_t i = 0; i < events.size(); ++i)
    boost::asio::post(f.workers()[i]->io(), [e = events[i].get(), t0, expected_per_member] {
      e->prepare(t0, expected_per_member);
    });
  wait_until([&] { return sum(&room_events::prepared) == events.size(); },
             std::chrono::duration<double>(s.timeout));
  for (std::size_t i = 0; i < events.size(); ++i)
    boost::asio::post(f.workers()[i]->io(), [e = events[i].get()] { e->start(); });

  // Until every member still there has everything, or --timeout after the last send.
  bool timed_out = false;
  wait_until(
      [&] {
        using c = worker::counters;
        if (sum(&room_events::complete) + f.total(&c::dropped) + f.total(&c::cut_off) >= ready)
          return true;
        if (sum(&room_events::senders_done) < ready_senders) return false;
        // The last send is read before the clock: a send stamped later than `now` is impossible.
        const std::uint64_t last_send = latest(&room_events::last_send_ns);
        const std::uint64_t now = now_ns();
        if (now > last_send && static_cast<double>(now - last_send) / 1e9 > s.timeout)
          return timed_out = true;
        return false;
      },
      std::chrono::hours(24 * 365));
  const std::uint64_t t_end = std::max(latest(&room_events::last_delivery_ns), t0);
  const auto chatd_after = s.pid ? process_cpu_seconds(s.pid) : std::nullopt;
  const double own_after = own_cpu_seconds();
  f.finish();

  room_events::results r;
  for (const auto& e : events) e->add_results(r);
  const std::uint64_t delivered = sum(&room_events::delivered);
  const std::uint64_t expected = r.members * expected_per_member;
  const double seconds = static_cast<double>(t_end - t0) / 1e9;
  const double per_second = seconds > 0 ? static_cast<double>(delivered) / seconds : 0;
  const double millions = static_cast<double>(delivered) / 1e6;

  out.line("elapsed        " + fixed(seconds, 3) + " s, first send to last delivery" +
           (timed_out ? " (timed out waiting for the rest)" : ""));
  out.line("delivered      " + std::to_string(delivered) + " of " + std::to_string(expected) +
           " expected: lost " + std::to_string(r.lost) + ", duplicated " + std::to_string(r.duplicated) +
           ", out of order " + std::to_string(r.out_of_order) +
           (r.foreign ? ", not ours " + std::to_string(r.foreign) : std::string()));
  out.line("throughput     " + human(per_second) + " deliveries/s, " +
           human(seconds > 0 ? static_cast<double>(r.said) / seconds : 0) + " messages said/s");
  const auto& h = r.latency;
  out.line("latency        p50 " + format_ns(h.quantile(0.50)) + ", p90 " + format_ns(h.quantile(0.90)) +
           ", p99 " + format_ns(h.quantile(0.99)) + ", p99.9 " + format_ns(h.quantile(0.999)) +
           ", max " + format_ns(h.max()) + " (send to receipt)");
  if (s.rate > 0)
    out.line("late sends     " + std::to_string(r.late) + " more than 1 ms behind schedule, worst " +
             format_ns(r.worst_late_ns));
  out.add("mode", "room");
  out.add("members", std::uint64_t{s.members});
  out.add("ready", ready);
  out.add("senders", ready_senders);
  out.add("messages", std::uint64_t{s.messages});
  out.add("size", std::uint64_t{s.size});
  out.add("rate", s.rate, 0);
  if (s.flooders) out.add("flooders", std::uint64_t{s.flooders});
  out.add("threads", std::uint64_t{f.workers().size()});
  out.add("expected", expected);
  out.add("delivered", delivered);
  out.add("lost", r.lost);
  out.add("duplicated", r.duplicated);
  out.add("out_of_order", r.out_of_order);
  out.add("elapsed_s", seconds, 3);
  out.add("deliveries_per_s", per_second, 0);
  out.add("p50_us", static_cast<double>(h.quantile(0.50)) / 1e3, 1);
  out.add("p90_us", static_cast<double>(h.quantile(0.90)) / 1e3, 1);
  out.add("p99_us", static_cast<double>(h.quantile(0.99)) / 1e3, 1);
  out.add("p999_us", static_cast<double>(h.quantile(0.999)) / 1e3, 1);
  out.add("max_us", static_cast<double>(h.max()) / 1e3, 1);
  if (s.rate > 0) out.add("late", r.late);
  out.add("timed_out", std::uint64_t{timed_out});
  summarise_connections(f, problems, out);
  if (chatd_before && chatd_after) {
    const double cpu = *chatd_after - *chatd_before;
    out.line("chatd CPU      " + fixed(cpu, 2) + " s" +
             (millions > 0 ? ", " + fixed(cpu / millions, 3) + " s per million deliveries" : ""));
    out.add("chatd_cpu_s", cpu, 2);
    if (millions > 0) out.add("chatd_cpu_s_per_M", cpu / millions, 3);
  } else if (s.pid) {
    out.line("chatd CPU      cannot read /proc/" + std::to_string(s.pid) + "/stat");
  }
  const double own = own_after - own_before;
  // Busy threads queue what they read, which then shows as latency the server did not cause.
  const double busy = seconds > 0 ? own / seconds / static_cast<double>(f.workers().size()) : 0;
  out.line("chat_load CPU  " + fixed(own, 2) + " s" +
           (millions > 0 ? ", " + fixed(own / millions, 3) + " s per million deliveries" : "") +
           ", " + fixed(100 * busy, 0) + " % of its " + std::to_string(f.workers().size()) +
           " thread(s)" +
           (busy > 0.9 ? ": saturated, its own queueing is in the latencies (try --threads)" : ""));
  out.add("load_cpu_s", own, 2);
  if (millions > 0) out.add("load_cpu_s_per_M", own / millions, 3);
  out.add("load_busy", busy, 2);
  out.finish();

  const bool clean = !timed_out && r.lost == 0 && r.duplicated == 0 && r.out_of_order == 0 &&
                     ready == s.members && f.total(&worker::counters::dropped) == 0 &&
                     f.total(&worker::counters::cut_off) == 0;
  return clean ? 0 : 1;
}

}  // namespace load
