//! Codec throughput: decode and encode 100,000 back-to-back QoS 0 PUBLISH packets
//! (topic `sensors/room1/temperature`, 64 B and 1 KiB payloads), side by side with
//! rumqttc's `mqttbytes::v4` codec, mqttrs, and a floor.
//!
//! Decode lines, all over the same wire buffer:
//! - `mqtt-proto slice`: [`Codec::decode_slice`], packets borrow the input.
//! - `mqtt-proto bytes`: [`Codec::decode`] on a `BytesMut`, packets own `Bytes` slices.
//! - `rumqttc v4`: `v4::Packet::read(&mut BytesMut, max)`.
//! - `mqttrs`: `mqttrs::decode_slice` walked over the buffer.
//! - `floor`: only the fixed headers and remaining lengths are read; the least any
//!   decoder must do.
//!
//! Every decode line gets a fresh `BytesMut` copy of the input, made outside the
//! timed part (`iter_batched`), and hands it back so that freeing it is not timed
//! either. Every decoder adds the topic and payload length of each packet to an
//! accumulator that is `black_box`ed.
//!
//! Encode lines encode one prebuilt packet 100,000 times (the packet goes through
//! `black_box` each time, so nothing is hoisted out of the loop) into an output
//! buffer sized for all of them and reused across iterations:
//! - `mqtt-proto bytes`: [`Codec::encode`] into a `BytesMut`, cleared each iteration.
//! - `mqtt-proto slice`: [`Codec::encode`] into a `&mut [u8]` (which is a `BufMut`).
//! - `rumqttc v4`: `v4::Publish::write` into a `BytesMut`, cleared each iteration.
//! - `mqttrs`: `mqttrs::encode_slice` into a `&mut [u8]`.
//! - `floor`: copying the already encoded packet bytes into a `BytesMut`.
//!
//! Before any timing, the setup checks that every decoder finds exactly 100,000
//! packets and that every encoder produces exactly the input buffer.

use core::hint::black_box;
use core::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use mqtt_proto::{Codec, Packet, ProtocolVersion, Publish, TopicName};
use rumqttc::mqttbytes::QoS as RQoS;
use rumqttc::mqttbytes::v4 as rv4;

/// Packets per buffer.
const PACKETS: usize = 100_000;
/// The topic of every packet.
const TOPIC: &str = "sensors/room1/temperature";
/// The maximum packet size given to rumqttc (the largest MQTT allows).
const RUMQTTC_MAX: usize = mqtt_proto::MAX_PACKET_SIZE as usize;

/// Decode results: how many packets, and the sum of their topic and payload lengths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Tally {
    packets: usize,
    bytes: usize,
}

impl Tally {
    const ZERO: Self = Self { packets: 0, bytes: 0 };

    #[inline(always)]
    fn add(&mut self, topic: usize, payload: usize) {
        self.packets += 1;
        self.bytes += topic + payload;
    }
}

/// One payload size: the payload, the encoded packet, and the wire buffer.
struct Case {
    name: &'static str,
    payload: Bytes,
    /// One encoded packet.
    frame: Vec<u8>,
    /// `PACKETS` copies of `frame`, back to back.
    wire: Vec<u8>,
}

impl Case {
    fn new(name: &'static str, payload_len: usize) -> Self {
        let payload: Vec<u8> = (0..payload_len).map(|i| (i % 251) as u8).collect();
        let payload = Bytes::from(payload);
        let mut frame = BytesMut::new();
        Codec::new(ProtocolVersion::V3_1_1)
            .encode(&ours_packet(&payload), &mut frame)
            .expect("encode the reference packet");
        let frame = frame.to_vec();
        let wire = frame.repeat(PACKETS);
        Self { name, payload, frame, wire }
    }

    /// A fresh copy of the wire buffer, made outside the timed part.
    fn fresh(&self) -> BytesMut {
        BytesMut::from(&self.wire[..])
    }

    /// The topic and payload length of one packet, as every decoder must tally them.
    fn expected(&self) -> Tally {
        Tally { packets: PACKETS, bytes: PACKETS * (TOPIC.len() + self.payload.len()) }
    }
}

fn ours_packet(payload: &Bytes) -> Packet<Bytes> {
    Packet::Publish(Publish::new(TopicName::from_static(TOPIC).expect("valid topic"), payload.clone()))
}

fn rumqttc_publish(payload: &Bytes) -> rv4::Publish {
    rv4::Publish::from_bytes(TOPIC, RQoS::AtMostOnce, payload.clone())
}

fn mqttrs_packet(payload: &[u8]) -> mqttrs::Packet<'_> {
    mqttrs::Packet::Publish(mqttrs::Publish {
        dup: false,
        qospid: mqttrs::QosPid::AtMostOnce,
        retain: false,
        topic_name: TOPIC,
        payload,
    })
}

// ---------------------------------------------------------------------------
// Decoders

fn decode_ours_slice(codec: &Codec, buf: &[u8]) -> Tally {
    let mut t = Tally::ZERO;
    let mut rest = buf;
    while let Some((packet, used)) = codec.decode_slice(rest).expect("mqtt-proto decode_slice") {
        let Packet::Publish(p) = packet else { panic!("not a PUBLISH") };
        t.add(p.topic.as_bytes().len(), p.payload.len());
        rest = &rest[used..];
    }
    t
}

fn decode_ours_bytes(codec: &Codec, buf: &mut BytesMut) -> Tally {
    let mut t = Tally::ZERO;
    while let Some(packet) = codec.decode(buf).expect("mqtt-proto decode") {
        let Packet::Publish(p) = packet else { panic!("not a PUBLISH") };
        t.add(p.topic.as_bytes().len(), p.payload.len());
    }
    t
}

fn decode_rumqttc(buf: &mut BytesMut) -> Tally {
    let mut t = Tally::ZERO;
    while !buf.is_empty() {
        let rv4::Packet::Publish(p) = rv4::Packet::read(buf, RUMQTTC_MAX).expect("rumqttc read") else {
            panic!("not a PUBLISH")
        };
        t.add(p.topic.len(), p.payload.len());
    }
    t
}

fn decode_mqttrs(buf: &[u8]) -> Tally {
    let mut t = Tally::ZERO;
    let mut rest = buf;
    while let Some(packet) = mqttrs::decode_slice(rest).expect("mqttrs decode_slice") {
        let mqttrs::Packet::Publish(p) = packet else { panic!("not a PUBLISH") };
        t.add(p.topic_name.len(), p.payload.len());
        // mqttrs does not say how many bytes it used; a PUBLISH ends where its payload
        // ends, and the payload is a slice of `rest`.
        let end = p.payload.as_ptr() as usize + p.payload.len() - rest.as_ptr() as usize;
        rest = &rest[end..];
    }
    t
}

/// The floor: read each first byte and remaining length, skip the body. It tallies
/// the first byte and the remaining length so that the walk has a result.
fn decode_floor(buf: &[u8]) -> Tally {
    let mut t = Tally::ZERO;
    let mut pos = 0;
    while pos < buf.len() {
        let first = buf[pos];
        let mut remaining = 0usize;
        let mut shift = 0;
        pos += 1;
        loop {
            let byte = buf[pos];
            pos += 1;
            remaining |= usize::from(byte & 0x7F) << shift;
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        t.add(usize::from(first), remaining);
        pos += remaining;
    }
    t
}

// ---------------------------------------------------------------------------
// Encoders: each encodes `PACKETS` packets and returns the bytes written.

fn encode_ours_bytes(codec: &Codec, packet: &Packet<Bytes>, out: &mut BytesMut) -> usize {
    out.clear();
    for _ in 0..PACKETS {
        codec.encode(black_box(packet), out).expect("mqtt-proto encode");
    }
    out.len()
}

fn encode_ours_slice(codec: &Codec, packet: &Packet<Bytes>, out: &mut [u8]) -> usize {
    let len = out.len();
    let mut w: &mut [u8] = out;
    for _ in 0..PACKETS {
        codec.encode(black_box(packet), &mut w).expect("mqtt-proto encode");
    }
    len - w.len()
}

fn encode_rumqttc(publish: &rv4::Publish, out: &mut BytesMut) -> usize {
    out.clear();
    for _ in 0..PACKETS {
        black_box(publish).write(out).expect("rumqttc write");
    }
    out.len()
}

fn encode_mqttrs(packet: &mqttrs::Packet<'_>, out: &mut [u8]) -> usize {
    let mut offset = 0;
    for _ in 0..PACKETS {
        offset += mqttrs::encode_slice(black_box(packet), &mut out[offset..]).expect("mqttrs encode_slice");
    }
    offset
}

fn encode_floor(frame: &[u8], out: &mut BytesMut) -> usize {
    out.clear();
    for _ in 0..PACKETS {
        out.put_slice(black_box(frame));
    }
    out.len()
}

// ---------------------------------------------------------------------------
// Correctness, outside any timing.

fn check(case: &Case, codec: &Codec) {
    let want = case.expected();
    assert_eq!(decode_ours_slice(codec, &case.wire), want, "mqtt-proto slice");
    assert_eq!(decode_ours_bytes(codec, &mut case.fresh()), want, "mqtt-proto bytes");
    assert_eq!(decode_rumqttc(&mut case.fresh()), want, "rumqttc v4");
    assert_eq!(decode_mqttrs(&case.wire), want, "mqttrs");
    let floor = decode_floor(&case.wire);
    assert_eq!(floor.packets, PACKETS, "floor");

    let size = case.wire.len();
    let mut out = BytesMut::with_capacity(size);
    assert_eq!(encode_ours_bytes(codec, &ours_packet(&case.payload), &mut out), size);
    assert!(out[..] == case.wire[..], "mqtt-proto bytes encodes the wire buffer");
    let mut slice = vec![0u8; size];
    assert_eq!(encode_ours_slice(codec, &ours_packet(&case.payload), &mut slice), size);
    assert!(slice == case.wire, "mqtt-proto slice encodes the wire buffer");

    let mut one = BytesMut::new();
    rumqttc_publish(&case.payload).write(&mut one).expect("rumqttc write");
    assert_eq!(one[..], case.frame[..], "rumqttc and mqtt-proto encode the same bytes");
    assert_eq!(encode_rumqttc(&rumqttc_publish(&case.payload), &mut out), size);
    assert!(out[..] == case.wire[..], "rumqttc encodes the wire buffer");

    let mut one = vec![0u8; case.frame.len()];
    let n = mqttrs::encode_slice(&mqttrs_packet(&case.payload), &mut one).expect("mqttrs encode");
    assert_eq!(one[..n], case.frame[..], "mqttrs and mqtt-proto encode the same bytes");
    slice.fill(0);
    assert_eq!(encode_mqttrs(&mqttrs_packet(&case.payload), &mut slice), size);
    assert!(slice == case.wire, "mqttrs encodes the wire buffer");

    assert_eq!(encode_floor(&case.frame, &mut out), size);
    assert!(out[..] == case.wire[..], "floor copies the wire buffer");
}

// ---------------------------------------------------------------------------
// Benchmarks

fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .throughput(Throughput::Elements(PACKETS as u64))
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
}

fn bench_decode(c: &mut Criterion, case: &Case, codec: &Codec) {
    let mut g = c.benchmark_group(format!("decode_{}", case.name));
    configure(&mut g);
    // Every line decodes from its own fresh copy, made untimed, and returns it so
    // that freeing it is untimed too.
    g.bench_function("mqtt-proto slice", |b| {
        b.iter_batched(
            || case.fresh(),
            |buf| {
                black_box(decode_ours_slice(black_box(codec), black_box(&buf[..])));
                buf
            },
            BatchSize::LargeInput,
        );
    });
    g.bench_function("mqtt-proto bytes", |b| {
        b.iter_batched(
            || case.fresh(),
            |mut buf| {
                black_box(decode_ours_bytes(black_box(codec), black_box(&mut buf)));
                buf
            },
            BatchSize::LargeInput,
        );
    });
    g.bench_function("rumqttc v4", |b| {
        b.iter_batched(
            || case.fresh(),
            |mut buf| {
                black_box(decode_rumqttc(black_box(&mut buf)));
                buf
            },
            BatchSize::LargeInput,
        );
    });
    g.bench_function("mqttrs", |b| {
        b.iter_batched(
            || case.fresh(),
            |buf| {
                black_box(decode_mqttrs(black_box(&buf[..])));
                buf
            },
            BatchSize::LargeInput,
        );
    });
    g.bench_function("floor", |b| {
        b.iter_batched(
            || case.fresh(),
            |buf| {
                black_box(decode_floor(black_box(&buf[..])));
                buf
            },
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

fn bench_encode(c: &mut Criterion, case: &Case, codec: &Codec) {
    let size = case.wire.len();
    let mut g = c.benchmark_group(format!("encode_{}", case.name));
    configure(&mut g);
    let ours = ours_packet(&case.payload);
    let mut out = BytesMut::with_capacity(size);
    g.bench_function("mqtt-proto bytes", |b| {
        b.iter(|| black_box(encode_ours_bytes(black_box(codec), &ours, &mut out)));
    });
    let mut slice = vec![0u8; size];
    g.bench_function("mqtt-proto slice", |b| {
        b.iter(|| black_box(encode_ours_slice(black_box(codec), &ours, &mut slice)));
    });
    let publish = rumqttc_publish(&case.payload);
    g.bench_function("rumqttc v4", |b| {
        b.iter(|| black_box(encode_rumqttc(&publish, &mut out)));
    });
    let packet = mqttrs_packet(&case.payload);
    g.bench_function("mqttrs", |b| {
        b.iter(|| black_box(encode_mqttrs(&packet, &mut slice)));
    });
    g.bench_function("floor", |b| {
        b.iter(|| black_box(encode_floor(&case.frame, &mut out)));
    });
    g.finish();
}

fn codec_benches(c: &mut Criterion) {
    let codec = Codec::new(ProtocolVersion::V3_1_1);
    let cases = [Case::new("64B", 64), Case::new("1KiB", 1024)];
    for case in &cases {
        check(case, &codec);
    }
    for case in &cases {
        bench_decode(c, case, &codec);
    }
    for case in &cases {
        bench_encode(c, case, &codec);
    }
}

criterion_group!(benches, codec_benches);
criterion_main!(benches);
