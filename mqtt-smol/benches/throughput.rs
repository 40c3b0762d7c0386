//! End-to-end throughput and idle memory through mosquitto: mqtt-smol against
//! rumqttc's `AsyncClient` on tokio, side by side in one run.
//!
//! ```sh
//! cargo bench -p mqtt-smol --bench throughput
//! ```
//!
//! Needs `mosquitto` (skips with a message when it is not installed); uses
//! `taskset`, when there and when the machine has two CPUs or more, to pin
//! mosquitto to CPU 0 and the client processes to CPU 1.
//!
//! # Throughput
//!
//! The mqtt-blocking bench's method, with async clients: per configuration
//! (QoS 0: 100,000 messages; QoS 1 and 2: 20,000 messages, 100 in flight;
//! 64-byte payloads, MQTT 3.1.1) and per client, one subscriber process and
//! one publisher process (this binary again, with `--role sub` / `--role
//! pub`) talk to one mosquitto on 127.0.0.1. Each client talks to itself.
//! Both clients run on one thread: mqtt-smol's driver and the application on
//! an `async_executor::LocalExecutor` under one `smol::block_on`; rumqttc's
//! event loop and the application on a tokio current-thread runtime. The
//! publisher yields to the executor every 64 publishes (`yield_now`) so the
//! network side runs while it publishes; rumqttc's `publish().await` goes
//! through its request channel (capacity: the message count, so it never
//! waits). The publisher is done when every publish is complete (QoS 0:
//! handed over / written; QoS 1: PUBACK; QoS 2: PUBCOMP).
//!
//! Clients: mqtt-smol; rumqttc with `TCP_NODELAY` (as mqtt-smol); rumqttc with
//! its defaults (Nagle on). Each configuration runs `MQTT_BENCH_REPS` times
//! (default 5) per client, the order rotating; the table shows medians.
//!
//! - **messages/s** = distinct messages received / (time the subscriber saw
//!   the last one − time just before the first publish), wall clock shared by
//!   the two processes.
//! - **lost** = published − distinct received (the subscriber gives up 3 s
//!   after its last message); payloads carry their sequence number.
//! - **CPU per message**: the process's CPU time (all threads, from
//!   `/proc/self/task/*/schedstat`) over the publishing or receiving, divided
//!   by the messages.
//! - **other CPU**: the CPU time of other processes on the machine during the
//!   trial (from `/proc/stat`, less mosquitto, the clients and this process),
//!   in CPUs. This machine runs other work; the figure says how much.
//!
//! # Idle memory
//!
//! One process per client (`--role idle`) connects 1,000 clients (MQTT 3.1.1,
//! keep alive 60 s, clean session) to mosquitto (`max_connections -1`; this
//! process raises its `RLIMIT_NOFILE` soft limit to the hard limit, which
//! mosquitto and the children inherit), waits until all are connected, lets
//! them sit for a second, and reports its peak resident set size (`VmHWM`
//! from `/proc/self/status`) and what it was before the first connect.
//! mqtt-smol: 1,000 `connect`s and drivers on one `LocalExecutor`; rumqttc:
//! 1,000 `AsyncClient`s (request channel capacity 10) and their event loops
//! on one current-thread tokio runtime. A second round has each client also
//! subscribe at QoS 1 to a topic of its own (waiting for the SUBACKs): an
//! MQTT session's outgoing window is allocated on first use, so this shows
//! the cost of a client that did something.
//!
//! # Environment
//!
//! `MQTT_BENCH_REPS` (default 5), `MQTT_BENCH_SCALE` (a factor on the message
//! counts, default 1), `MQTT_BENCH_QOS` (say `1,2` to run only those),
//! `MQTT_BENCH_IDLE` (clients in the memory test, default 1000; 0 skips it).

use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use mqtt_testkit::bench::{
    self, AnyResult, BenchClient, FIRST_MESSAGE_TIMEOUT, IDLE, Received, Settings, median, parse_result, payload,
    process_cpu_ns, ratio, read_line, ready, say, table_head, table_row, wall_ns,
};

fn main() -> AnyResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(role) = bench::arg(&args, "--role") {
        let spec = Spec::from_args(&args)?;
        return match (role.as_str(), spec.lib) {
            ("pub", Lib::Ours) => ours::publisher(&spec),
            ("sub", Lib::Ours) => ours::subscriber(&spec),
            ("idle", Lib::Ours) => ours::idle(&spec),
            ("pub", _) => rumq::publisher(&spec),
            ("sub", _) => rumq::subscriber(&spec),
            ("idle", _) => rumq::idle(&spec),
            _ => Err(format!("unknown role {role}").into()),
        };
    }
    orchestrate()
}

// ---------------------------------------------------------------------------
// Shared bits (the rest is in mqtt_testkit::bench)
// ---------------------------------------------------------------------------

/// The clients compared, in the order of the table.
const LIBS: [Lib; 3] = [Lib::Ours, Lib::RumqttcNodelay, Lib::Rumqttc];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lib {
    Ours,
    /// rumqttc with `TCP_NODELAY`, the socket option mqtt-smol always sets.
    RumqttcNodelay,
    /// rumqttc with its default network options (Nagle's algorithm on).
    Rumqttc,
}

impl Lib {
    fn label(self) -> &'static str {
        match self {
            Lib::Ours => "mqtt-smol",
            Lib::RumqttcNodelay => "rumqttc AsyncClient (TCP_NODELAY, as ours)",
            Lib::Rumqttc => "rumqttc AsyncClient (defaults: Nagle on)",
        }
    }
}

impl BenchClient for Lib {
    fn arg(self) -> &'static str {
        match self {
            Lib::Ours => "ours",
            Lib::RumqttcNodelay => "rumqttc-nodelay",
            Lib::Rumqttc => "rumqttc",
        }
    }
    fn from_arg(arg: &str) -> Option<Self> {
        LIBS.into_iter().find(|l| l.arg() == arg)
    }
}

/// One side of one trial, as passed on the command line.
type Spec = bench::Spec<Lib>;

/// A field of `/proc/self/status` in kB (`VmHWM`, `VmRSS`).
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn print_publisher_result(count: usize, failed: usize, t0: u64, cpu_ns: u64) {
    say(format_args!("RESULT published={count} failed={failed} first_ns={t0} cpu_ns={cpu_ns}"));
}

fn print_idle_result(connected: usize, base_kb: u64) {
    say(format_args!(
        "RESULT connected={connected} base_kb={base_kb} hwm_kb={} rss_kb={}",
        status_kb("VmHWM"),
        status_kb("VmRSS")
    ));
}

// ---------------------------------------------------------------------------
// mqtt-smol
// ---------------------------------------------------------------------------

mod ours {
    use super::*;
    use async_io::Timer;
    use futures_lite::{StreamExt, future};
    use mqtt_smol::{ClientOptions, Event, QoS};

    /// How often the subscriber's idle watchdog looks.
    const WATCHDOG_TICK: Duration = Duration::from_millis(100);
    use mqtt_testkit::bench::qos;
    use smol::LocalExecutor;

    pub(super) fn publisher(spec: &Spec) -> AnyResult<()> {
        let ex = Rc::new(LocalExecutor::new());
        let ex2 = ex.clone();
        smol::block_on(ex.run(async move {
            let options = ClientOptions::new(&spec.id)
                .keepalive(60)
                .max_inflight_messages(100)
                .max_queued_messages(spec.count + 1000);
            let (client, driver, _events) = mqtt_smol::connect(options, "127.0.0.1", spec.port).await?;
            let driver = ex2.spawn(driver);
            let q = qos(spec.qos);
            let mut tokens = Vec::with_capacity(if spec.qos == 0 { 0 } else { spec.count });
            let cpu0 = process_cpu_ns();
            let t0 = wall_ns();
            for seq in 0..spec.count {
                let token = client.publish(&spec.topic, payload(seq), q, false)?;
                if spec.qos > 0 {
                    tokens.push(token);
                }
                if seq % 64 == 63 {
                    future::yield_now().await;
                }
            }
            let mut failed = 0;
            for token in tokens {
                if token.await.is_err() {
                    failed += 1;
                }
            }
            // QoS 0 publishes are complete once written: the DISCONNECT goes
            // out after them, and the driver ends once it is written.
            client.disconnect().await?;
            driver.await;
            let cpu1 = process_cpu_ns();
            print_publisher_result(spec.count, failed, t0, cpu1 - cpu0);
            Ok(())
        }))
    }

    pub(super) fn subscriber(spec: &Spec) -> AnyResult<()> {
        let ex = Rc::new(LocalExecutor::new());
        let ex2 = ex.clone();
        smol::block_on(ex.run(async move {
            let (client, driver, mut events) =
                mqtt_smol::connect(ClientOptions::new(&spec.id).keepalive(60), "127.0.0.1", spec.port).await?;
            ex2.spawn(driver).detach();
            let suback = client.subscribe((spec.topic.as_str(), qos(spec.qos)))?.await?;
            if !suback.results.iter().all(Result::is_ok) {
                return Err("subscription refused".into());
            }
            let mut state = Received::new(spec.count);
            ready();
            let cpu0 = process_cpu_ns();
            // The idle timeout is a watchdog that looks every 100 ms whether
            // messages came since its last look: one timer for the whole run.
            // A timer per wait would cost async-io's reactor a wake-up (an
            // eventfd write and one more turn) per wait, which tokio's timer
            // wheel does not; the rumqttc subscriber's `timeout` per poll is
            // its cheap equivalent.
            let mut tick = Timer::interval(WATCHDOG_TICK);
            let mut timeout = FIRST_MESSAGE_TIMEOUT;
            let (mut seen, mut quiet) = (0, Duration::ZERO);
            'receiving: loop {
                while let Some(event) = events.try_recv() {
                    if let Event::Message(m) = event {
                        if state.record(&m.payload) {
                            break 'receiving;
                        }
                    }
                }
                let next = future::or(async { events.recv().await.map(Some) }, async {
                    tick.next().await;
                    Some(None)
                })
                .await;
                match next {
                    Some(Some(Event::Message(m))) => {
                        if state.record(&m.payload) {
                            break;
                        }
                    }
                    Some(Some(_)) => {}
                    Some(None) => {
                        let now = state.distinct + state.duplicates + state.malformed;
                        if now == seen {
                            quiet += WATCHDOG_TICK;
                            if quiet >= timeout {
                                break;
                            }
                        } else {
                            (seen, quiet, timeout) = (now, Duration::ZERO, IDLE);
                        }
                    }
                    None => break,
                }
            }
            // Idle waiting costs no CPU: reading the clock once at the end
            // (not per message: that is a walk of /proc) is the same.
            state.print(process_cpu_ns() - cpu0);
            let _ = client.disconnect().await;
            Ok(())
        }))
    }

    pub(super) fn idle(spec: &Spec) -> AnyResult<()> {
        let base = status_kb("VmRSS");
        let ex = Rc::new(LocalExecutor::new());
        let ex2 = ex.clone();
        smol::block_on(ex.run(async move {
            let mut clients = Vec::with_capacity(spec.count);
            // Connect in waves of 100, so mosquitto's accept queue keeps up.
            for wave in (0..spec.count).collect::<Vec<_>>().chunks(100) {
                let tasks: Vec<_> = wave
                    .iter()
                    .map(|i| {
                        let options = ClientOptions::new(&format!("{}-{i}", spec.id)).keepalive(60);
                        ex2.spawn(mqtt_smol::connect(options, "127.0.0.1", spec.port))
                    })
                    .collect();
                for t in tasks {
                    let (client, driver, mut events) = t.await?;
                    ex2.spawn(driver).detach();
                    // The application reads the Connected event (as rumqttc's
                    // event loop handles its CONNACK).
                    let _ = events.try_recv();
                    clients.push((client, events));
                }
            }
            if spec.qos > 0 {
                // Each client subscribes to a topic of its own, and waits for
                // the SUBACK.
                let tokens = clients
                    .iter()
                    .enumerate()
                    .map(|(i, (c, _))| c.subscribe((format!("{}/{i}", spec.topic), QoS::AtLeastOnce)))
                    .collect::<Result<Vec<_>, _>>()?;
                for t in tokens {
                    t.await?;
                }
            }
            Timer::after(Duration::from_secs(1)).await;
            let connected = clients.iter().filter(|(c, _)| c.is_connected()).count();
            print_idle_result(connected, base);
            Ok(())
        }))
    }
}

// ---------------------------------------------------------------------------
// rumqttc AsyncClient on tokio
// ---------------------------------------------------------------------------

mod rumq {
    use super::*;
    use mqtt_testkit::bench::peer::{self, qos};
    use rumqttc::{AsyncClient, Event, EventLoop, Outgoing, Packet};

    fn client(spec: &Spec, id: String, cap: usize) -> (AsyncClient, EventLoop) {
        let (client, mut eventloop) = AsyncClient::new(peer::options(id, spec.port, cap), cap);
        if spec.lib == Lib::RumqttcNodelay {
            eventloop.set_network_options(peer::nodelay());
        }
        (client, eventloop)
    }

    fn runtime() -> AnyResult<tokio::runtime::Runtime> {
        Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
    }

    pub(super) fn publisher(spec: &Spec) -> AnyResult<()> {
        runtime()?.block_on(async {
            let (client, mut eventloop) = client(spec, spec.id.clone(), spec.count.max(10));
            // Until CONNACK, on this task.
            loop {
                if let Event::Incoming(Packet::ConnAck(_)) = eventloop.poll().await? {
                    break;
                }
            }
            let (done_tx, done_rx) = tokio::sync::oneshot::channel();
            let (count, q) = (spec.count, spec.qos);
            tokio::spawn(async move {
                let mut complete = 0usize;
                let mut done_tx = Some(done_tx);
                loop {
                    let counted = match eventloop.poll().await {
                        Ok(Event::Outgoing(Outgoing::Publish(_))) => q == 0,
                        Ok(Event::Incoming(Packet::PubAck(_))) => q == 1,
                        Ok(Event::Incoming(Packet::PubComp(_))) => q == 2,
                        Ok(_) => false,
                        Err(e) => {
                            eprintln!("rumqttc publisher: {e}");
                            return;
                        }
                    };
                    if counted {
                        complete += 1;
                        if complete == count {
                            if let Some(tx) = done_tx.take() {
                                let _ = tx.send(());
                            }
                        }
                    }
                }
            });
            let q = qos(spec.qos);
            let cpu0 = process_cpu_ns();
            let t0 = wall_ns();
            for seq in 0..spec.count {
                client.publish(spec.topic.as_str(), q, false, payload(seq)).await?;
            }
            done_rx.await?;
            let cpu1 = process_cpu_ns();
            print_publisher_result(spec.count, 0, t0, cpu1 - cpu0);
            let _ = client.disconnect().await;
            Ok::<(), Box<dyn std::error::Error>>(())
        })?;
        // The event loop task would go on reconnecting; end the process here.
        std::process::exit(0);
    }

    pub(super) fn subscriber(spec: &Spec) -> AnyResult<()> {
        runtime()?.block_on(async {
            let (client, mut eventloop) = client(spec, spec.id.clone(), 10);
            client.subscribe(spec.topic.as_str(), qos(spec.qos)).await?;
            loop {
                if let Event::Incoming(Packet::SubAck(ack)) = eventloop.poll().await? {
                    if ack.return_codes.iter().any(|c| matches!(c, rumqttc::SubscribeReasonCode::Failure)) {
                        return Err("subscription refused".into());
                    }
                    break;
                }
            }
            ready();
            let mut state = Received::new(spec.count);
            let cpu0 = process_cpu_ns();
            let mut timeout = FIRST_MESSAGE_TIMEOUT;
            loop {
                match tokio::time::timeout(timeout, eventloop.poll()).await {
                    Ok(Ok(Event::Incoming(Packet::Publish(p)))) => {
                        timeout = IDLE;
                        let all = state.record(&p.payload);
                        if all {
                            break;
                        }
                    }
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => {
                        eprintln!("rumqttc subscriber: {e}");
                        break;
                    }
                    Err(_) => break,
                }
            }
            // Idle waiting costs no CPU: reading the clock once at the end
            // (not per message: that is a walk of /proc) is the same.
            state.print(process_cpu_ns() - cpu0);
            Ok::<(), Box<dyn std::error::Error>>(())
        })?;
        std::process::exit(0);
    }

    pub(super) fn idle(spec: &Spec) -> AnyResult<()> {
        let base = status_kb("VmRSS");
        runtime()?.block_on(async {
            let connected = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let subacked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let notify = Arc::new(tokio::sync::Notify::new());
            let mut clients = Vec::with_capacity(spec.count);
            for i in 0..spec.count {
                let (client, mut eventloop) = client(spec, format!("{}-{i}", spec.id), 10);
                if spec.qos > 0 {
                    // Sent once connected; the SUBACK is counted.
                    client.subscribe(format!("{}/{i}", spec.topic), rumqttc::QoS::AtLeastOnce).await?;
                }
                let (connected, subacked, notify) = (connected.clone(), subacked.clone(), notify.clone());
                tokio::spawn(async move {
                    loop {
                        match eventloop.poll().await {
                            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                                connected.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                                notify.notify_one();
                            }
                            Ok(Event::Incoming(Packet::SubAck(_))) => {
                                subacked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                                notify.notify_one();
                            }
                            Ok(_) => {}
                            Err(e) => {
                                eprintln!("rumqttc idle client: {e}");
                                tokio::time::sleep(Duration::from_secs(1)).await;
                            }
                        }
                    }
                });
                clients.push(client);
            }
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            let subacks = if spec.qos > 0 { spec.count } else { 0 };
            while connected.load(std::sync::atomic::Ordering::SeqCst) < spec.count
                || subacked.load(std::sync::atomic::Ordering::SeqCst) < subacks
            {
                if tokio::time::timeout_at(deadline, notify.notified()).await.is_err() {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            print_idle_result(connected.load(std::sync::atomic::Ordering::SeqCst), base);
            drop(clients);
            Ok::<(), Box<dyn std::error::Error>>(())
        })?;
        std::process::exit(0);
    }
}

// ---------------------------------------------------------------------------
// The orchestrator
// ---------------------------------------------------------------------------

/// One throughput trial's figures.
#[derive(Clone, Copy, Debug)]
struct Trial {
    rate: f64,
    lost: usize,
    pub_cpu_ns: f64,
    sub_cpu_ns: f64,
    /// CPUs used by other processes during the trial, on average.
    other: f64,
}

/// An idle-memory run: peak RSS (kB), RSS before connecting (kB), clients
/// connected.
type Idle = (u64, u64, u64);

/// One client's idle-memory runs.
type IdleRuns = (Lib, Vec<Idle>);

type Runner = bench::Runner<Lib>;

fn trial(runner: &mut Runner, lib: Lib, qos: u8, count: usize) -> AnyResult<Trial> {
    let spec = runner.spec(lib, qos, count);
    let bench::Pair { publisher: pub_result, subscriber: sub_result, other } = runner.pair(&spec)?;
    let received = sub_result.get("received")? as usize;
    let seconds = sub_result.get("last_ns")?.saturating_sub(pub_result.get("first_ns")?) as f64 / 1e9;
    let failed = pub_result.get("failed")?;
    if failed > 0 {
        eprintln!("  {} QoS {qos}: {failed} publishes failed", lib.label());
    }
    Ok(Trial {
        rate: if seconds > 0.0 { received as f64 / seconds } else { 0.0 },
        lost: count - received,
        pub_cpu_ns: pub_result.get("cpu_ns")? as f64 / count as f64,
        sub_cpu_ns: sub_result.get("cpu_ns")? as f64 / received.max(1) as f64,
        other,
    })
}

/// Peak RSS (kB) of a process holding `count` idle clients, and its RSS
/// before connecting.
/// With `subscribe`, each client subscribes (QoS 1) to a topic first.
fn idle(runner: &mut Runner, lib: Lib, count: usize, subscribe: bool) -> AnyResult<Idle> {
    let spec = runner.spec(lib, u8::from(subscribe), count);
    let (mut child, mut out) = runner.spawn(&spec, "idle")?;
    let result = parse_result(&read_line(&mut out)?)?;
    child.wait()?;
    let connected = result.get("connected")?;
    if connected != count as u64 {
        eprintln!("  {}: only {connected} of {count} clients connected", lib.label());
    }
    Ok((result.get("hwm_kb")?, result.get("base_kb")?, connected))
}

/// Raises the soft limit of open files to the hard limit: 1,000 clients and
/// mosquitto's 1,000 connections need more than the usual 1,024.
fn raise_nofile() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = rustix::process::Rlimit { current: limit.maximum, maximum: limit.maximum };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            eprintln!("could not raise RLIMIT_NOFILE: {e}");
        }
    }
}

fn orchestrate() -> AnyResult<()> {
    if bench::skip_without_mosquitto() {
        return Ok(());
    }
    raise_nofile();
    let settings = Settings::from_env();
    let reps = settings.reps;
    let idle_clients: usize = std::env::var("MQTT_BENCH_IDLE").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);

    let mut broker = bench::broker().config_line("max_connections -1").start()?;
    let taskset = bench::pin_broker(&mut broker)?;
    let mut runner = Runner::new(&mut broker, taskset)?;

    // Warm-up (not counted).
    for lib in LIBS {
        trial(&mut runner, lib, 0, settings.scaled(10_000))?;
        trial(&mut runner, lib, 1, settings.scaled(2_000))?;
    }

    let mut results: Vec<(u8, usize, [Vec<Trial>; 3])> = Vec::new();
    for (qos, count) in settings.configs() {
        let mut trials: [Vec<Trial>; 3] = Default::default();
        for (rep, i) in bench::rotation(reps, LIBS.len()) {
            let t = trial(&mut runner, LIBS[i], qos, count)?;
            println!(
                "  QoS {qos} run {} {:<42} {:>7.0} msg/s  lost {:>5}  pub cpu {:>5.0} ns/msg  sub cpu {:>5.0} ns/msg  other processes {:.2} CPU",
                rep + 1,
                LIBS[i].label(),
                t.rate,
                t.lost,
                t.pub_cpu_ns,
                t.sub_cpu_ns,
                t.other
            );
            trials[i].push(t);
        }
        results.push((qos, count, trials));
    }

    // Per variant (connected; connected and subscribed), per client.
    let mut memory: Vec<(bool, Vec<IdleRuns>)> = Vec::new();
    if idle_clients > 0 {
        for subscribe in [false, true] {
            let mut runs: Vec<IdleRuns> = [Lib::Ours, Lib::RumqttcNodelay].map(|l| (l, Vec::new())).into();
            for (rep, i) in bench::rotation(reps, runs.len()) {
                let m = idle(&mut runner, runs[i].0, idle_clients, subscribe)?;
                println!(
                    "  idle{} run {} {:<42} peak RSS {:>7} kB (before connecting {:>6} kB), {} connected",
                    if subscribe { " subscribed" } else { "" },
                    rep + 1,
                    runs[i].0.label(),
                    m.0,
                    m.1,
                    m.2
                );
                runs[i].1.push(m);
            }
            memory.push((subscribe, runs));
        }
    }
    drop(broker);

    bench::throughput_table_head(reps, &[("subscriber CPU/msg", true), ("other processes", true)]);
    let mut summary = Vec::new();
    for (qos, count, trials) in &results {
        let med = |v: &[Trial], f: fn(&Trial) -> f64| median(v.iter().map(f).collect());
        let rate: Vec<f64> = trials.iter().map(|t| med(t, |t| t.rate)).collect();
        for (i, lib) in LIBS.iter().enumerate() {
            let lost: usize = trials[i].iter().map(|t| t.lost).sum();
            table_row([
                qos.to_string(),
                count.to_string(),
                lib.label().to_owned(),
                format!("{:.0}", rate[i]),
                if i == 0 { String::new() } else { ratio(rate[0], rate[i]) },
                lost.to_string(),
                format!("{:.2} µs", med(&trials[i], |t| t.pub_cpu_ns) / 1000.0),
                format!("{:.2} µs", med(&trials[i], |t| t.sub_cpu_ns) / 1000.0),
                format!("{:.2} CPU", med(&trials[i], |t| t.other)),
            ]);
        }
        summary.push((*qos, rate[0] / rate[1].max(rate[2])));
    }
    println!();
    println!("Throughput against the better rumqttc configuration:");
    println!();
    table_head(&[("QoS", false), ("mqtt-smol ÷ rumqttc AsyncClient", true)]);
    for (qos, ratio) in summary {
        println!("| {qos} | {ratio:.2}× |");
    }
    for (subscribe, runs) in &memory {
        println!();
        println!(
            "Idle memory, {idle_clients} clients in one process, {} (median peak RSS of {reps} runs):",
            if *subscribe { "connected and each subscribed at QoS 1" } else { "connected" }
        );
        println!();
        table_head(&[
            ("client", false),
            ("peak RSS", true),
            ("per client (peak − before connecting)", true),
            ("ours ÷ this", true),
        ]);
        let hwm: Vec<f64> = runs.iter().map(|(_, v)| median(v.iter().map(|m| m.0 as f64).collect())).collect();
        for (i, (lib, v)) in runs.iter().enumerate() {
            let per = median(v.iter().map(|m| (m.0.saturating_sub(m.1)) as f64).collect()) / idle_clients as f64;
            let ratio = if i == 0 { String::new() } else { ratio(hwm[0], hwm[i]) };
            println!("| {} | {:.0} kB | {per:.1} kB | {ratio} |", lib.label(), hwm[i]);
        }
        if !*subscribe {
            println!();
            println!(
                "Target (idle connected clients): mqtt-smol's peak RSS at most rumqttc's: {}",
                if hwm[0] <= hwm[1] { "met" } else { "**not met**" }
            );
        }
    }
    Ok(())
}
