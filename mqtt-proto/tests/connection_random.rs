//! Seeded random runs of the client `Connection` against an in-memory broker
//! (tests/broker): QoS 1 and 2 publishes in both directions, over byte streams
//! cut at random points, with random network failures (bytes in flight lost in
//! both directions), session resumption, and time moving at random so that keep
//! alive pings and timeouts happen.
//!
//! The client subscribes to its own topic, so each of its messages goes to the
//! broker and comes back; the broker also publishes its own messages. After a
//! final period without faults every message must have arrived: QoS 1 at least
//! once (MQTT 4.3.2), QoS 2 exactly once (MQTT 4.3.3), at the broker and at the
//! client. Each `Event::Published` must complete a publish the application made,
//! once.
//!
//! Each seed runs one protocol version. MQTT 3.1's CONNACK has no Session
//! Present flag: there the client relies on the server keeping the session of a
//! client that connects without Clean Session.

extern crate alloc;

mod broker;

use core::num::NonZeroU16;
use core::time::Duration;
use std::collections::HashMap;

use broker::{Broker, BrokerConfig};
use bytes::{Bytes, BytesMut};
use mqtt_proto::{
    CloseReason, Connection, Event, Instant, Options, PacketId, ProtocolVersion, QoS, ReasonCode, State, TopicFilter,
    TopicName,
};

/// Messages the client publishes per run.
const CLIENT_MESSAGES: usize = 3000;
/// Messages the broker publishes to the client per run.
const BROKER_MESSAGES: usize = 3000;
const KEEP_ALIVE: u16 = 10;

/// splitmix64: small, seeded, good enough to pick actions.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// How many of `len` bytes get through: all, none, or a random cut.
    fn cut(&mut self, len: usize) -> usize {
        match self.below(4) {
            0 => len,
            1 => 0,
            _ => self.below(len + 1),
        }
    }

    fn qos(&mut self) -> QoS {
        if self.below(2) == 0 { QoS::AtLeastOnce } else { QoS::ExactlyOnce }
    }
}

/// Who published a message; the first byte of its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Client = b'c' as isize,
    Broker = b'b' as isize,
}

/// The payload: origin, sequence number, QoS, and some filler so that packets
/// are cut in many places.
fn payload(origin: Origin, seq: usize, qos: QoS, filler: usize) -> Bytes {
    let mut p = vec![origin as u8];
    p.extend_from_slice(&u32::try_from(seq).expect("small").to_be_bytes());
    p.push(qos.as_u8());
    p.resize(6 + filler, b'.');
    Bytes::from(p)
}

fn parse(payload: &[u8]) -> (Origin, usize, QoS) {
    let origin = match payload[0] {
        b'c' => Origin::Client,
        b'b' => Origin::Broker,
        other => panic!("unknown origin {other}"),
    };
    let seq = u32::from_be_bytes(payload[1..5].try_into().expect("4 bytes")) as usize;
    let qos = QoS::try_from(payload[5]).expect("qos");
    (origin, seq, qos)
}

#[derive(Debug, Default)]
struct Stats {
    steps: usize,
    drops: usize,
    client_closes: HashMap<String, usize>,
    resumed_with_session: usize,
    duplicate_qos1: usize,
}

/// The client, the broker, and the two directions of the network between them.
struct World {
    rng: Rng,
    now: Instant,
    options: Options,
    client: Option<Connection>,
    broker: Broker,
    /// Bytes on their way from the client to the broker, and back.
    c2b: BytesMut,
    b2c: BytesMut,
    /// Scratch buffer for the client's output.
    out: BytesMut,
    /// Whether the client's SUBSCRIBE was acknowledged (the broker session holds
    /// it from then on).
    subscribed: bool,
    topic_client: TopicName,
    topic_broker: TopicName,
    // What was sent.
    client_sent: Vec<QoS>,
    broker_sent: Vec<QoS>,
    /// Ids `publish` returned and not yet completed, with the message's sequence
    /// number.
    pending: HashMap<PacketId, usize>,
    completed: Vec<bool>,
    // What arrived at the client, per origin and sequence number.
    received_client: Vec<u32>,
    received_broker: Vec<u32>,
    stats: Stats,
}

impl World {
    fn new(seed: u64, version: ProtocolVersion) -> Self {
        let mut rng = Rng(seed);
        let mut options = Options::new(version, "random-client")
            .expect("client id")
            .with_keep_alive(KEEP_ALIVE)
            .with_max_inflight(1 + rng.below(30) as u16);
        if version.is_v5() {
            // Clean start on the first connection; the session outlives it.
            options.properties.session_expiry_interval = Some(3600);
            options.properties.receive_maximum = NonZeroU16::new(1 + rng.below(20) as u16);
        } else {
            // Clean Session 0 from the start: with 1 the broker would drop the
            // session when the first connection ends.
            options = options.with_clean_start(false);
        }
        let config = BrokerConfig { max_inflight: 1 + rng.below(25), receive_maximum: 1 + rng.below(20) as u16 };
        let now = Instant::ZERO;
        let mut broker = Broker::new(version, config);
        broker.accept(now);
        let client = Connection::new(options.clone(), now).expect("CONNECT encodes");
        let mut world = Self {
            rng,
            now,
            options,
            client: Some(client),
            broker,
            c2b: BytesMut::new(),
            b2c: BytesMut::new(),
            out: BytesMut::new(),
            subscribed: false,
            topic_client: TopicName::from_static("random/client").expect("topic"),
            topic_broker: TopicName::from_static("random/broker").expect("topic"),
            client_sent: Vec::new(),
            broker_sent: Vec::new(),
            pending: HashMap::new(),
            completed: Vec::new(),
            received_client: Vec::new(),
            received_broker: Vec::new(),
            stats: Stats::default(),
        };
        world.drain_client();
        world
    }

    fn client(&mut self) -> &mut Connection {
        self.client.as_mut().expect("a client connection")
    }

    fn describe(&self) -> String {
        let client = self.client.as_ref().expect("client");
        format!(
            "now {:?}, client {:?} {:?} timeout {:?}, c2b {} bytes, b2c {} bytes, pending {:?}, broker: {}",
            self.now.as_duration(),
            client.state(),
            client.session(),
            client.poll_timeout().map(Instant::as_duration),
            self.c2b.len(),
            self.b2c.len(),
            self.pending.keys().map(|id| id.get()).collect::<Vec<_>>(),
            self.broker.describe(),
        )
    }

    // ---- The driver: the drain rule ----

    /// Drains the client: bytes into the network (or lost, when the broker end
    /// is gone), then events, which may issue commands, until nothing is left.
    fn drain_client(&mut self) {
        loop {
            let now = self.now;
            let client = self.client.as_mut().expect("client");
            while client.poll_transmit(now, &mut self.out).is_some() {}
            if self.broker.is_open() {
                self.c2b.extend_from_slice(&self.out);
            }
            self.out.clear();
            let mut commanded = false;
            while let Some(event) = self.client().poll_event() {
                commanded |= self.on_event(event);
            }
            if !commanded {
                break;
            }
        }
    }

    /// Handles one event; returns whether a command was issued.
    fn on_event(&mut self, event: Event) -> bool {
        match event {
            Event::Connected(c) => {
                if c.session_present {
                    self.stats.resumed_with_session += 1;
                } else {
                    assert!(!self.subscribed, "the broker lost the session");
                }
                if !self.subscribed {
                    let filter = TopicFilter::from_static("random/#").expect("filter");
                    self.client().subscribe([(filter, QoS::ExactlyOnce)], Default::default()).expect("subscribe");
                    return true;
                }
                false
            }
            Event::Subscribed(s) => {
                assert_eq!(s.results, [Ok(QoS::ExactlyOnce)]);
                self.subscribed = true;
                false
            }
            Event::Message(m) => {
                let (origin, seq, qos) = parse(&m.payload);
                assert_eq!(m.qos, qos, "delivered with the QoS it was published with");
                let counts = match origin {
                    Origin::Client => {
                        assert_eq!(m.topic, self.topic_client);
                        assert!(seq < self.client_sent.len(), "client message {seq} was never published");
                        &mut self.received_client
                    }
                    Origin::Broker => {
                        assert_eq!(m.topic, self.topic_broker);
                        assert!(seq < self.broker_sent.len(), "broker message {seq} was never published");
                        &mut self.received_broker
                    }
                };
                if counts.len() <= seq {
                    counts.resize(seq + 1, 0);
                }
                counts[seq] += 1;
                if counts[seq] > 1 {
                    assert_eq!(qos, QoS::AtLeastOnce, "QoS 2 message {origin:?} {seq} delivered twice");
                    self.stats.duplicate_qos1 += 1;
                }
                false
            }
            Event::Published(p) => {
                assert_eq!(p.reason_code, ReasonCode::Success);
                let seq = self
                    .pending
                    .remove(&p.packet_id)
                    .unwrap_or_else(|| panic!("Published({}) matches no publish in flight", p.packet_id));
                assert!(!self.completed[seq], "message {seq} completed twice");
                self.completed[seq] = true;
                false
            }
            Event::Closed(reason) => {
                match reason {
                    CloseReason::ConnectionLost | CloseReason::KeepAliveTimeout | CloseReason::ConnectTimeout => {}
                    other => panic!("unexpected close: {other:?}"),
                }
                *self.stats.client_closes.entry(format!("{reason:?}")).or_default() += 1;
                false
            }
            other => panic!("unexpected event {other:?}"),
        }
    }

    // ---- Actions ----

    fn client_publish(&mut self) {
        if !self.subscribed || self.client_sent.len() >= CLIENT_MESSAGES || self.client().session().queued() > 200 {
            return;
        }
        let qos = self.rng.qos();
        let seq = self.client_sent.len();
        let filler = self.rng.below(40);
        let topic = self.topic_client.clone();
        let id = self
            .client()
            .publish(topic, payload(Origin::Client, seq, qos, filler), qos, false)
            .expect("publish")
            .expect("QoS 1 and 2 have ids");
        assert!(self.pending.insert(id, seq).is_none(), "id {id} given to two publishes in flight");
        self.client_sent.push(qos);
        self.completed.push(false);
        self.drain_client();
    }

    fn broker_publish(&mut self) {
        if self.broker_sent.len() >= BROKER_MESSAGES || self.broker.granted(self.topic_broker.as_str()).is_none() {
            return;
        }
        let qos = self.rng.qos();
        let seq = self.broker_sent.len();
        let filler = self.rng.below(40);
        let granted = self.broker.inject(self.topic_broker.clone(), payload(Origin::Broker, seq, qos, filler), qos);
        assert_eq!(granted, Some(qos));
        self.broker_sent.push(qos);
        self.broker.poll_transmit(&mut self.b2c);
    }

    /// Up to `n` bytes from the client reach the broker.
    fn deliver_to_broker(&mut self, n: usize) {
        let chunk = self.c2b.split_to(n.min(self.c2b.len()));
        self.broker.handle_bytes(&chunk, self.now);
        self.broker.poll_transmit(&mut self.b2c);
        if self.broker.has_closed() {
            self.network_drop();
        }
    }

    /// Up to `n` bytes from the broker reach the client.
    fn deliver_to_client(&mut self, n: usize) {
        let chunk = self.b2c.split_to(n.min(self.b2c.len()));
        let now = self.now;
        self.client().handle_bytes(&chunk, now);
        self.drain_client();
        if self.client().state() == State::Closed {
            self.network_drop();
        }
    }

    /// Moves time to `target`, waking the client and the broker at each of
    /// their deadlines on the way, as a driver waiting on `poll_timeout` would.
    fn advance_to(&mut self, target: Instant) {
        for _ in 0..1000 {
            let client_at = self.client().poll_timeout();
            let broker_at = self.broker.poll_timeout();
            let Some(at) = [client_at, broker_at].into_iter().flatten().min() else { break };
            if at > target {
                break;
            }
            self.now = self.now.max(at);
            let now = self.now;
            if client_at.is_some_and(|t| t <= now) {
                self.client().handle_timeout(now);
                self.drain_client();
                if self.client().state() == State::Closed {
                    self.network_drop();
                    continue;
                }
            }
            if broker_at.is_some_and(|t| t <= now) {
                self.broker.handle_timeout(now);
                if self.broker.has_closed() {
                    self.network_drop();
                }
            }
        }
        self.now = self.now.max(target);
    }

    fn advance(&mut self, by: Duration) {
        let target = self.now + by;
        self.advance_to(target);
    }

    /// The network connection fails: a random part of the bytes in flight in
    /// each direction still arrives, the rest is lost; both ends notice. The
    /// client then resumes its session on a new connection.
    fn network_drop(&mut self) {
        self.stats.drops += 1;
        let to_broker = self.c2b.split_to(self.rng.cut(self.c2b.len()));
        let to_client = self.b2c.split_to(self.rng.cut(self.b2c.len()));
        self.c2b.clear();
        self.b2c.clear();
        let now = self.now;
        self.broker.handle_bytes(&to_broker, now);
        self.broker.connection_lost();
        // What either end sends from now on is lost (the broker end is gone).
        if self.client().state() != State::Closed {
            self.client().handle_bytes(&to_client, now);
            self.drain_client();
        }
        self.client().handle_eof(now);
        self.drain_client();
        assert_eq!(self.client().state(), State::Closed);
        assert_eq!(self.client().poll_timeout(), None);
        // Some time offline, then a new connection.
        self.now = self.now + Duration::from_millis(self.rng.below(5000) as u64);
        let session = self.client.take().expect("client").into_session();
        self.client = Some(Connection::resume(self.options.clone(), session, self.now).expect("CONNECT encodes"));
        self.broker.accept(self.now);
        self.drain_client();
    }

    fn step(&mut self) {
        self.stats.steps += 1;
        match self.rng.below(1000) {
            0..250 => self.client_publish(),
            250..350 => self.broker_publish(),
            350..600 => {
                let n = self.rng.cut(self.c2b.len());
                self.deliver_to_broker(n);
            }
            600..850 => {
                let n = self.rng.cut(self.b2c.len());
                self.deliver_to_client(n);
            }
            850..992 => {
                let ms = self.rng.below(3000) as u64;
                self.advance(Duration::from_millis(ms));
            }
            992..996 => {
                // A stall: long enough for pings, and sometimes for timeouts.
                let ms = 5000 + self.rng.below(35_000) as u64;
                self.advance(Duration::from_millis(ms));
            }
            _ => self.network_drop(),
        }
    }

    /// Runs without faults and without new messages until everything is
    /// delivered and acknowledged.
    fn settle(&mut self) {
        for _ in 0..100_000 {
            let quiet = self.client().state() == State::Connected
                && self.client().session().is_empty()
                && self.c2b.is_empty()
                && self.b2c.is_empty()
                && self.broker.is_idle()
                && self.pending.is_empty();
            if quiet {
                return;
            }
            let n = self.c2b.len();
            self.deliver_to_broker(n);
            let n = self.b2c.len();
            self.deliver_to_client(n);
            self.advance(Duration::from_millis(200));
        }
        panic!("did not settle: {}", self.describe());
    }

    fn check(&self) {
        assert_eq!(self.client_sent.len(), CLIENT_MESSAGES);
        assert_eq!(self.broker_sent.len(), BROKER_MESSAGES);
        assert!(self.completed.iter().all(|&c| c), "every publish completed");
        // At the broker.
        let mut at_broker = vec![0u32; CLIENT_MESSAGES];
        for p in &self.broker.accepted {
            let (origin, seq, qos) = parse(&p.payload);
            assert_eq!((origin, qos), (Origin::Client, p.qos.qos()));
            at_broker[seq] += 1;
        }
        expect_delivered("client -> broker", &self.client_sent, &at_broker);
        // Back at the client.
        let mut from_client = self.received_client.clone();
        from_client.resize(CLIENT_MESSAGES, 0);
        expect_delivered("client -> broker -> client", &self.client_sent, &from_client);
        let mut from_broker = self.received_broker.clone();
        from_broker.resize(BROKER_MESSAGES, 0);
        expect_delivered("broker -> client", &self.broker_sent, &from_broker);
    }
}

/// QoS 1: at least once; QoS 2: exactly once.
fn expect_delivered(path: &str, sent: &[QoS], counts: &[u32]) {
    for (seq, (&qos, &count)) in sent.iter().zip(counts).enumerate() {
        match qos {
            QoS::AtLeastOnce => assert!(count >= 1, "{path}: QoS 1 message {seq} lost"),
            _ => assert_eq!(count, 1, "{path}: QoS 2 message {seq} delivered {count} times"),
        }
    }
}

/// Prints the seed when a run panics.
struct SeedGuard(u64, ProtocolVersion);

impl Drop for SeedGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("connection_random failed with seed {:#x} ({:?})", self.0, self.1);
        }
    }
}

fn run(seed: u64, version: ProtocolVersion) -> Stats {
    let guard = SeedGuard(seed, version);
    let mut world = World::new(seed, version);
    while world.client_sent.len() < CLIENT_MESSAGES || world.broker_sent.len() < BROKER_MESSAGES {
        world.step();
        assert!(world.stats.steps < 2_000_000, "no progress: {}", world.describe());
    }
    world.settle();
    world.check();
    drop(guard);
    eprintln!(
        "seed {seed:#x} ({:?}): {} steps, {} drops, closes {:?}, {} connected with session, {} QoS 1 duplicates, \
         broker {:?}",
        world.options.version,
        world.stats.steps,
        world.stats.drops,
        world.stats.client_closes,
        world.stats.resumed_with_session,
        world.stats.duplicate_qos1,
        world.broker.stats,
    );
    world.stats
}

#[test]
fn qos1_at_least_once_qos2_exactly_once_across_random_faults() {
    let seeds = [1u64, 2, 3, 4, 5, 6, 7, 0xdead_beef, 0x5eed_5eed_5eed_5eed];
    let versions = [ProtocolVersion::V3_1_1, ProtocolVersion::V5, ProtocolVersion::V3_1];
    let mut drops = 0;
    for (i, seed) in seeds.into_iter().enumerate() {
        drops += run(seed, versions[i % versions.len()]).drops;
    }
    assert!(drops > seeds.len() * 50, "the runs exercised reconnects ({drops} drops)");
}
