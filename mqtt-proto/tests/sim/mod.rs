//! A simulated server for Connection tests: the client's bytes are decoded into
//! packets the test inspects, and the test scripts the server's packets. Time is
//! a value; there are no sockets and no sleeps.

#![allow(dead_code, unreachable_pub)]

use core::time::Duration;

use bytes::{Bytes, BytesMut};
use mqtt_proto::{
    Ack, Codec, ConnAck, Connection, Event, Instant, Options, Packet, PacketId, ProtocolVersion, Publish, QoS, QosPid,
    ReasonCode, TopicName,
};

/// A client Connection and the server end of its (simulated) network connection.
pub struct Sim {
    pub client: Connection,
    pub now: Instant,
    /// Decodes what the client sends (as a server would).
    pub server_codec: Codec,
    /// Bytes the client sent that the server has not decoded yet.
    pub wire: BytesMut,
    /// Events the client reported, in order, not yet taken by the test.
    pub events: Vec<Event>,
    /// Whether a Closed event has been seen (checked: exactly once).
    pub closed_seen: usize,
    /// Bytes the client transmitted after its Closed event was polled.
    pub bytes_after_closed: usize,
}

pub fn pid(id: u16) -> PacketId {
    PacketId::new(id).expect("non-zero id")
}

pub fn topic(s: &str) -> TopicName {
    TopicName::try_from(s).expect("valid topic")
}

pub fn options(version: ProtocolVersion) -> Options {
    Options::new(version, "sim-client").expect("valid client id")
}

pub fn connack_ok(session_present: bool) -> Packet {
    Packet::from(ConnAck { session_present, reason_code: ReasonCode::Success, properties: Default::default() })
}

impl Sim {
    /// A new connection (CONNECT queued), nothing exchanged yet.
    pub fn new(options: Options) -> Self {
        let version = options.version;
        let now = Instant::ZERO;
        let client = Connection::new(options, now).expect("CONNECT encodes");
        Self::with_client(client, version, now)
    }

    pub fn with_client(client: Connection, version: ProtocolVersion, now: Instant) -> Self {
        Self {
            client,
            now,
            server_codec: Codec::new(version),
            wire: BytesMut::new(),
            events: Vec::new(),
            closed_seen: 0,
            bytes_after_closed: 0,
        }
    }

    /// A connection that sent CONNECT and got `connack`. The CONNECT and the
    /// Connected event are consumed.
    pub fn connected_with(options: Options, connack: Packet) -> Self {
        let mut sim = Self::new(options);
        let connect = sim.recv();
        assert!(matches!(connect.first(), Some(Packet::Connect(_))), "first packet is CONNECT: {connect:?}");
        sim.send(connack);
        let events = sim.take_events();
        assert!(matches!(events.first(), Some(Event::Connected(_))), "connected: {events:?}");
        sim
    }

    pub fn connected(version: ProtocolVersion) -> Self {
        Self::connected_with(options(version), connack_ok(false))
    }

    /// Drains the client by the drain rule: transmit, then events.
    pub fn drain(&mut self) {
        let mut buf = BytesMut::new();
        while let Some(n) = self.client.poll_transmit(self.now, &mut buf) {
            assert!(n > 0);
        }
        if self.closed_seen > 0 {
            self.bytes_after_closed += buf.len();
        }
        self.wire.extend_from_slice(&buf);
        while let Some(event) = self.client.poll_event() {
            if matches!(event, Event::Closed(_)) {
                self.closed_seen += 1;
                assert_eq!(self.closed_seen, 1, "Closed is delivered exactly once");
            }
            self.events.push(event);
        }
    }

    /// Every packet the client sent since the last call, decoded.
    pub fn recv(&mut self) -> Vec<Packet> {
        self.drain();
        let mut packets = Vec::new();
        while let Some(p) = self.server_codec.decode(&mut self.wire).expect("client sends valid packets") {
            packets.push(p);
        }
        assert!(self.wire.is_empty(), "client sent a partial packet");
        packets
    }

    /// The raw bytes the client sent since the last call.
    pub fn recv_bytes(&mut self) -> Bytes {
        self.drain();
        self.wire.split().freeze()
    }

    /// The server sends `packet`.
    pub fn send(&mut self, packet: Packet) {
        let mut buf = BytesMut::new();
        self.server_codec.encode(&packet, &mut buf).expect("server packet encodes");
        self.send_bytes(&buf);
    }

    pub fn send_bytes(&mut self, bytes: &[u8]) {
        self.client.handle_bytes(bytes, self.now);
        self.drain();
    }

    /// Moves time forward and lets the client handle any deadline that passed.
    pub fn advance(&mut self, by: Duration) {
        self.now = self.now + by;
        if self.client.poll_timeout().is_some_and(|t| t <= self.now) {
            self.client.handle_timeout(self.now);
        }
        self.drain();
    }

    /// Moves time to the client's next deadline and handles it.
    pub fn advance_to_timeout(&mut self) -> bool {
        let Some(t) = self.client.poll_timeout() else { return false };
        if t > self.now {
            self.now = t;
        }
        self.client.handle_timeout(self.now);
        self.drain();
        true
    }

    pub fn take_events(&mut self) -> Vec<Event> {
        self.drain();
        core::mem::take(&mut self.events)
    }

    pub fn eof(&mut self) {
        self.client.handle_eof(self.now);
        self.drain();
    }
}

/// A PUBLISH as the server would send it.
pub fn server_publish(t: &str, payload: &'static [u8], qos: QosPid) -> Packet {
    let mut p = Publish::new(topic(t), Bytes::from_static(payload));
    p.qos = qos;
    Packet::Publish(p)
}

pub fn puback(id: u16) -> Packet {
    Packet::PubAck(Ack::new(pid(id)))
}
pub fn pubrec(id: u16) -> Packet {
    Packet::PubRec(Ack::new(pid(id)))
}
pub fn pubrel(id: u16) -> Packet {
    Packet::PubRel(Ack::new(pid(id)))
}
pub fn pubcomp(id: u16) -> Packet {
    Packet::PubComp(Ack::new(pid(id)))
}

pub const Q1: QoS = QoS::AtLeastOnce;
pub const Q2: QoS = QoS::ExactlyOnce;

// ---- Lifecycle, keep alive, error and authentication helpers ----

/// Every protocol version, oldest first.
pub const ALL_VERSIONS: [ProtocolVersion; 3] = [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1, ProtocolVersion::V5];

/// A string field of a packet.
pub fn mqtt_str(s: &str) -> mqtt_proto::MqttStr {
    mqtt_proto::MqttStr::try_from(s).expect("valid MQTT string")
}

/// A CONNACK accepting the connection (no session) with MQTT 5 `properties`.
pub fn connack_props(properties: mqtt_proto::ConnAckProperties) -> Packet {
    Packet::from(ConnAck { session_present: false, reason_code: ReasonCode::Success, properties })
}

impl Sim {
    /// The CONNECT the client queued, decoded; panics on anything else.
    pub fn recv_connect(&mut self) -> mqtt_proto::Connect {
        let sent = self.recv();
        match <[Packet; 1]>::try_from(sent) {
            Ok([Packet::Connect(c)]) => *c,
            other => panic!("expected exactly one CONNECT, got {other:?}"),
        }
    }

    /// The events since the last call, which must end with exactly one Closed;
    /// returns the events before it and the reason.
    pub fn take_closed(&mut self) -> (Vec<Event>, mqtt_proto::CloseReason) {
        let mut events = self.take_events();
        match events.pop() {
            Some(Event::Closed(reason)) => (events, reason),
            other => panic!("expected Closed last, got {other:?} after {events:?}"),
        }
    }
}

// ---- Helpers for the QoS, subscription, session and MQTT 5 limit tests ----

/// A CONNACK accepting the connection, with MQTT 5 properties (the server's
/// limits).
pub fn connack_with(session_present: bool, properties: mqtt_proto::ConnAckProperties) -> Packet {
    Packet::from(ConnAck { session_present, reason_code: ReasonCode::Success, properties })
}

/// A topic filter; panics if it is not valid.
pub fn filter(s: &str) -> mqtt_proto::TopicFilter {
    mqtt_proto::TopicFilter::try_from(s).expect("valid topic filter")
}

/// The ids and reason codes of the `Published` events in `events`, in order.
pub fn published(events: &[Event]) -> Vec<(u16, ReasonCode)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Published(p) => Some((p.packet_id.get(), p.reason_code)),
            _ => None,
        })
        .collect()
}

impl Sim {
    /// Publishes `payload` to `t` at QoS 1 or 2 and returns the packet id.
    pub fn publish(&mut self, t: &str, payload: &'static [u8], qos: QoS) -> PacketId {
        let id = self.client.publish(topic(t), Bytes::from_static(payload), qos, false).expect("publish accepted");
        id.expect("QoS 1 and 2 publishes have a packet id")
    }

    /// The network connection ends (EOF; the old connection's events are
    /// dropped) and the session continues on a new connection made with
    /// `options` at the same time. Its CONNECT is queued, not yet received.
    pub fn reconnect(mut self, options: Options) -> Sim {
        self.eof();
        let now = self.now;
        let version = options.version;
        let session = self.client.into_session();
        let client = Connection::resume(options, session, now).expect("CONNECT encodes");
        Sim::with_client(client, version, now)
    }
}
