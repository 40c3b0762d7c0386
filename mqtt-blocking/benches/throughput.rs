//! End-to-end throughput through mosquitto: mqtt-blocking against rumqttc's
//! sync client (`rumqttc::Client` / `Connection`), side by side in one run.
//!
//! ```sh
//! cargo bench -p mqtt-blocking --bench throughput
//! ```
//!
//! Needs `mosquitto` (skips with a message when it is not installed) and uses
//! `taskset`, when there and when the machine has two CPUs or more, to pin
//! mosquitto to CPU 0 and the client processes to CPU 1.
//!
//! # What runs
//!
//! For each configuration (QoS 0: 100,000 messages; QoS 1 and QoS 2: 20,000
//! messages with 100 in flight; 64-byte payloads, MQTT 3.1.1) and each client,
//! one **subscriber process** and one **publisher process**, both this binary
//! run again with `--role sub` / `--role pub`, talk to one mosquitto on
//! 127.0.0.1. The subscriber subscribes at the publishes' QoS to a topic of
//! its own and says `READY` after its SUBACK; then the publisher connects,
//! publishes every message in a tight loop, and waits until all are complete
//! (QoS 0: written to the socket; QoS 1: PUBACK; QoS 2: PUBCOMP). Each client
//! talks to itself: an mqtt-blocking publisher to an mqtt-blocking subscriber,
//! rumqttc to rumqttc. Four clients take turns: mqtt-blocking with its
//! defaults (`TCP_NODELAY`) and with `tcp_nodelay(false)` (Nagle's algorithm
//! on), rumqttc with its default network options (Nagle's algorithm on), and
//! rumqttc with `TCP_NODELAY`; each configuration runs 5 times per client, the
//! order rotating, and the table shows medians. Each rumqttc row is compared
//! with the mqtt-blocking row of the same socket option, and the targets are
//! checked on both pairs; the table after them also compares mqtt-blocking's
//! defaults with the better rumqttc configuration.
//!
//! # What is measured
//!
//! - **messages/s** = distinct messages the subscriber received / (wall-clock
//!   time the subscriber's application saw the last message − wall-clock time
//!   just before the publisher's first publish call). The two processes share
//!   the system's real-time clock.
//! - **lost** = messages published minus distinct messages received (the
//!   subscriber gives up 3 s after the last message it got). Each payload
//!   carries its sequence number, so duplicates are counted apart and never
//!   hide a loss.
//! - **publisher CPU per message** = CPU time (user + system) of the whole
//!   publisher process, all its threads, from just before the first publish to
//!   the moment every publish is complete, divided by the number of messages.
//!   It is read from `/proc/self/task/*/schedstat` (nanoseconds, summed over
//!   threads), cross-checked with `/proc/self/stat` utime + stime (10 ms
//!   ticks). Both clients do their network I/O on a thread of their own, so
//!   the publishing thread alone would not be a fair measure.
//! - **subscriber CPU per message**, the same for the subscriber process from
//!   `READY` to its last message: the client processes share CPU 1, so at QoS 1
//!   and 2 the rate is about one CPU divided by the sum of the two.
//!
//! mosquitto runs with `max_inflight_messages 1000`, `max_queued_messages
//! 10000000` and `max_queued_bytes 0`, so it queues rather than drops, and
//! logs no per-message lines.
//!
//! # Other processes
//!
//! Before each run the bench waits (up to 60 s) until the CPUs are idle, and
//! after it compares the busy time of all CPUs (`/proc/stat`, steal included)
//! with the CPU time of mosquitto, the two client processes and itself. When
//! other processes used more than 0.15 CPU on average, the run is repeated (up
//! to 5 times, then kept and marked `NOISY`). Loopback TCP work done in soft
//! interrupts counts as "other" too, about 0.05 CPU.
//!
//! # Configuration of the clients
//!
//! Both: clean session, keep alive 60 s, client ids unique per run.
//! mqtt-blocking: `max_inflight_messages(100)`, `max_queued_messages(messages
//! + 1000)` so publishes queue instead of failing; the publisher keeps the
//! tokens and waits for each one in turn at the end; the subscriber counts in
//! `on_message`, run by `loop_start`'s thread. rumqttc 0.25: `set_inflight(100)`,
//! request channel capacity = messages (the publishing thread never blocks on
//! it), max packet sizes 1 MiB both ways; a thread of the publisher iterates
//! the `Connection` and counts `Outgoing::Publish` (QoS 0), `PubAck` (QoS 1) or
//! `PubComp` (QoS 2); the subscriber iterates its `Connection` and counts
//! `Incoming::Publish`.
//!
//! # Environment
//!
//! For quick trials: `MQTT_BENCH_REPS` (default 5), `MQTT_BENCH_SCALE` (a
//! factor on the message counts, default 1) and `MQTT_BENCH_QOS` (say `1,2` to
//! run only those). To compare two builds of mqtt-blocking, each against the
//! same rumqttc: `MQTT_BENCH_OURS_EXE=<a copy of this bench binary built from
//! the other source>` runs the mqtt-blocking processes from that binary.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mqtt_blocking::{Client, ClientOptions};
use mqtt_testkit::bench::{
    self, AnyResult, BenchClient, FIRST_MESSAGE_TIMEOUT, IDLE, NOISE, Received, Settings, median, payload, ratio,
    ready, say, table_head, table_row, wall_ns,
};

/// A publisher gives up waiting for completions after this long.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(120);

fn main() -> AnyResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(role) = bench::arg(&args, "--role") {
        let spec = Spec::from_args(&args)?;
        return match (role.as_str(), spec.lib) {
            ("pub", Lib::Ours | Lib::OursNagle) => ours::publisher(&spec),
            ("pub", Lib::Rumqttc | Lib::RumqttcNodelay) => rumq::publisher(&spec),
            ("sub", Lib::Ours | Lib::OursNagle) => ours::subscriber(&spec),
            ("sub", Lib::Rumqttc | Lib::RumqttcNodelay) => rumq::subscriber(&spec),
            _ => Err(format!("unknown role {role}").into()),
        };
    }
    orchestrate()
}

// ---------------------------------------------------------------------------
// Shared bits (the rest is in mqtt_testkit::bench)
// ---------------------------------------------------------------------------

/// The clients compared, in the order of the table.
const LIBS: [Lib; 4] = [Lib::Ours, Lib::OursNagle, Lib::Rumqttc, Lib::RumqttcNodelay];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lib {
    /// mqtt-blocking with its defaults (`TCP_NODELAY`).
    Ours,
    /// mqtt-blocking with `tcp_nodelay(false)`: Nagle's algorithm on.
    OursNagle,
    /// rumqttc with its default network options (Nagle's algorithm on).
    Rumqttc,
    /// rumqttc with `TCP_NODELAY`, the socket option mqtt-blocking always sets.
    RumqttcNodelay,
}

impl Lib {
    /// Whether the client sets `TCP_NODELAY`.
    fn nodelay(self) -> bool {
        matches!(self, Lib::Ours | Lib::RumqttcNodelay)
    }
    /// The mqtt-blocking row with the same socket option as this one.
    fn ours(self) -> usize {
        if self.nodelay() { 0 } else { 1 }
    }
    fn name(self) -> &'static str {
        match self {
            Lib::Ours => "mqtt-blocking",
            Lib::OursNagle => "mqtt-blocking nagle",
            Lib::Rumqttc => "rumqttc",
            Lib::RumqttcNodelay => "rumqttc nodelay",
        }
    }
    /// How the table names it.
    fn label(self) -> &'static str {
        match self {
            Lib::Ours => "mqtt-blocking (defaults: TCP_NODELAY)",
            Lib::OursNagle => "mqtt-blocking (tcp_nodelay(false): Nagle on)",
            Lib::Rumqttc => "rumqttc (defaults: Nagle on)",
            Lib::RumqttcNodelay => "rumqttc (TCP_NODELAY, as ours)",
        }
    }
}

impl BenchClient for Lib {
    fn arg(self) -> &'static str {
        match self {
            Lib::Ours => "ours",
            Lib::OursNagle => "ours-nagle",
            Lib::Rumqttc => "rumqttc",
            Lib::RumqttcNodelay => "rumqttc-nodelay",
        }
    }
    fn from_arg(arg: &str) -> Option<Self> {
        LIBS.into_iter().find(|l| l.arg() == arg)
    }
}

/// One side of one trial, as passed on the command line.
type Spec = bench::Spec<Lib>;

/// CPU time of this process, all threads: (ns from schedstat, ns from stat ticks).
fn process_cpu() -> (u64, u64) {
    (bench::process_cpu_ns(), bench::process_ticks_ns())
}

/// Waits until the subscriber has everything, or until it stopped getting
/// messages, then prints its result line.
fn finish_subscriber(state: &Arc<Mutex<Received>>, done: &mpsc::Receiver<()>) {
    let cpu0 = bench::process_cpu_ns();
    let mut cpu1 = cpu0;
    let mut last_distinct = usize::MAX;
    let mut waited = Duration::ZERO;
    loop {
        if done.recv_timeout(IDLE).is_ok() {
            cpu1 = bench::process_cpu_ns();
            break;
        }
        let distinct = state.lock().map(|s| s.distinct).unwrap_or(0);
        if distinct != last_distinct {
            // Still receiving: the CPU time until the last message is about now.
            cpu1 = bench::process_cpu_ns();
        }
        if distinct == 0 {
            waited += IDLE;
            if waited < FIRST_MESSAGE_TIMEOUT {
                continue;
            }
            break;
        }
        if distinct == last_distinct {
            break; // nothing new for IDLE
        }
        last_distinct = distinct;
    }
    let s = state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    s.print(cpu1.saturating_sub(cpu0));
}

/// What a publisher prints once every publish is complete.
fn print_publisher_result(count: usize, failed: usize, t0: u64, t1: u64, cpu0: (u64, u64), cpu1: (u64, u64)) {
    say(format_args!(
        "RESULT published={count} failed={failed} first_ns={t0} done_ns={t1} cpu_ns={} cpu_ticks_ns={}",
        cpu1.0.saturating_sub(cpu0.0),
        cpu1.1.saturating_sub(cpu0.1)
    ));
}

// ---------------------------------------------------------------------------
// mqtt-blocking
// ---------------------------------------------------------------------------

mod ours {
    use super::*;
    use mqtt_testkit::bench::qos;

    pub(super) fn publisher(spec: &Spec) -> AnyResult<()> {
        let options = ClientOptions::new(&spec.id)
            .keepalive(60)
            .max_inflight_messages(100)
            .max_queued_messages(spec.count + 1000)
            .tcp_nodelay(spec.lib.nodelay());
        let client = Client::new(options);
        client.connect("127.0.0.1", spec.port)?;
        let q = qos(spec.qos);
        let mut tokens = Vec::with_capacity(if spec.qos == 0 { 0 } else { spec.count });

        let cpu0 = process_cpu();
        let t0 = wall_ns();
        for seq in 0..spec.count {
            let token = client.publish(&spec.topic, payload(seq), q, false)?;
            if spec.qos > 0 {
                tokens.push(token);
            }
        }
        let mut failed = 0;
        for token in &tokens {
            if token.wait_for_publish(PUBLISH_TIMEOUT).is_err() {
                failed += 1;
            }
        }
        let t1 = wall_ns();
        let cpu1 = process_cpu();

        print_publisher_result(spec.count, failed, t0, t1, cpu0, cpu1);
        client.disconnect()?;
        Ok(())
    }

    pub(super) fn subscriber(spec: &Spec) -> AnyResult<()> {
        let client = Client::new(ClientOptions::new(&spec.id).keepalive(60).tcp_nodelay(spec.lib.nodelay()));
        let state = Arc::new(Mutex::new(Received::new(spec.count)));
        let (done_tx, done_rx) = mpsc::channel();
        let (suback_tx, suback_rx) = mpsc::channel();
        let s = state.clone();
        client.on_message(move |_, m| {
            let all = s.lock().map(|mut s| s.record(&m.payload)).unwrap_or(false);
            if all {
                let _ = done_tx.send(());
            }
        });
        client.on_subscribe(move |_, _, results| {
            let _ = suback_tx.send(results.iter().all(Result::is_ok));
        });
        client.connect("127.0.0.1", spec.port)?;
        client.loop_start()?;
        client.subscribe((spec.topic.as_str(), qos(spec.qos)))?;
        if !suback_rx.recv_timeout(Duration::from_secs(10))? {
            return Err("subscription refused".into());
        }
        ready();
        finish_subscriber(&state, &done_rx);
        let _ = client.disconnect();
        let _ = client.loop_stop();
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// rumqttc (sync client)
// ---------------------------------------------------------------------------

mod rumq {
    use super::*;
    use mqtt_testkit::bench::peer::{self, qos};
    use rumqttc::{Event, MqttOptions, Outgoing, Packet};

    fn options(spec: &Spec) -> MqttOptions {
        peer::options(spec.id.clone(), spec.port, spec.count.max(10))
    }

    /// rumqttc's TCP options: its defaults, or Nagle's algorithm off as in
    /// mqtt-blocking.
    fn tune(spec: &Spec, connection: &mut rumqttc::Connection) {
        if spec.lib == Lib::RumqttcNodelay {
            connection.eventloop.set_network_options(peer::nodelay());
        }
    }

    enum Note {
        Connected,
        Done,
        Failed(String),
    }

    pub(super) fn publisher(spec: &Spec) -> AnyResult<()> {
        let (client, mut connection) = rumqttc::Client::new(options(spec), spec.count.max(10));
        tune(spec, &mut connection);
        let (tx, rx) = mpsc::channel();
        let (count, q) = (spec.count, spec.qos);
        std::thread::Builder::new().name("rumqttc-connection".into()).spawn(move || {
            let mut complete = 0usize;
            for event in connection.iter() {
                let counted = match event {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        let _ = tx.send(Note::Connected);
                        false
                    }
                    Ok(Event::Outgoing(Outgoing::Publish(_))) => q == 0,
                    Ok(Event::Incoming(Packet::PubAck(_))) => q == 1,
                    Ok(Event::Incoming(Packet::PubComp(_))) => q == 2,
                    Ok(_) => false,
                    Err(e) => {
                        let _ = tx.send(Note::Failed(e.to_string()));
                        return;
                    }
                };
                if counted {
                    complete += 1;
                    if complete == count {
                        let _ = tx.send(Note::Done);
                    }
                }
            }
        })?;
        match rx.recv_timeout(Duration::from_secs(10))? {
            Note::Connected => {}
            Note::Failed(e) => return Err(e.into()),
            Note::Done => return Err("done before connected?".into()),
        }
        let q = qos(spec.qos);

        let cpu0 = process_cpu();
        let t0 = wall_ns();
        for seq in 0..spec.count {
            client.publish(spec.topic.as_str(), q, false, payload(seq))?;
        }
        let failed = match rx.recv_timeout(PUBLISH_TIMEOUT)? {
            Note::Done => 0,
            Note::Failed(e) => return Err(e.into()),
            Note::Connected => return Err("connected twice".into()),
        };
        let t1 = wall_ns();
        let cpu1 = process_cpu();

        print_publisher_result(spec.count, failed, t0, t1, cpu0, cpu1);
        let _ = client.disconnect();
        std::thread::sleep(Duration::from_millis(50));
        // The connection thread would go on reconnecting; end the process here.
        std::process::exit(0);
    }

    pub(super) fn subscriber(spec: &Spec) -> AnyResult<()> {
        let (client, mut connection) = rumqttc::Client::new(options(spec), 10);
        tune(spec, &mut connection);
        let state = Arc::new(Mutex::new(Received::new(spec.count)));
        let (done_tx, done_rx) = mpsc::channel();
        let (suback_tx, suback_rx) = mpsc::channel();
        let s = state.clone();
        client.subscribe(spec.topic.as_str(), qos(spec.qos))?;
        std::thread::Builder::new().name("rumqttc-connection".into()).spawn(move || {
            for event in connection.iter() {
                match event {
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let all = s.lock().map(|mut s| s.record(&p.payload)).unwrap_or(false);
                        if all {
                            let _ = done_tx.send(());
                        }
                    }
                    Ok(Event::Incoming(Packet::SubAck(ack))) => {
                        let ok = ack.return_codes.iter().all(|c| !matches!(c, rumqttc::SubscribeReasonCode::Failure));
                        let _ = suback_tx.send(ok);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        eprintln!("rumqttc subscriber: {e}");
                        return;
                    }
                }
            }
        })?;
        if !suback_rx.recv_timeout(Duration::from_secs(10))? {
            return Err("subscription refused".into());
        }
        ready();
        finish_subscriber(&state, &done_rx);
        std::process::exit(0);
    }
}

// ---------------------------------------------------------------------------
// The orchestrator
// ---------------------------------------------------------------------------

/// One trial's figures.
#[derive(Clone, Copy, Debug)]
struct Trial {
    rate: f64,
    lost: usize,
    duplicates: usize,
    cpu_per_msg_ns: f64,
    cpu_ticks_per_msg_ns: f64,
    /// The subscriber process's CPU time per message received.
    sub_cpu_per_msg_ns: f64,
    /// CPU used by other processes during the trial, in cores (0.1 = a tenth of
    /// one CPU on average).
    foreign: f64,
}

type Runner = bench::Runner<Lib>;

fn trial(runner: &mut Runner, lib: Lib, qos: u8, count: usize) -> AnyResult<Trial> {
    let spec = runner.spec(lib, qos, count);
    let bench::Pair { publisher: pub_result, subscriber: sub_result, other: foreign } = runner.pair(&spec)?;
    let received = sub_result.get("received")? as usize;
    let first = pub_result.get("first_ns")?;
    let last = sub_result.get("last_ns")?;
    let failed = pub_result.get("failed")?;
    if failed > 0 {
        eprintln!("  {} QoS {qos}: {failed} publishes failed", lib.name());
    }
    let seconds = last.saturating_sub(first) as f64 / 1e9;
    Ok(Trial {
        rate: if seconds > 0.0 { received as f64 / seconds } else { 0.0 },
        lost: count - received,
        duplicates: sub_result.get("duplicates")? as usize,
        cpu_per_msg_ns: pub_result.get("cpu_ns")? as f64 / count as f64,
        cpu_ticks_per_msg_ns: pub_result.get("cpu_ticks_ns")? as f64 / count as f64,
        sub_cpu_per_msg_ns: sub_result.get("cpu_ns")? as f64 / received.max(1) as f64,
        foreign,
    })
}

/// A trial run while the machine is otherwise quiet: waits (up to 60 s) for a
/// quiet moment first, and runs again (up to 5 times in all) when other
/// processes used more than [`NOISE`] of a CPU meanwhile. Returns the trial
/// and whether it is still noisy.
fn quiet_trial(runner: &mut Runner, lib: Lib, qos: u8, count: usize) -> AnyResult<(Trial, bool)> {
    let mut last = None;
    for _ in 0..5 {
        bench::wait_for_quiet(Duration::from_secs(60));
        let t = trial(runner, lib, qos, count)?;
        if t.foreign <= NOISE {
            return Ok((t, false));
        }
        eprintln!(
            "  (QoS {qos} {}: other processes used {:.2} CPUs during the run; running it again)",
            lib.name(),
            t.foreign
        );
        last = Some(t);
    }
    Ok((last.ok_or("no trial")?, true))
}

fn orchestrate() -> AnyResult<()> {
    if bench::skip_without_mosquitto() {
        return Ok(());
    }
    let settings = Settings::from_env();
    let reps = settings.reps;

    let mut broker = bench::broker().start()?;
    let taskset = bench::pin_broker(&mut broker)?;
    let mut runner = Runner::new(&mut broker, taskset)?;
    if let Some(exe) = std::env::var_os("MQTT_BENCH_OURS_EXE") {
        runner.exe_for(Lib::Ours, exe.clone().into());
        runner.exe_for(Lib::OursNagle, exe.into());
    }

    // Warm-up (not counted): page cache, mosquitto's allocator.
    for lib in LIBS {
        trial(&mut runner, lib, 0, settings.scaled(10_000))?;
        trial(&mut runner, lib, 1, settings.scaled(2_000))?;
    }

    // Per configuration, the trials of each client, in LIBS order.
    let mut results: Vec<(u8, usize, [Vec<Trial>; 4])> = Vec::new();
    let mut noisy_runs = 0;
    for (qos, count) in settings.configs() {
        let mut trials: [Vec<Trial>; 4] = Default::default();
        // Each client goes first, second and third in turn.
        for (rep, i) in bench::rotation(reps, LIBS.len()) {
            let lib = LIBS[i];
            let (t, noisy) = quiet_trial(&mut runner, lib, qos, count)?;
            noisy_runs += usize::from(noisy);
            println!(
                "  QoS {qos} run {} {:<15} {:>7.0} msg/s  lost {:>5}  dup {:>4}  pub cpu {:>5.0} ns/msg (ticks {:>5.0})  sub cpu {:>5.0} ns/msg  other processes {:.2} CPU{}",
                rep + 1,
                lib.name(),
                t.rate,
                t.lost,
                t.duplicates,
                t.cpu_per_msg_ns,
                t.cpu_ticks_per_msg_ns,
                t.sub_cpu_per_msg_ns,
                t.foreign,
                if noisy { "  NOISY" } else { "" }
            );
            trials[i].push(t);
        }
        results.push((qos, count, trials));
    }
    drop(broker);

    bench::throughput_table_head(reps, &[("ours ÷ this", true), ("subscriber CPU/msg", true)]);
    let mut summary = Vec::new();
    for (qos, count, trials) in &results {
        let med = |v: &[Trial], f: fn(&Trial) -> f64| median(v.iter().map(f).collect());
        let rate: Vec<f64> = trials.iter().map(|t| med(t, |t| t.rate)).collect();
        let cpu: Vec<f64> = trials.iter().map(|t| med(t, |t| t.cpu_per_msg_ns)).collect();
        let sub: Vec<f64> = trials.iter().map(|t| med(t, |t| t.sub_cpu_per_msg_ns)).collect();
        for (i, lib) in LIBS.iter().enumerate() {
            let lost: usize = trials[i].iter().map(|t| t.lost).sum();
            // Each rumqttc row against the mqtt-blocking row with its socket option.
            let o = lib.ours();
            let (rate_ratio, cpu_ratio) =
                if i < 2 { (String::new(), String::new()) } else { (ratio(rate[o], rate[i]), ratio(cpu[o], cpu[i])) };
            table_row([
                qos.to_string(),
                count.to_string(),
                lib.label().to_owned(),
                format!("{:.0}", rate[i]),
                rate_ratio,
                lost.to_string(),
                format!("{:.2} µs", cpu[i] / 1000.0),
                cpu_ratio,
                format!("{:.2} µs", sub[i] / 1000.0),
            ]);
        }
        // Like for like: the worse of the two pairs of the same socket option.
        let pairs = [2, 3].map(|i| (rate[LIBS[i].ours()] / rate[i], cpu[LIBS[i].ours()] / cpu[i]));
        let like = (pairs[0].0.min(pairs[1].0), pairs[0].1.max(pairs[1].1));
        // Across: mqtt-blocking's defaults against the better rumqttc.
        let across = (rate[0] / rate[2].max(rate[3]), cpu[0] / cpu[2].min(cpu[3]));
        summary.push((*qos, like, across));
    }
    println!();
    println!("(lost: summed over the {reps} runs; \"ours ÷ this\": msg/s higher is better, CPU lower is better)");
    println!();
    println!("Targets: each rumqttc configuration against mqtt-blocking with the same socket option (the worse");
    println!("of the two pairs), and mqtt-blocking's defaults against the better rumqttc configuration:");
    println!();
    table_head(&[
        ("target", false),
        ("needed", true),
        ("same socket option", true),
        ("met", false),
        ("defaults vs better rumqttc", true),
        ("met", false),
    ]);
    let yes = |ok: bool| if ok { "yes" } else { "**no**" };
    for (qos, like, across) in summary {
        let row = |what: &str, need: &str, l: f64, a: f64, ok: &dyn Fn(f64) -> bool| {
            println!("| {what} | {need} | {l:.2}× | {} | {a:.2}× | {} |", yes(ok(l)), yes(ok(a)));
        };
        if qos == 0 {
            row("QoS 0 msg/s", "≥ 1.00×", like.0, across.0, &|r| r >= 1.0);
            row("QoS 0 publisher CPU/msg", "≤ 0.50×", like.1, across.1, &|r| r <= 0.5);
        } else {
            row(&format!("QoS {qos} msg/s"), "≥ 1.15×", like.0, across.0, &|r| r >= 1.15);
        }
    }
    if noisy_runs > 0 {
        println!();
        println!("WARNING: {noisy_runs} runs had other processes using more than {NOISE} CPU throughout 5 attempts");
    }
    Ok(())
}
