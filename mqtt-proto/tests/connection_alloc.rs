//! Heap allocations per message in steady state, counted by a global allocator.
//!
//! After a warm-up (so the connection's buffers, queues and slabs reached their
//! size) publishing makes no heap allocation per message: the publish command,
//! `poll_transmit` into a reused buffer, the server's acknowledgements fed with
//! `handle_bytes`, and draining `poll_event`. The caller allocates nothing
//! either: the payload is a `Bytes::from_static` and the topic a pre-built
//! `TopicName`. Counts, not time.
//!
//! Only allocations made on the measuring thread are counted, so tests running
//! in parallel do not disturb each other.
//!
//! A counting allocator is an `unsafe impl GlobalAlloc`: the workspace denies
//! unsafe code, this test allows it, and the libraries forbid it outright.

#![allow(unsafe_code)]

extern crate alloc;

use alloc::collections::VecDeque;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;
use core::hint::black_box;
use std::alloc::System;

use bytes::{Bytes, BytesMut};
use mqtt_proto::{
    Ack, Codec, ConnAck, Connection, Event, Instant, Options, Packet, PacketId, ProtocolVersion, Publish, QoS, QosPid,
    ReasonCode, TopicName,
};

/// Wraps the system allocator and counts the allocations (including
/// reallocations) of threads that turned counting on.
struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

// SAFETY: every call is forwarded unchanged to `System`; counting touches only
// thread-local `Cell`s, which neither allocate nor unwind.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and returns how many allocations it made on this thread.
fn allocations_in(f: impl FnOnce()) -> usize {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|on| on.set(true));
    f();
    COUNTING.with(|on| on.set(false));
    ALLOCATIONS.with(Cell::get)
}

const WARM_UP: usize = 1000;
const MEASURED: usize = 1000;
const VERSIONS: [ProtocolVersion; 3] = [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1, ProtocolVersion::V5];

/// A client connection past CONNACK, with the server's codec.
fn connected(version: ProtocolVersion, max_inflight: u16) -> (Connection, Codec) {
    let now = Instant::ZERO;
    let options = Options::new(version, "alloc").expect("client id").with_max_inflight(max_inflight);
    let mut conn = Connection::new(options, now).expect("CONNECT encodes");
    let mut out = BytesMut::new();
    while conn.poll_transmit(now, &mut out).is_some() {}
    let server = Codec::new(version);
    let connack =
        ConnAck::<Bytes> { session_present: false, reason_code: ReasonCode::Success, properties: Default::default() };
    let mut bytes = BytesMut::new();
    server.encode(&Packet::from(connack), &mut bytes).expect("CONNACK encodes");
    conn.handle_bytes(&bytes, now);
    assert!(matches!(conn.poll_event(), Some(Event::Connected(_))));
    (conn, server)
}

/// The server's acknowledgements, pre-encoded for every packet id:
/// `table[id]` is the packet `make(id)`.
fn pre_encoded(server: Codec, make: impl Fn(PacketId) -> Packet) -> Vec<Vec<u8>> {
    let mut table = vec![Vec::new()];
    for id in 1..=u16::MAX {
        let mut buf = BytesMut::new();
        server.encode(&make(PacketId::new(id).expect("non-zero")), &mut buf).expect("ack encodes");
        table.push(buf.to_vec());
    }
    table
}

/// Everything a driver does per published message, following the drain rule.
struct Driver {
    conn: Connection,
    now: Instant,
    topic: TopicName,
    payload: Bytes,
    /// The driver's reused output buffer, cleared after each write.
    out: BytesMut,
    /// Bytes written to the "network", to check something went out.
    written: usize,
    completed: usize,
}

impl Driver {
    fn new(conn: Connection) -> Self {
        Self {
            conn,
            now: Instant::ZERO,
            topic: TopicName::from_static("sensors/alloc/test").expect("topic"),
            payload: Bytes::from_static(b"a payload of a few dozen bytes, static, never copied by the caller"),
            out: BytesMut::with_capacity(64 * 1024),
            written: 0,
            completed: 0,
        }
    }

    fn publish(&mut self, qos: QoS) -> Option<PacketId> {
        let id = self.conn.publish(self.topic.clone(), self.payload.clone(), qos, false).expect("publish");
        self.drain();
        id
    }

    fn input(&mut self, bytes: &[u8]) {
        self.conn.handle_bytes(bytes, self.now);
        self.drain();
    }

    fn drain(&mut self) {
        while self.conn.poll_transmit(self.now, &mut self.out).is_some() {}
        self.written += self.out.len();
        self.out.clear();
        while let Some(event) = self.conn.poll_event() {
            match event {
                Event::Published(p) => {
                    assert_eq!(p.reason_code, ReasonCode::Success);
                    self.completed += 1;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        let _ = self.conn.poll_timeout();
    }
}

#[test]
fn the_counter_counts() {
    let n = allocations_in(|| {
        let v = black_box(vec![1u8; 100]);
        let mut b = BytesMut::from(&v[..]);
        b.extend_from_slice(&[0; 1000]);
        black_box(b);
    });
    assert!(n >= 2, "{n}");
}

#[test]
fn qos0_publish_allocates_nothing_per_message() {
    for version in VERSIONS {
        let (conn, _) = connected(version, 20);
        let mut d = Driver::new(conn);
        for _ in 0..WARM_UP {
            assert_eq!(d.publish(QoS::AtMostOnce), None);
        }
        let before = d.written;
        let n = allocations_in(|| {
            for _ in 0..MEASURED {
                d.publish(QoS::AtMostOnce);
            }
        });
        assert!(d.written - before >= MEASURED * d.payload.len());
        assert_eq!(n, 0, "{version:?}: {n} allocations for {MEASURED} QoS 0 publishes");
    }
}

#[test]
fn qos1_publish_and_puback_allocate_nothing_per_message() {
    for version in VERSIONS {
        let (conn, server) = connected(version, 20);
        let pubacks = pre_encoded(server, |id| Packet::PubAck(Ack::new(id)));
        let mut d = Driver::new(conn);
        let one = |d: &mut Driver| {
            let id = d.publish(QoS::AtLeastOnce).expect("QoS 1 has an id");
            d.input(&pubacks[usize::from(id.get())]);
        };
        for _ in 0..WARM_UP {
            one(&mut d);
        }
        let n = allocations_in(|| {
            for _ in 0..MEASURED {
                one(&mut d);
            }
        });
        assert_eq!(d.completed, WARM_UP + MEASURED);
        assert_eq!(n, 0, "{version:?}: {n} allocations for {MEASURED} QoS 1 publishes");
    }
}

#[test]
fn qos1_with_a_full_window_allocates_nothing_per_message() {
    // 100 in flight: the PUBACKs arrive later, several per read.
    for version in VERSIONS {
        let (conn, server) = connected(version, 100);
        let pubacks = pre_encoded(server, |id| Packet::PubAck(Ack::new(id)));
        let mut d = Driver::new(conn);
        let mut in_flight = VecDeque::with_capacity(200);
        let mut read = Vec::with_capacity(1024);
        let mut round = |d: &mut Driver, in_flight: &mut VecDeque<PacketId>| {
            while in_flight.len() < 100 {
                in_flight.push_back(d.publish(QoS::AtLeastOnce).expect("QoS 1 has an id"));
            }
            read.clear();
            for _ in 0..10 {
                let id = in_flight.pop_front().expect("in flight");
                read.extend_from_slice(&pubacks[usize::from(id.get())]);
            }
            d.input(&read);
        };
        for _ in 0..WARM_UP / 10 {
            round(&mut d, &mut in_flight);
        }
        let n = allocations_in(|| {
            for _ in 0..MEASURED / 10 {
                round(&mut d, &mut in_flight);
            }
        });
        assert_eq!(d.completed, WARM_UP + MEASURED);
        assert_eq!(n, 0, "{version:?}: {n} allocations for {MEASURED} QoS 1 publishes, 100 in flight");
    }
}

#[test]
fn qos2_exchange_allocates_nothing_per_message() {
    for version in VERSIONS {
        let (conn, server) = connected(version, 20);
        let pubrecs = pre_encoded(server, |id| Packet::PubRec(Ack::new(id)));
        let pubcomps = pre_encoded(server, |id| Packet::PubComp(Ack::new(id)));
        let mut d = Driver::new(conn);
        let one = |d: &mut Driver| {
            let id = usize::from(d.publish(QoS::ExactlyOnce).expect("QoS 2 has an id").get());
            d.input(&pubrecs[id]);
            d.input(&pubcomps[id]);
        };
        for _ in 0..WARM_UP {
            one(&mut d);
        }
        let n = allocations_in(|| {
            for _ in 0..MEASURED {
                one(&mut d);
            }
        });
        assert_eq!(d.completed, WARM_UP + MEASURED);
        assert_eq!(n, 0, "{version:?}: {n} allocations for {MEASURED} QoS 2 publishes");
    }
}

#[test]
fn receiving_qos0_and_qos1_allocates_nothing_per_message() {
    // The message is a slice of the receive buffer; once the application drops
    // it, the buffer is reused.
    for version in VERSIONS {
        let (mut conn, server) = connected(version, 20);
        let mut wire = Vec::new();
        for (i, qos) in [QosPid::AtMostOnce, QosPid::AtLeastOnce(PacketId::new(7).expect("id"))].into_iter().enumerate()
        {
            let mut p =
                Publish::new(TopicName::from_static("sensors/in").expect("topic"), Bytes::from_static(b"reading"));
            p.qos = qos;
            let mut buf = BytesMut::new();
            server.encode(&Packet::Publish(p), &mut buf).expect("PUBLISH encodes");
            wire.push((i, buf.to_vec()));
        }
        let mut out = BytesMut::with_capacity(4096);
        let mut received = 0;
        let mut one = |conn: &mut Connection| {
            for (_, bytes) in &wire {
                conn.handle_bytes(bytes, Instant::ZERO);
                while conn.poll_transmit(Instant::ZERO, &mut out).is_some() {}
                out.clear();
                while let Some(event) = conn.poll_event() {
                    let Event::Message(m) = event else { panic!("{event:?}") };
                    assert_eq!(m.payload, "reading");
                    received += 1;
                }
            }
        };
        for _ in 0..WARM_UP {
            one(&mut conn);
        }
        let n = allocations_in(|| {
            for _ in 0..MEASURED {
                one(&mut conn);
            }
        });
        assert_eq!(received, 2 * (WARM_UP + MEASURED));
        assert_eq!(n, 0, "{version:?}: {n} allocations for receiving {MEASURED} QoS 0 and QoS 1 messages");
    }
}
