//! The harness shared by the adapter crates' throughput benches
//! (`mqtt-blocking/benches/throughput.rs`, `mqtt-smol/benches/throughput.rs`).
//!
//! Each bench binary is both the orchestrator and, run again with `--role …`,
//! the client processes it measures. This module holds what does not depend on
//! the clients compared:
//!
//! - the command line of a client process ([`Spec`], generic over the bench's
//!   list of clients through [`BenchClient`]; [`qos`] maps `--qos`);
//! - the messages: [`payload`] carries its sequence number, [`Received`] counts
//!   distinct, duplicate and malformed messages;
//! - clocks: [`wall_ns`] (shared by the processes), [`process_cpu_ns`] (all
//!   threads, from `/proc/self/task/*/schedstat`), [`process_ticks_ns`]
//!   (`/proc/self/stat`), [`proc_ticks`] and [`final_ticks`] for other
//!   processes, [`system_busy_ticks`] and [`wait_for_quiet`] for the machine;
//! - the `RESULT key=value …` lines a client process prints ([`say`]) and the
//!   orchestrator reads ([`read_line`], [`parse_result`]);
//! - the orchestrator's side: the bench's mosquitto ([`broker`], pinned by
//!   [`pin_broker`]), a [`Runner`] that spawns the client processes (pinned to
//!   CPU 1 with `taskset`) and runs a subscriber/publisher pair, the
//!   environment ([`Settings`], [`rotation`]), [`median`] and Markdown tables
//!   ([`throughput_table_head`], [`table_head`], [`table_row`], [`ratio`]);
//! - with the `rumqttc` feature, `peer`: the peer's options, alike in both
//!   benches.
//!
//! Linux only: the CPU figures come from `/proc`.

use std::collections::HashMap;
use std::fmt::Display;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::{Mosquitto, MosquittoBuilder};

/// The error type of the bench binaries.
pub type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The size of every payload, in bytes.
pub const PAYLOAD_LEN: usize = 64;
/// A subscriber that got nothing for this long after its last message stops.
pub const IDLE: Duration = Duration::from_secs(3);
/// A subscriber that got nothing at all stops after this long.
pub const FIRST_MESSAGE_TIMEOUT: Duration = Duration::from_secs(60);
/// Other processes may use at most this many CPUs on average during a quiet
/// trial (see [`wait_for_quiet`]).
pub const NOISE: f64 = 0.15;

// ---------------------------------------------------------------------------
// Client processes' command line
// ---------------------------------------------------------------------------

/// The clients a bench compares (an enum of the bench's own).
pub trait BenchClient: Copy + Eq + std::fmt::Debug {
    /// The value of `--client` for this client.
    fn arg(self) -> &'static str;
    /// The client named by a `--client` value.
    fn from_arg(arg: &str) -> Option<Self>;
}

/// One side of one trial, as passed on the command line.
#[derive(Clone, Debug)]
pub struct Spec<C> {
    /// The client under test.
    pub lib: C,
    /// The QoS of the publishes and the subscription (0, 1 or 2).
    pub qos: u8,
    /// How many messages (or clients, for an idle-memory run).
    pub count: usize,
    /// mosquitto's port on 127.0.0.1.
    pub port: u16,
    /// The topic of this trial.
    pub topic: String,
    /// The client id of this trial (the role is appended for each process).
    pub id: String,
}

impl<C: BenchClient> Spec<C> {
    /// Reads the spec from a client process's arguments.
    pub fn from_args(args: &[String]) -> AnyResult<Self> {
        let need = |k: &str| arg(args, k).ok_or_else(|| format!("missing {k}"));
        let client = need("--client")?;
        Ok(Spec {
            lib: C::from_arg(&client).ok_or_else(|| format!("unknown client {client}"))?,
            qos: need("--qos")?.parse()?,
            count: need("--count")?.parse()?,
            port: need("--port")?.parse()?,
            topic: need("--topic")?,
            id: need("--id")?,
        })
    }

    /// The arguments of the process that plays `role` (`pub`, `sub`, …).
    pub fn to_args(&self, role: &str) -> Vec<String> {
        [
            ("--role", role.to_owned()),
            ("--client", self.lib.arg().to_owned()),
            ("--qos", self.qos.to_string()),
            ("--count", self.count.to_string()),
            ("--port", self.port.to_string()),
            ("--topic", self.topic.clone()),
            ("--id", format!("{}-{role}", self.id)),
        ]
        .into_iter()
        .flat_map(|(k, v)| [k.to_owned(), v])
        .collect()
    }
}

/// The QoS named by `--qos` (0, 1, anything else: 2), as the adapter crates
/// take it (they re-export [`mqtt_proto::QoS`]).
pub fn qos(q: u8) -> mqtt_proto::QoS {
    match q {
        0 => mqtt_proto::QoS::AtMostOnce,
        1 => mqtt_proto::QoS::AtLeastOnce,
        _ => mqtt_proto::QoS::ExactlyOnce,
    }
}

/// The value after `key` in `args`.
pub fn arg(args: &[String], key: &str) -> Option<String> {
    args.iter().position(|a| a == key).and_then(|i| args.get(i + 1)).cloned()
}

// ---------------------------------------------------------------------------
// Messages and clocks
// ---------------------------------------------------------------------------

/// The payload of message `seq`: its sequence number (8 bytes, little
/// endian), then filler, [`PAYLOAD_LEN`] bytes.
pub fn payload(seq: usize) -> Vec<u8> {
    let mut p = vec![b'x'; PAYLOAD_LEN];
    p[..8].copy_from_slice(&(seq as u64).to_le_bytes());
    p
}

/// The system's real-time clock in ns since the Unix epoch: the same in every
/// process.
pub fn wall_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

/// CPU time of this process, all threads, in ns, summed from
/// `/proc/self/task/*/schedstat`.
pub fn process_cpu_ns() -> u64 {
    let mut sched = 0u64;
    if let Ok(dir) = std::fs::read_dir("/proc/self/task") {
        for task in dir.flatten() {
            if let Ok(s) = std::fs::read_to_string(task.path().join("schedstat")) {
                sched += s.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            }
        }
    }
    sched
}

/// CPU time of this process, utime + stime from `/proc/self/stat`, in ns
/// (10 ms steps): a cross-check of [`process_cpu_ns`].
pub fn process_ticks_ns() -> u64 {
    let ticks = std::fs::read_to_string("/proc/self/stat").ok().and_then(|s| stat_ticks(&s)).unwrap_or(0);
    // USER_HZ is 100 on every Linux this runs on.
    ticks * 10_000_000
}

/// utime + stime from the text of a `/proc/<pid>/stat`.
fn stat_ticks(s: &str) -> Option<u64> {
    // Fields after the command name (which may hold spaces) in parentheses:
    // state is field 3, utime field 14, stime field 15.
    let f: Vec<&str> = s[s.rfind(')')? + 2..].split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// utime + stime of process `pid`, in ticks (10 ms).
pub fn proc_ticks(pid: u32) -> Option<u64> {
    stat_ticks(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// The CPU ticks of a child once it has exited, read while it is a zombie (not
/// reaped yet), so all its threads are counted. Gives up waiting after 10 s.
pub fn final_ticks(pid: u32) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let zombie = stat.rfind(')').and_then(|i| stat.get(i + 2..i + 3)) == Some("Z");
        if zombie || Instant::now() >= deadline {
            return proc_ticks(pid).unwrap_or(0);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Busy time of all CPUs so far, in ticks (user, nice, system, irq, softirq,
/// steal), from `/proc/stat`.
pub fn system_busy_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().find(|l| l.starts_with("cpu ")) else { return 0 };
    let f: Vec<u64> = line.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    [0, 1, 2, 5, 6, 7].iter().filter_map(|&i| f.get(i)).sum()
}

/// Waits until the CPUs were at most [`NOISE`] busy for 300 ms, or `limit`.
pub fn wait_for_quiet(limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let b0 = system_busy_ticks();
        std::thread::sleep(Duration::from_millis(300));
        let busy = system_busy_ticks().saturating_sub(b0) as f64 / 100.0 / 0.3;
        if busy <= NOISE || Instant::now() >= deadline {
            return;
        }
    }
}

/// What a subscriber saw.
#[derive(Debug)]
pub struct Received {
    seen: Vec<bool>,
    /// Distinct messages received.
    pub distinct: usize,
    /// Messages received again.
    pub duplicates: usize,
    /// Payloads that are not one of [`payload`]'s.
    pub malformed: usize,
    /// [`wall_ns`] when the last message arrived.
    pub last_ns: u64,
}

impl Received {
    /// Nothing received yet, of `count` messages.
    pub fn new(count: usize) -> Self {
        Self { seen: vec![false; count], distinct: 0, duplicates: 0, malformed: 0, last_ns: 0 }
    }

    /// Records one message; true when all have arrived.
    pub fn record(&mut self, payload: &[u8]) -> bool {
        self.last_ns = wall_ns();
        let seq = payload.get(..8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as usize);
        match seq {
            Some(seq) if payload.len() == PAYLOAD_LEN && seq < self.seen.len() => {
                if self.seen[seq] {
                    self.duplicates += 1;
                } else {
                    self.seen[seq] = true;
                    self.distinct += 1;
                }
            }
            _ => self.malformed += 1,
        }
        self.distinct == self.seen.len()
    }

    /// Prints the subscriber's `RESULT` line, with its CPU time `cpu_ns`.
    pub fn print(&self, cpu_ns: u64) {
        say(format_args!(
            "RESULT received={} duplicates={} malformed={} last_ns={} cpu_ns={cpu_ns}",
            self.distinct, self.duplicates, self.malformed, self.last_ns
        ));
    }
}

// ---------------------------------------------------------------------------
// What client processes say, and reading it
// ---------------------------------------------------------------------------

/// Prints a line to stdout (to the orchestrator) and flushes it.
pub fn say(line: impl Display) {
    println!("{line}");
    let _ = std::io::stdout().flush();
}

/// Says `READY`: a subscriber has its SUBACK.
pub fn ready() {
    say("READY");
}

/// Reads a line from a child; an error when it exited first.
pub fn read_line(r: &mut BufReader<ChildStdout>) -> AnyResult<String> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Err("child exited without a result (see its stderr above)".into());
    }
    Ok(line)
}

/// The fields of a `RESULT key=value …` line.
#[derive(Clone, Debug, Default)]
pub struct ResultLine(pub HashMap<String, u64>);

impl ResultLine {
    /// The value of `key`; an error when it is missing.
    pub fn get(&self, key: &str) -> Result<u64, String> {
        self.0.get(key).copied().ok_or_else(|| format!("no {key} in result"))
    }
}

/// Parses a `RESULT key=value …` line.
pub fn parse_result(line: &str) -> AnyResult<ResultLine> {
    let rest = line.trim().strip_prefix("RESULT ").ok_or_else(|| format!("unexpected line {line:?}"))?;
    rest.split_whitespace()
        .map(|kv| {
            let (k, v) = kv.split_once('=').ok_or("bad field")?;
            Ok((k.to_owned(), v.parse()?))
        })
        .collect::<AnyResult<_>>()
        .map(ResultLine)
}

// ---------------------------------------------------------------------------
// The orchestrator
// ---------------------------------------------------------------------------

/// The environment of a bench run: `MQTT_BENCH_REPS` (default 5),
/// `MQTT_BENCH_SCALE` (a factor on the message counts, default 1) and
/// `MQTT_BENCH_QOS` (say `1,2` to run only those).
#[derive(Clone, Debug)]
pub struct Settings {
    /// Runs per configuration and client.
    pub reps: usize,
    /// The factor on the message counts.
    pub scale: f64,
    /// The QoS levels to run, when not all.
    pub only: Option<String>,
}

impl Settings {
    /// Reads the environment.
    pub fn from_env() -> Self {
        let env = |k: &str| std::env::var(k).ok();
        Settings {
            reps: env("MQTT_BENCH_REPS").and_then(|v| v.parse().ok()).unwrap_or(5).max(1),
            scale: env("MQTT_BENCH_SCALE").and_then(|v| v.parse().ok()).unwrap_or(1.0),
            only: env("MQTT_BENCH_QOS"),
        }
    }

    /// `n` messages scaled, at least 100.
    pub fn scaled(&self, n: usize) -> usize {
        ((n as f64 * self.scale) as usize).max(100)
    }

    /// The configurations, (QoS, messages): QoS 0 with 100,000 messages, QoS 1
    /// and 2 with 20,000 (scaled), less those `MQTT_BENCH_QOS` leaves out.
    pub fn configs(&self) -> Vec<(u8, usize)> {
        [(0u8, self.scaled(100_000)), (1, self.scaled(20_000)), (2, self.scaled(20_000))]
            .into_iter()
            .filter(|(q, _)| self.only.as_ref().is_none_or(|o| o.split(',').any(|x| x.trim() == q.to_string())))
            .collect()
    }
}

/// The order of runs: `(rep, i)` for each rep and each of `n` clients, the
/// client going first rotating from one rep to the next.
pub fn rotation(reps: usize, n: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..reps).flat_map(move |rep| (0..n).map(move |k| (rep, (k + rep) % n)))
}

/// True (after saying so) when mosquitto is not installed and the bench skips.
pub fn skip_without_mosquitto() -> bool {
    if Mosquitto::available() {
        return false;
    }
    println!(
        "throughput bench SKIPPED: mosquitto is not installed (apt-get install mosquitto, or set {} to its path)",
        crate::mosquitto::MOSQUITTO_ENV
    );
    true
}

/// The benches' mosquitto: no per-message log lines, `max_inflight_messages
/// 1000`, `max_queued_messages 10000000` and `max_queued_bytes 0`, so it
/// queues rather than drops. Add to it, then start it.
pub fn broker() -> MosquittoBuilder {
    Mosquitto::builder()
        .verbose_log(false)
        .max_inflight_messages(1000)
        .max_queued_messages(10_000_000)
        .config_line("max_queued_bytes 0")
}

/// Pins mosquitto to CPU 0 with `taskset` when there is `taskset` and a second
/// CPU, and says which; true when pinned (the client processes then go on
/// CPU 1).
pub fn pin_broker(broker: &mut Mosquitto) -> AnyResult<bool> {
    let taskset = Command::new("taskset").arg("-V").output().is_ok_and(|o| o.status.success())
        && std::thread::available_parallelism().map(|n| n.get() >= 2).unwrap_or(false);
    if taskset {
        let pid = broker.pid().ok_or("mosquitto is not running")?;
        let ok = Command::new("taskset")
            .args(["-a", "-p", "-c", "0", &pid.to_string()])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err("could not pin mosquitto to CPU 0".into());
        }
        println!("mosquitto on CPU 0, client processes on CPU 1 (taskset)");
    } else {
        println!("taskset or a second CPU is missing: running unpinned");
    }
    Ok(taskset)
}

/// What a subscriber/publisher pair reported ([`Runner::pair`]).
#[derive(Clone, Debug)]
pub struct Pair {
    /// The publisher's `RESULT` line.
    pub publisher: ResultLine,
    /// The subscriber's `RESULT` line.
    pub subscriber: ResultLine,
    /// CPUs used by other processes meanwhile, on average: all CPUs' busy time
    /// less mosquitto's, the two clients' and the orchestrator's.
    pub other: f64,
}

/// Spawns the client processes (this binary again) and runs trials.
#[derive(Debug)]
pub struct Runner<C> {
    exe: PathBuf,
    exes: Vec<(C, PathBuf)>,
    taskset: bool,
    port: u16,
    mosquitto_pid: u32,
    trial_no: usize,
}

impl<C: BenchClient> Runner<C> {
    /// A runner for `broker`; `taskset`: pin the client processes to CPU 1.
    pub fn new(broker: &mut Mosquitto, taskset: bool) -> AnyResult<Self> {
        Ok(Runner {
            exe: std::env::current_exe()?,
            exes: Vec::new(),
            taskset,
            port: broker.port(),
            mosquitto_pid: broker.pid().ok_or("mosquitto is not running")?,
            trial_no: 0,
        })
    }

    /// Runs `lib`'s processes from `exe` rather than from this binary.
    pub fn exe_for(&mut self, lib: C, exe: PathBuf) {
        self.exes.push((lib, exe));
    }

    /// The spec of the next trial, with a topic and client ids of its own.
    pub fn spec(&mut self, lib: C, qos: u8, count: usize) -> Spec<C> {
        self.trial_no += 1;
        Spec {
            lib,
            qos,
            count,
            port: self.port,
            topic: format!("bench/{}/{}/q{qos}", self.trial_no, lib.arg()),
            id: format!("bench-{}-{}", self.trial_no, lib.arg()),
        }
    }

    /// Starts the process that plays `role` in `spec`, its stdout piped.
    pub fn spawn(&self, spec: &Spec<C>, role: &str) -> AnyResult<(Child, BufReader<ChildStdout>)> {
        let exe = self.exes.iter().find(|(l, _)| *l == spec.lib).map_or(&self.exe, |(_, e)| e);
        let mut cmd = if self.taskset {
            let mut c = Command::new("taskset");
            c.arg("-c").arg("1").arg(exe);
            c
        } else {
            Command::new(exe)
        };
        let mut child = cmd
            .args(spec.to_args(role))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let out = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        Ok((child, out))
    }

    /// Runs one trial: the subscriber until `READY`, then the publisher; waits
    /// for both `RESULT` lines, and measures the CPU time of other processes.
    pub fn pair(&mut self, spec: &Spec<C>) -> AnyResult<Pair> {
        let busy0 = system_busy_ticks();
        let mosq0 = proc_ticks(self.mosquitto_pid).unwrap_or(0);
        let self0 = proc_ticks(std::process::id()).unwrap_or(0);
        let wall0 = Instant::now();
        let (mut sub, mut sub_out) = self.spawn(spec, "sub")?;
        let line = read_line(&mut sub_out)?;
        if line.trim() != "READY" {
            let _ = sub.kill();
            return Err(format!("subscriber said {line:?}").into());
        }
        let (mut publ, mut pub_out) = self.spawn(spec, "pub")?;
        let publisher = parse_result(&read_line(&mut pub_out)?)?;
        let pub_ticks = final_ticks(publ.id());
        publ.wait()?;
        let subscriber = parse_result(&read_line(&mut sub_out)?)?;
        let sub_ticks = final_ticks(sub.id());
        sub.wait()?;
        let ours = pub_ticks
            + sub_ticks
            + proc_ticks(self.mosquitto_pid).unwrap_or(0).saturating_sub(mosq0)
            + proc_ticks(std::process::id()).unwrap_or(0).saturating_sub(self0);
        let other_ticks = system_busy_ticks().saturating_sub(busy0).saturating_sub(ours);
        let other = other_ticks as f64 / 100.0 / wall0.elapsed().as_secs_f64();
        Ok(Pair { publisher, subscriber, other })
    }
}

/// The median (the upper one of an even count); `v` must not be empty.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `ours ÷ this` as a table cell: `**1.23×**`.
pub fn ratio(ours: f64, this: f64) -> String {
    format!("**{:.2}×**", ours / this)
}

/// Prints the heading and the head of the throughput table: its first columns
/// (QoS, messages, client, msg/s, ours ÷ this, lost, publisher CPU/msg), then
/// `rest`, as in [`table_head`].
pub fn throughput_table_head(reps: usize, rest: &[(&str, bool)]) {
    println!();
    println!("Medians of {reps} runs (64 B payloads, MQTT 3.1.1, one publisher and one subscriber process each):");
    println!();
    let first = [
        ("QoS", false),
        ("messages", true),
        ("client", false),
        ("msg/s", true),
        ("ours ÷ this", true),
        ("lost", true),
        ("publisher CPU/msg", true),
    ];
    table_head(&[&first[..], rest].concat());
}

/// Prints the head of a Markdown table: the column names, then the rule, with
/// the columns whose flag is true right-aligned.
pub fn table_head(columns: &[(&str, bool)]) {
    table_row(columns.iter().map(|(name, _)| name));
    let rule: String = columns.iter().map(|&(_, right)| if right { "---:|" } else { "---|" }).collect();
    println!("|{rule}");
}

/// Prints a row of a Markdown table.
pub fn table_row<T: Display>(cells: impl IntoIterator<Item = T>) {
    let cells: Vec<String> = cells.into_iter().map(|c| c.to_string()).collect();
    println!("| {} |", cells.join(" | "));
}

/// The peer of both adapter benches, rumqttc 0.25, configured alike: keep
/// alive 60 s, clean session, 100 in flight, 1 MiB packet limits.
#[cfg(feature = "rumqttc")]
pub mod peer {
    use std::time::Duration;

    /// The rumqttc QoS of `--qos` (0, 1, anything else: 2).
    #[must_use]
    pub fn qos(q: u8) -> rumqttc::QoS {
        match q {
            0 => rumqttc::QoS::AtMostOnce,
            1 => rumqttc::QoS::AtLeastOnce,
            _ => rumqttc::QoS::ExactlyOnce,
        }
    }

    /// Options for client `id` of mosquitto on 127.0.0.1:`port`, with a
    /// request channel of `capacity` (the message count, so that publishing
    /// never waits on it).
    #[must_use]
    pub fn options(id: String, port: u16, capacity: usize) -> rumqttc::MqttOptions {
        let mut o = rumqttc::MqttOptions::new(id, "127.0.0.1", port);
        o.set_keep_alive(Duration::from_secs(60))
            .set_clean_session(true)
            .set_inflight(100)
            .set_max_packet_size(1 << 20, 1 << 20)
            .set_request_channel_capacity(capacity);
        o
    }

    /// Network options with `TCP_NODELAY` (rumqttc's default leaves Nagle's
    /// algorithm on).
    #[must_use]
    pub fn nodelay() -> rumqttc::NetworkOptions {
        let mut net = rumqttc::NetworkOptions::new();
        net.set_tcp_nodelay(true);
        net
    }
}
