//! Connection throughput: publishes per second through a client state machine
//! and an in-memory broker that acknowledges everything, side by side with
//! rumqttc's `MqttState` driven the same way.
//!
//! Each iteration completes 10,000 publishes (topic `sensors/room1/temperature`,
//! 64 B payload, MQTT 3.1.1) with up to 100 in flight: the client publishes
//! until 100 are outstanding, writes its bytes, the broker decodes them with a
//! [`Codec`] and answers (PUBACK for QoS 1; PUBREC, then PUBCOMP for the PUBREL,
//! for QoS 2), the client reads the answers and drains its events, and so on
//! until every publish completed.
//!
//! - `mqtt-proto`: [`Connection::publish`], `poll_transmit` into a reused
//!   `BytesMut`, `handle_bytes`, `poll_event`: the drain rule.
//! - `rumqttc MqttState`: `handle_outgoing_packet(Request::Publish)` and
//!   `Packet::write` for what goes out; `Packet::read` and
//!   `handle_incoming_packet` for what comes in; its event queue is drained.
//!   (It reads the clock on every packet, and its `Publish` owns a `String`
//!   topic, cloned per message; that is its API.)
//!
//! The broker's work is the same for both lines; the `broker alone` line
//! replays the bytes our client wrote in one iteration through the broker, the
//! part of each figure that is not the client's. QoS 0 lines measure only the
//! client's publish and transmit, with the output buffer cleared every 100
//! messages, as a reference for the cost of the state machine without
//! acknowledgements.
//!
//! Before any timing, every line is checked to complete exactly 10,000
//! publishes and the broker to receive them.

use core::hint::black_box;
use core::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use mqtt_proto::{Ack, Codec, ConnAck, Connection, Event, Instant, Options, Packet, ProtocolVersion, QoS, TopicName};
use rumqttc::mqttbytes::QoS as RQoS;
use rumqttc::mqttbytes::v4 as rv4;

/// Publishes per iteration.
const MESSAGES: usize = 10_000;
/// Most publishes outstanding at once.
const IN_FLIGHT: usize = 100;
const TOPIC: &str = "sensors/room1/temperature";
const PAYLOAD: &[u8; 64] = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const VERSION: ProtocolVersion = ProtocolVersion::V3_1_1;
/// The maximum packet size given to rumqttc (the largest MQTT allows).
const RUMQTTC_MAX: usize = mqtt_proto::MAX_PACKET_SIZE as usize;

/// The broker end: decodes the client's packets and acknowledges them.
struct AckingBroker {
    codec: Codec,
    rx: BytesMut,
    /// Bytes for the client.
    tx: BytesMut,
    publishes: usize,
}

impl AckingBroker {
    fn new() -> Self {
        Self {
            codec: Codec::new(VERSION),
            rx: BytesMut::with_capacity(64 * 1024),
            tx: BytesMut::with_capacity(16 * 1024),
            publishes: 0,
        }
    }

    fn handle(&mut self, bytes: &[u8]) {
        self.rx.extend_from_slice(bytes);
        while let Some(packet) = self.codec.decode(&mut self.rx).expect("the client sends valid packets") {
            let reply: Packet = match packet {
                Packet::Publish(p) => {
                    self.publishes += 1;
                    match p.qos {
                        mqtt_proto::QosPid::AtMostOnce => continue,
                        mqtt_proto::QosPid::AtLeastOnce(id) => Packet::PubAck(Ack::new(id)),
                        mqtt_proto::QosPid::ExactlyOnce(id) => Packet::PubRec(Ack::new(id)),
                    }
                }
                Packet::PubRel(a) => Packet::PubComp(Ack::new(a.packet_id)),
                other => panic!("unexpected {other:?}"),
            };
            self.codec.encode(&reply, &mut self.tx).expect("ack encodes");
        }
    }
}

/// Our client, connected, with its driver's buffers.
struct Ours {
    conn: Connection,
    now: Instant,
    topic: TopicName,
    payload: Bytes,
    wire: BytesMut,
    /// When set, what each round wrote (for the `broker alone` line).
    record: Option<Vec<Vec<u8>>>,
}

impl Ours {
    fn new() -> Self {
        let now = Instant::ZERO;
        let options = Options::new(VERSION, "bench").expect("client id").with_max_inflight(IN_FLIGHT as u16);
        let mut conn = Connection::new(options, now).expect("CONNECT encodes");
        let mut wire = BytesMut::with_capacity(64 * 1024);
        while conn.poll_transmit(now, &mut wire).is_some() {}
        wire.clear();
        let mut connack = BytesMut::new();
        let ok = ConnAck::<Bytes> { session_present: false, ..Default::default() };
        Codec::new(VERSION).encode(&Packet::from(ok), &mut connack).expect("CONNACK encodes");
        conn.handle_bytes(&connack, now);
        assert!(matches!(conn.poll_event(), Some(Event::Connected(_))));
        Self {
            conn,
            now,
            topic: TopicName::from_static(TOPIC).expect("topic"),
            payload: Bytes::from_static(PAYLOAD),
            wire,
            record: None,
        }
    }

    /// Completes `MESSAGES` QoS 1 or 2 publishes; returns how many completed.
    fn run(&mut self, broker: &mut AckingBroker, qos: QoS) -> usize {
        let (mut published, mut completed) = (0, 0);
        while completed < MESSAGES {
            while published < MESSAGES && published - completed < IN_FLIGHT {
                let topic = self.topic.clone();
                black_box(self.conn.publish(topic, self.payload.clone(), qos, false).expect("publish"));
                published += 1;
            }
            while self.conn.poll_transmit(self.now, &mut self.wire).is_some() {}
            if let Some(record) = &mut self.record {
                record.push(self.wire.to_vec());
            }
            broker.handle(&self.wire);
            self.wire.clear();
            self.conn.handle_bytes(&broker.tx, self.now);
            broker.tx.clear();
            while let Some(event) = self.conn.poll_event() {
                if let Event::Published(p) = event {
                    black_box(p.packet_id);
                    completed += 1;
                }
            }
            black_box(self.conn.poll_timeout());
        }
        completed
    }

    /// Publishes and transmits `MESSAGES` QoS 0 messages; returns the bytes.
    fn run_qos0(&mut self) -> usize {
        let mut bytes = 0;
        for i in 0..MESSAGES {
            let topic = self.topic.clone();
            black_box(self.conn.publish(topic, self.payload.clone(), QoS::AtMostOnce, false).expect("publish"));
            while self.conn.poll_transmit(self.now, &mut self.wire).is_some() {}
            if i % IN_FLIGHT == IN_FLIGHT - 1 {
                bytes += self.wire.len();
                self.wire.clear();
            }
        }
        bytes += self.wire.len();
        self.wire.clear();
        bytes
    }
}

/// rumqttc's state machine with the buffers its event loop would use.
struct Theirs {
    state: rumqttc::MqttState,
    publish: rv4::Publish,
    wire: BytesMut,
    rx: BytesMut,
}

impl Theirs {
    fn new(qos: RQoS) -> Self {
        Self {
            state: rumqttc::MqttState::new(IN_FLIGHT as u16, false),
            publish: rv4::Publish::new(TOPIC, qos, PAYLOAD.to_vec()),
            wire: BytesMut::with_capacity(64 * 1024),
            rx: BytesMut::with_capacity(16 * 1024),
        }
    }

    fn send(&mut self, request: rumqttc::Request) {
        if let Some(packet) = self.state.handle_outgoing_packet(request).expect("outgoing") {
            packet.write(&mut self.wire, RUMQTTC_MAX).expect("write");
        }
    }

    /// As [`Ours::run`].
    fn run(&mut self, broker: &mut AckingBroker) -> usize {
        let (mut published, mut completed) = (0, 0);
        while completed < MESSAGES {
            while published < MESSAGES && published - completed < IN_FLIGHT {
                self.send(rumqttc::Request::Publish(self.publish.clone()));
                published += 1;
            }
            broker.handle(&self.wire);
            self.wire.clear();
            self.rx.extend_from_slice(&broker.tx);
            broker.tx.clear();
            loop {
                match rv4::Packet::read(&mut self.rx, RUMQTTC_MAX) {
                    Ok(packet) => {
                        if matches!(packet, rv4::Packet::PubAck(_) | rv4::Packet::PubComp(_)) {
                            completed += 1;
                        }
                        if let Some(reply) = self.state.handle_incoming_packet(packet).expect("incoming") {
                            reply.write(&mut self.wire, RUMQTTC_MAX).expect("write");
                        }
                    }
                    Err(rumqttc::mqttbytes::Error::InsufficientBytes(_)) => break,
                    Err(e) => panic!("{e:?}"),
                }
            }
            while let Some(event) = self.state.events.pop_front() {
                black_box(event);
            }
        }
        completed
    }

    /// As [`Ours::run_qos0`].
    fn run_qos0(&mut self) -> usize {
        let mut bytes = 0;
        for i in 0..MESSAGES {
            self.send(rumqttc::Request::Publish(self.publish.clone()));
            while let Some(event) = self.state.events.pop_front() {
                black_box(event);
            }
            if i % IN_FLIGHT == IN_FLIGHT - 1 {
                bytes += self.wire.len();
                self.wire.clear();
            }
        }
        bytes += self.wire.len();
        self.wire.clear();
        bytes
    }
}

fn configure(g: &mut BenchmarkGroup<'_, WallTime>) {
    g.sample_size(20);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Elements(MESSAGES as u64));
}

fn bench_acked(c: &mut Criterion, name: &str, qos: QoS, rqos: RQoS) {
    let mut broker = AckingBroker::new();
    let mut ours = Ours::new();
    ours.record = Some(Vec::new());
    assert_eq!(ours.run(&mut broker, qos), MESSAGES);
    let rounds = ours.record.take().expect("recorded");
    let mut theirs = Theirs::new(rqos);
    assert_eq!(theirs.run(&mut broker), MESSAGES);
    assert_eq!(broker.publishes, 2 * MESSAGES);
    let replay = |broker: &mut AckingBroker| {
        for round in &rounds {
            broker.handle(round);
            black_box(&broker.tx);
            broker.tx.clear();
        }
    };
    replay(&mut broker);
    assert_eq!(broker.publishes, 3 * MESSAGES);

    let mut g = c.benchmark_group(name);
    configure(&mut g);
    g.bench_function("mqtt-proto", |b| b.iter(|| black_box(ours.run(&mut broker, qos))));
    g.bench_function("rumqttc MqttState", |b| b.iter(|| black_box(theirs.run(&mut broker))));
    g.bench_function("broker alone", |b| b.iter(|| replay(&mut broker)));
    g.finish();
}

fn bench_qos0(c: &mut Criterion) {
    let mut ours = Ours::new();
    let mut theirs = Theirs::new(RQoS::AtMostOnce);
    let (a, b) = (ours.run_qos0(), theirs.run_qos0());
    assert_eq!(a, b, "both write the same bytes");
    let mut broker = AckingBroker::new();
    let mut wire = BytesMut::new();
    theirs.send(rumqttc::Request::Publish(theirs.publish.clone()));
    wire.extend_from_slice(&theirs.wire);
    broker.handle(&wire);
    assert_eq!(broker.publishes, 1);
    theirs.wire.clear();

    let mut g = c.benchmark_group("connection_qos0");
    configure(&mut g);
    g.bench_function("mqtt-proto", |b| b.iter(|| black_box(ours.run_qos0())));
    g.bench_function("rumqttc MqttState", |b| b.iter(|| black_box(theirs.run_qos0())));
    g.finish();
}

fn connection_benches(c: &mut Criterion) {
    bench_acked(c, "connection_qos1", QoS::AtLeastOnce, RQoS::AtLeastOnce);
    bench_acked(c, "connection_qos2", QoS::ExactlyOnce, RQoS::ExactlyOnce);
    bench_qos0(c);
}

criterion_group!(benches, connection_benches);
criterion_main!(benches);
