//! The connection check: a client `Connection` driven by a script that the
//! fuzzer's bytes spell, against a fake broker that checks what the client
//! sends.
//!
//! # The script
//!
//! A header sets the protocol version and the options (small limits, so that
//! they are reached: window, queue, MQTT 5 Receive Maximum, Maximum Packet Size,
//! Topic Alias Maximum, an enhanced-authentication mechanism) and whether the
//! broker accepts the connection at once with a valid CONNACK (so that the
//! state machine gets past connecting). Then each byte starts an operation,
//! whose arguments follow it:
//!
//! - broker bytes: a valid packet of the broker's (CONNACK, PUBLISH, each
//!   acknowledgement, PINGRESP, DISCONNECT, AUTH; acknowledgements mostly for
//!   ids the client has in use), or raw bytes from the input; both go into the
//!   network and arrive cut at arbitrary points;
//! - time: `handle_timeout` after a step of milliseconds to minutes, or at the
//!   deadline `poll_timeout` gave;
//! - commands: publish QoS 0, 1 or 2, subscribe, unsubscribe, ack (manual-ack
//!   mode), disconnect, re-authenticate;
//! - the network: end of file, and a new network connection, fresh or
//!   resuming the session (`into_session` then `resume`).
//!
//! After every operation the harness follows the drain rule: `poll_transmit`
//! until `None`, then `poll_event` until `None`.
//!
//! # The invariants
//!
//! Besides not panicking:
//!
//! - at most one `Closed` event per connection, nothing after it, and one
//!   whenever the state is `Closed`; nothing is transmitted once it was polled;
//! - what the client sends decodes (a server-side `Codec`) as complete packets,
//!   none over the Maximum Packet Size of the broker's CONNACK (MQTT-3.1.2-24);
//!   the CONNECT and AUTH packets sent before CONNACK are exempt, the limit was
//!   not known then;
//! - packet ids in use are never reused (MQTT-2.2.1-3): an id returned by
//!   `publish`, `subscribe` or `unsubscribe` is in use until the event that
//!   completes its exchange (`Published`, `PublishFailed`, `Subscribed`,
//!   `Unsubscribed`) or, for SUBSCRIBE and UNSUBSCRIBE, until the network
//!   connection ends; no command returns an id in use, and every completion
//!   event names an id in use. On the wire, a PUBLISH (QoS 1 or 2), SUBSCRIBE
//!   or UNSUBSCRIBE carries an id a command returned, and an id already sent
//!   and not completed is not sent again, except as a PUBLISH resent with DUP
//!   on a later connection of the session, before its PUBREL (MQTT-4.4.0-1,
//!   MQTT-4.3.3-6). A CONNACK without Session Present ends the broker's side
//!   of every id;
//! - a QoS 2 message is delivered to the application once: its id is not
//!   delivered again before the client answered the PUBREL with PUBCOMP
//!   (exactly once, MQTT 4.3.3); a CONNACK without Session Present forgets;
//! - `handle_timeout` at or after the deadline moves the deadline past `now`.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec;
use alloc::vec::Vec;
use core::num::{NonZeroU16, NonZeroU32};
use core::time::Duration;

use bytes::{Bytes, BytesMut};
use mqtt_proto::properties::{
    AckProperties, AuthProperties, ConnAckProperties, DisconnectProperties, PublishProperties, SubscribeProperties,
    UnsubscribeProperties, UserProperty,
};
use mqtt_proto::{
    Ack, Auth, Authenticator, Codec, ConnAck, Connection, Disconnect, Event, Instant, MAX_PACKET_SIZE, MqttStr,
    Options, Packet, PacketId, PacketType, ProtocolVersion, Publish, QoS, QosPid, ReasonCode, State, SubAck,
    Subscription, SubscriptionOptions, TopicFilter, TopicName, UnsubAck,
};

use super::input::Input;

/// Header flags (second byte of the input).
pub mod flags {
    /// Clean Session / Clean Start on the first connection.
    pub const CLEAN_START: u8 = 0x01;
    /// Received QoS 1 and 2 messages are acknowledged by the `ack` command.
    pub const MANUAL_ACKS: u8 = 0x02;
    /// MQTT 5: outgoing topic aliases.
    pub const ALIAS_OUT: u8 = 0x04;
    /// MQTT 5: enhanced authentication with the harness's mechanism.
    pub const AUTH: u8 = 0x08;
    /// The broker accepts the connection at once with a valid CONNACK.
    pub const PREAMBLE: u8 = 0x10;
    /// Clean Session / Clean Start on resumed connections.
    pub const CLEAN_ON_RESUME: u8 = 0x20;
    /// An empty client identifier.
    pub const EMPTY_ID: u8 = 0x40;
    /// Session Present in the CONNACK of [`PREAMBLE`].
    pub const SESSION_PRESENT: u8 = 0x80;
}

/// Operations: the first byte of each, modulo 16.
pub mod op {
    /// A valid broker packet (see [`super::broker`]), then a cut byte.
    pub const PACKET: u8 = 0;
    /// Same as [`PACKET`], for weight.
    pub const PACKET_2: u8 = 1;
    /// A length byte and that many raw bytes from the input, delivered with
    /// everything pending.
    pub const RAW: u8 = 2;
    /// Delivers everything pending.
    pub const FLUSH: u8 = 3;
    /// A time step byte, then `handle_timeout`.
    pub const TIMEOUT: u8 = 4;
    /// Same as [`TIMEOUT`], for weight.
    pub const TIMEOUT_2: u8 = 5;
    /// `publish`: a byte (bits 0-1 QoS, 2 retain, 3-6 topic, 7 properties), a
    /// payload length byte.
    pub const PUBLISH: u8 = 6;
    /// Same as [`PUBLISH`], for weight.
    pub const PUBLISH_2: u8 = 7;
    /// `subscribe`: a byte (count, bit 7 a subscription identifier), then
    /// one byte per filter (bits 0-2 filter, 3-4 QoS, 6-7 MQTT 5 options).
    pub const SUBSCRIBE: u8 = 8;
    /// `unsubscribe`: a count byte, then one byte per filter.
    pub const UNSUBSCRIBE: u8 = 9;
    /// `ack`: a byte choosing among the received ids.
    pub const ACK: u8 = 10;
    /// `disconnect` (even byte) or `disconnect_with` (odd byte).
    pub const DISCONNECT: u8 = 11;
    /// `handle_eof`.
    pub const EOF: u8 = 12;
    /// A new network connection: a byte of [`super::resume`] bits, then the
    /// CONNACK fields when it asks for one.
    pub const RESUME: u8 = 13;
    /// `reauthenticate`.
    pub const REAUTH: u8 = 14;
    /// Same as [`PACKET`], for weight.
    pub const PACKET_3: u8 = 15;
}

/// Bits of the [`op::RESUME`] byte.
pub mod resume {
    /// A fresh session (`Connection::new`) instead of `into_session` and `resume`.
    pub const FRESH: u8 = 0x01;
    /// The broker accepts at once with a valid CONNACK.
    pub const CONNACK: u8 = 0x02;
    /// Session Present in that CONNACK.
    pub const SESSION_PRESENT: u8 = 0x04;
}

/// Broker packets: the byte after [`op::PACKET`], modulo 11.
pub mod broker {
    /// CONNACK: a flags byte (bit 0 Session Present; bits 1-2 equal to 3
    /// refuse, bits 3-7 choose the refusal), then in MQTT 5 the properties.
    pub const CONNACK: u8 = 0;
    /// PUBLISH: a flags byte (bits 0-1 QoS, 2 DUP, 3 retain; MQTT 5: 4 alias, 5
    /// empty topic, 6 properties; 7 a large payload), an id (bits 0-2) and
    /// topic (bits 3-7) byte, an alias byte (MQTT 5 with alias), a payload
    /// length byte.
    pub const PUBLISH: u8 = 1;
    /// PUBACK: an id byte, a reason byte in MQTT 5.
    pub const PUBACK: u8 = 2;
    /// PUBREC: as PUBACK.
    pub const PUBREC: u8 = 3;
    /// PUBREL: an id byte (among received ids), a reason byte in MQTT 5.
    pub const PUBREL: u8 = 4;
    /// PUBCOMP: as PUBACK.
    pub const PUBCOMP: u8 = 5;
    /// SUBACK: an id byte, a count byte, a byte per reason code.
    pub const SUBACK: u8 = 6;
    /// UNSUBACK: as SUBACK (reason codes in MQTT 5 only).
    pub const UNSUBACK: u8 = 7;
    /// PINGRESP.
    pub const PINGRESP: u8 = 8;
    /// DISCONNECT: a reason byte.
    pub const DISCONNECT: u8 = 9;
    /// AUTH: a byte for reason code, method and data.
    pub const AUTH: u8 = 10;
}

/// Builds connection scripts in the format [`check_connection`] reads: the
/// seed corpus's scenarios.
#[derive(Clone, Debug, Default)]
pub struct Script(Vec<u8>);

impl Script {
    /// A header for `version` with the header `flags` and the harness's usual
    /// limits: keep alive 10 s, window 4, queue 4, connect timeout 5 s, ping
    /// timeout 3 s; in MQTT 5 Receive Maximum 2, no Maximum Packet Size, Topic
    /// Alias Maximum 2. With [`flags::PREAMBLE`] in MQTT 5 the CONNACK
    /// properties follow: add them with [`push`](Self::push) (one byte of
    /// property bits, then their values).
    #[must_use]
    pub fn new(version: ProtocolVersion, flags: u8) -> Self {
        let v = match version {
            ProtocolVersion::V3_1 => 0,
            ProtocolVersion::V3_1_1 => 1,
            _ => 2,
        };
        let mut bytes = vec![v, flags, 10, 3 | (2 << 3), 4 | (2 << 4)];
        if version.is_v5() {
            bytes.extend_from_slice(&[2, 0, 2]);
        }
        Self(bytes)
    }

    /// Appends bytes as they are.
    #[must_use]
    pub fn push(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }

    /// Appends the operation `op` with its argument bytes.
    #[must_use]
    pub fn op(self, op: u8, args: &[u8]) -> Self {
        self.push(&[op]).push(args)
    }

    /// Appends a broker packet of kind `kind` (see [`broker`]) with its
    /// argument bytes, delivered whole.
    #[must_use]
    pub fn broker(self, kind: u8, args: &[u8]) -> Self {
        self.op(op::PACKET, &[kind]).push(args).push(&[1])
    }

    /// Appends raw broker bytes, delivered in pieces of at most 255 bytes.
    #[must_use]
    pub fn raw(mut self, bytes: &[u8]) -> Self {
        for chunk in bytes.chunks(255) {
            self = self.op(op::RAW, &[u8::try_from(chunk.len()).unwrap_or(u8::MAX)]).push(chunk);
        }
        self
    }

    /// The script's bytes.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// Topics the client publishes to.
const TOPICS: [&str; 5] = ["a", "a/b", "sensors/room-17/temperature", "$SYS/uptime", "t"];
/// Filters the client subscribes to.
const FILTERS: [&str; 6] = ["a", "a/#", "+/b", "#", "$share/g/a", "sensors/+/temperature"];

/// Runs the script `data` spells and checks the invariants the module
/// documentation lists. Panics on a violation.
pub fn check_connection(data: &[u8]) {
    let mut input = Input::new(data);
    let Some(mut h) = Harness::new(&mut input) else { return };
    while !input.is_empty() {
        if !h.step(&mut input) {
            return;
        }
    }
}

/// The kind of exchange a packet id is in use for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Publish(QoS),
    Subscribe,
    Unsubscribe,
}

/// An id the client sent and whose exchange has not completed.
#[derive(Clone, Copy, Debug)]
struct Sent {
    kind: Kind,
    /// The network connection that last sent it.
    connection: u32,
    /// Whether the client sent PUBREL for it (QoS 2): its PUBLISH is never
    /// sent again.
    released: bool,
}

/// The enhanced-authentication mechanism "fz": echoes challenges; refuses
/// some (challenge "x", "q"; final data "bad").
#[derive(Clone, Debug)]
struct FuzzAuth;

impl Authenticator for FuzzAuth {
    fn method(&self) -> &str {
        "fz"
    }

    fn start(&mut self) -> Option<Bytes> {
        Some(Bytes::from_static(b"hello"))
    }

    fn respond(&mut self, challenge: Option<&[u8]>) -> Result<Option<Bytes>, ReasonCode> {
        match challenge {
            Some(b"x") => Err(ReasonCode::NotAuthorized),
            // Not a code a client DISCONNECT may carry.
            Some(b"q") => Err(ReasonCode::GrantedQoS1),
            Some(c) => Ok(Some(Bytes::copy_from_slice(c))),
            None => Ok(None),
        }
    }

    fn finish(&mut self, data: Option<&[u8]>) -> Result<(), ReasonCode> {
        if data == Some(b"bad") { Err(ReasonCode::BadAuthenticationMethod) } else { Ok(()) }
    }

    fn clone_box(&self) -> Box<dyn Authenticator> {
        Box::new(self.clone())
    }
}

/// The client, its network and the broker's bookkeeping.
struct Harness {
    version: ProtocolVersion,
    /// The client; `None` only while a reconnect moves it.
    client: Option<Connection>,
    now: Instant,
    /// Broker bytes written but not delivered yet.
    pending: BytesMut,
    /// The network connection number (every new `Connection` counts one).
    generation: u32,
    /// `Closed` events of this connection.
    closed: u32,
    /// The broker's Maximum Packet Size from this connection's CONNACK.
    max_size: u32,
    /// Ids commands returned and whose exchange has not completed.
    allocated: BTreeMap<PacketId, Kind>,
    /// Ids the client sent, whose exchange has not completed, as the broker
    /// sees them.
    sent: BTreeMap<PacketId, Sent>,
    /// Filters per SUBSCRIBE and UNSUBSCRIBE id, for the broker's acks.
    filters: BTreeMap<PacketId, usize>,
    /// Ids of QoS 1 and 2 messages the client received, newest last.
    received: Vec<PacketId>,
    /// Ids of QoS 2 messages delivered to the application whose PUBREL the
    /// client has not answered yet.
    held: BTreeSet<PacketId>,
}

impl Harness {
    /// Reads the header and starts the first connection.
    fn new(input: &mut Input<'_>) -> Option<Self> {
        let version = match input.below(3) {
            0 => ProtocolVersion::V3_1,
            1 => ProtocolVersion::V3_1_1,
            _ => ProtocolVersion::V5,
        };
        let f = input.u8();
        let keep_alive = u16::from(input.below(32));
        let limits = input.u8();
        let timeouts = input.u8();
        let client_id = if f & flags::EMPTY_ID != 0 { "" } else { "fuzz" };
        let mut options = Options::new(version, client_id)
            .ok()?
            .with_keep_alive(keep_alive)
            .with_clean_start(f & flags::CLEAN_START != 0)
            .with_manual_acks(f & flags::MANUAL_ACKS != 0)
            .with_max_inflight(1 + u16::from(limits & 0x07))
            .with_max_queued(usize::from((limits >> 3) & 0x07) * 2);
        options.clean_start_on_resume = f & flags::CLEAN_ON_RESUME != 0;
        options.connect_timeout = Duration::from_secs(1 + u64::from(timeouts & 0x0F));
        options.ping_timeout = Duration::from_secs(1 + u64::from(timeouts >> 4));
        if version.is_v5() {
            options.topic_alias_outgoing = f & flags::ALIAS_OUT != 0;
            if f & flags::AUTH != 0 {
                options.authenticator = Some(Box::new(FuzzAuth));
            }
            options.properties.receive_maximum = NonZeroU16::new(u16::from(input.below(5)));
            options.properties.maximum_packet_size = match input.u8() {
                0 => None,
                b => NonZeroU32::new(16 + 4 * u32::from(b)),
            };
            options.properties.topic_alias_maximum = Some(u16::from(input.below(4)));
            options.properties.session_expiry_interval = Some(60);
        }
        let now = Instant::ZERO;
        let conn = match Connection::new(options.clone(), now) {
            Ok(conn) => conn,
            // MQTT-3.1.3-7: an empty id needs Clean Session in 3.1.1.
            Err(_) => Connection::new(options.clone().with_clean_start(true), now).ok()?,
        };
        let mut h = Self {
            version,
            client: Some(conn),
            now,
            pending: BytesMut::new(),
            generation: 0,
            closed: 0,
            max_size: MAX_PACKET_SIZE,
            allocated: BTreeMap::new(),
            sent: BTreeMap::new(),
            filters: BTreeMap::new(),
            received: Vec::new(),
            held: BTreeSet::new(),
        };
        h.drain();
        if f & flags::PREAMBLE != 0 {
            h.accept(input, f & flags::SESSION_PRESENT != 0);
        }
        Some(h)
    }

    /// The client.
    fn conn(&mut self) -> &mut Connection {
        match &mut self.client {
            Some(conn) => conn,
            None => unreachable!("a connection is always in place between steps"),
        }
    }

    /// The client's options.
    fn options(&self) -> &Options {
        match &self.client {
            Some(conn) => conn.options(),
            None => unreachable!("a connection is always in place between steps"),
        }
    }

    /// Runs one operation. Returns false when the script cannot go on.
    fn step(&mut self, input: &mut Input<'_>) -> bool {
        match input.below(16) {
            op::PACKET | op::PACKET_2 | op::PACKET_3 => {
                if let Some(wire) = self.broker_packet(input) {
                    self.pending.extend_from_slice(&wire);
                }
                let cut = input.u8();
                let n = if cut % 4 == 0 { usize::from(cut / 4) } else { self.pending.len() };
                self.deliver(n);
            }
            op::RAW => {
                let n = usize::from(input.u8());
                let raw = input.bytes(n);
                self.pending.extend_from_slice(raw);
                self.deliver(self.pending.len());
            }
            op::FLUSH => self.deliver(self.pending.len()),
            op::TIMEOUT | op::TIMEOUT_2 => self.timeout(input.u8()),
            op::PUBLISH | op::PUBLISH_2 => self.publish(input),
            op::SUBSCRIBE => self.subscribe(input),
            op::UNSUBSCRIBE => self.unsubscribe(input),
            op::ACK => {
                let id = self.pick_received(input.u8());
                let _ = self.conn().ack(id);
                self.drain();
            }
            op::DISCONNECT => {
                let b = input.u8();
                if b & 1 == 0 {
                    self.conn().disconnect();
                } else {
                    let code =
                        [ReasonCode::Success, ReasonCode::DisconnectWithWillMessage, ReasonCode::UnspecifiedError]
                            [usize::from(b >> 1) % 3];
                    let properties = DisconnectProperties {
                        session_expiry_interval: (b & 0x10 != 0).then_some(0),
                        reason_string: (b & 0x20 != 0).then(|| text("bye")),
                        ..Default::default()
                    };
                    self.conn().disconnect_with(code, properties);
                }
                self.drain();
            }
            op::EOF => {
                let now = self.now;
                self.conn().handle_eof(now);
                self.drain();
                assert_eq!(self.conn().state(), State::Closed, "closed after end of file");
            }
            op::RESUME => return self.reconnect(input),
            op::REAUTH => {
                let _ = self.conn().reauthenticate();
                self.drain();
            }
            _ => {}
        }
        true
    }

    // ---- The network ----

    /// Delivers the first `n` pending bytes (at most all) to the client.
    fn deliver(&mut self, n: usize) {
        let chunk = self.pending.split_to(n.min(self.pending.len()));
        if !chunk.is_empty() {
            let now = self.now;
            self.conn().handle_bytes(&chunk, now);
        }
        self.drain();
    }

    /// A new network connection: fresh, or resuming the session.
    fn reconnect(&mut self, input: &mut Input<'_>) -> bool {
        let b = input.u8();
        let mut options = self.options().clone();
        let Some(old) = self.client.take() else { return false };
        let next = if b & resume::FRESH != 0 {
            drop(old);
            self.allocated.clear();
            self.sent.clear();
            self.filters.clear();
            self.received.clear();
            self.held.clear();
            options.clean_start = true;
            Connection::new(options, self.now)
        } else {
            // SUBSCRIBE and UNSUBSCRIBE are not resent: their ids end with the
            // network connection.
            let session = old.into_session();
            let resumed = |kind: &Kind| matches!(kind, Kind::Publish(_));
            self.allocated.retain(|_, kind| resumed(kind));
            self.sent.retain(|_, s| resumed(&s.kind));
            self.filters.clear();
            Connection::resume(options, session, self.now)
        };
        let Ok(conn) = next else { return false };
        self.client = Some(conn);
        self.pending.clear();
        self.generation += 1;
        self.closed = 0;
        self.max_size = MAX_PACKET_SIZE;
        self.drain();
        if b & resume::CONNACK != 0 {
            self.accept(input, b & resume::SESSION_PRESENT != 0);
        }
        true
    }

    /// The broker accepts the connection: a valid CONNACK with properties from
    /// the input, delivered whole.
    fn accept(&mut self, input: &mut Input<'_>, session_present: bool) {
        let packet = self.connack(input, Some(session_present));
        if let Some(wire) = self.encode(&packet) {
            self.pending.extend_from_slice(&wire);
        }
        self.deliver(self.pending.len());
    }

    fn timeout(&mut self, step: u8) {
        let deadline = self.conn().poll_timeout();
        let amount = u64::from(step & 0x3F);
        self.now = match step >> 6 {
            0 => self.now + Duration::from_millis(amount * 10),
            1 => self.now + Duration::from_secs(amount),
            2 => deadline.unwrap_or(self.now).max(self.now),
            _ => self.now + Duration::from_secs(amount * 30),
        };
        let now = self.now;
        self.conn().handle_timeout(now);
        self.drain();
        if deadline.is_some_and(|d| d <= self.now) {
            let next = self.conn().poll_timeout();
            assert!(next.is_none_or(|n| n > self.now), "handle_timeout at the deadline leaves it due: {next:?}");
        }
    }

    // ---- Commands ----

    fn publish(&mut self, input: &mut Input<'_>) {
        let b = input.u8();
        let qos = qos_of(b);
        let retain = b & 0x04 != 0;
        let topic = TopicName::from_static(TOPICS[usize::from((b >> 3) & 0x0F) % TOPICS.len()]).ok();
        let payload = Bytes::from(vec![b'p'; usize::from(input.u8())]);
        let mut properties = PublishProperties::default();
        if b & 0x80 != 0 {
            properties.message_expiry_interval = Some(30);
            properties.user_properties.push(UserProperty { name: text("k"), value: text("v") });
            // Dropped by the connection, which owns the aliases.
            properties.topic_alias = NonZeroU16::new(1);
        }
        let Some(topic) = topic else { return };
        let result = self.conn().publish_with_properties(topic, payload, qos, retain, properties);
        if let Ok(Some(id)) = result {
            self.allocate(id, Kind::Publish(qos), "publish");
        }
        self.drain();
    }

    fn subscribe(&mut self, input: &mut Input<'_>) {
        let b = input.u8();
        let count = 1 + usize::from(b % 3);
        let mut subscriptions = Vec::new();
        for _ in 0..count {
            let f = input.u8();
            let Ok(filter) = TopicFilter::from_static(FILTERS[usize::from(f & 0x07) % FILTERS.len()]) else { continue };
            let mut options = SubscriptionOptions::new(qos_of(f >> 3));
            if self.version.is_v5() {
                options.no_local = f & 0x40 != 0 && !filter.is_shared();
                options.retain_as_published = f & 0x80 != 0;
            }
            subscriptions.push(Subscription { filter, options });
        }
        let properties = SubscribeProperties {
            subscription_identifier: (b & 0x80 != 0).then(|| NonZeroU32::new(7)).flatten(),
            ..Default::default()
        };
        let n = subscriptions.len();
        if let Ok(id) = self.conn().subscribe(subscriptions, properties) {
            self.allocate(id, Kind::Subscribe, "subscribe");
            self.filters.insert(id, n);
        }
        self.drain();
    }

    fn unsubscribe(&mut self, input: &mut Input<'_>) {
        let count = 1 + usize::from(input.below(2));
        let filters: Vec<TopicFilter> = (0..count)
            .filter_map(|_| TopicFilter::from_static(FILTERS[usize::from(input.u8() & 0x07) % FILTERS.len()]).ok())
            .collect();
        let n = filters.len();
        if let Ok(id) = self.conn().unsubscribe(filters, UnsubscribeProperties::default()) {
            self.allocate(id, Kind::Unsubscribe, "unsubscribe");
            self.filters.insert(id, n);
        }
        self.drain();
    }

    /// Records an id a command returned: it must not be in use (MQTT-2.2.1-3).
    fn allocate(&mut self, id: PacketId, kind: Kind, command: &str) {
        if let Some(old) = self.allocated.insert(id, kind) {
            panic!("MQTT-2.2.1-3: {command} returned id {id}, in use by {old:?}");
        }
    }

    // ---- The drain rule, and the checks ----

    /// Drains `poll_transmit`, then `poll_event`, and checks what came out.
    fn drain(&mut self) {
        let mut out = BytesMut::new();
        let now = self.now;
        while let Some(n) = self.conn().poll_transmit(now, &mut out) {
            assert!(self.closed == 0, "transmitted {n} bytes after the Closed event");
            assert!(n > 0, "poll_transmit gave Some(0)");
        }
        let mut events = Vec::new();
        while let Some(event) = self.conn().poll_event() {
            assert!(self.closed == 0, "an event after Closed: {event:?}");
            if matches!(event, Event::Closed(_)) {
                self.closed += 1;
            }
            events.push(event);
        }
        let mut connected = false;
        for event in &events {
            if let Event::Connected(c) = event {
                connected = true;
                if self.version.is_v5() {
                    self.max_size = c.properties.maximum_packet_size.map_or(MAX_PACKET_SIZE, NonZeroU32::get);
                }
                if !c.session_present {
                    // The broker holds no session: no id is in use on its
                    // side, and it resends no QoS 2 message.
                    self.sent.clear();
                    self.held.clear();
                }
            }
        }
        // Events come after the bytes in the drain rule, but within one input
        // the client may complete an exchange before it sends more; so the
        // completions apply after the bytes are checked (new ids only come
        // from commands, which are separate steps).
        let pubcomps = self.check_sent(&out, connected);
        self.check_exactly_once(&events, &pubcomps);
        for event in events {
            self.apply(event);
        }
        let state = self.conn().state();
        assert_eq!(state == State::Closed, self.closed == 1, "state {state:?} after {} Closed events", self.closed);
        if state == State::Closed {
            assert_eq!(self.conn().poll_timeout(), None, "no deadline once closed");
        }
    }

    /// MQTT-4.3.3-10 (5.0; 3.1.1: 4.3.3, exactly once): a QoS 2 message is
    /// delivered once; a PUBLISH with its id is a new message only after the
    /// client answered PUBREL with PUBCOMP. Within one drain the order of
    /// deliveries and PUBCOMPs is not known, so each PUBCOMP may come first.
    fn check_exactly_once(&mut self, events: &[Event], pubcomps: &BTreeMap<PacketId, usize>) {
        let mut deliveries: BTreeMap<PacketId, usize> = BTreeMap::new();
        for event in events {
            if let Event::Message(m) = event {
                if let (QoS::ExactlyOnce, Some(id)) = (m.qos, m.packet_id) {
                    *deliveries.entry(id).or_default() += 1;
                }
            }
        }
        for (&id, &released) in pubcomps {
            if !deliveries.contains_key(&id) && released > 0 {
                self.held.remove(&id);
            }
        }
        for (id, delivered) in deliveries {
            let released = pubcomps.get(&id).copied().unwrap_or(0);
            let held = self.held.contains(&id);
            assert!(
                delivered <= released + usize::from(!held),
                "QoS 2 message {id} delivered {delivered} times with {released} PUBCOMPs (held before: {held})"
            );
            if delivered > released {
                self.held.insert(id);
            } else {
                self.held.remove(&id);
            }
        }
    }

    /// Decodes what the client sent as the broker does and checks it. Returns
    /// the number of PUBCOMPs per id.
    fn check_sent(&mut self, out: &[u8], connected: bool) -> BTreeMap<PacketId, usize> {
        let mut pubcomps = BTreeMap::new();
        let codec = Codec::new(self.version);
        // Before CONNACK the client may answer AUTH challenges.
        let mut before_connack = connected;
        let mut at = 0;
        while at < out.len() {
            let (packet, used) = match codec.decode_slice(&out[at..]) {
                Ok(Some(found)) => found,
                other => panic!("the client sent bytes that do not decode as a packet: {other:?}: {:02x?}", &out[at..]),
            };
            at += used;
            let kind = packet.packet_type();
            before_connack &= kind == PacketType::Auth;
            let exempt = kind == PacketType::Connect || before_connack;
            assert!(
                exempt || used <= self.max_size as usize,
                "MQTT-3.1.2-24: the client sent a {kind} of {used} bytes over the Maximum Packet Size {}",
                self.max_size
            );
            match packet {
                Packet::Publish(p) => {
                    if let Some(id) = p.qos.packet_id() {
                        self.send_id(id, Kind::Publish(p.qos.qos()), p.dup);
                    }
                }
                Packet::Subscribe(s) => self.send_id(s.packet_id, Kind::Subscribe, false),
                Packet::Unsubscribe(u) => self.send_id(u.packet_id, Kind::Unsubscribe, false),
                Packet::PubRel(a) => {
                    if let Some(s) = self.sent.get_mut(&a.packet_id) {
                        s.released |= s.kind == Kind::Publish(QoS::ExactlyOnce);
                    }
                }
                Packet::PubComp(a) => *pubcomps.entry(a.packet_id).or_default() += 1,
                _ => {}
            }
        }
        pubcomps
    }

    /// Checks an id the client sent with a packet that starts an exchange.
    fn send_id(&mut self, id: PacketId, kind: Kind, dup: bool) {
        let allocated = self.allocated.get(&id);
        assert_eq!(allocated, Some(&kind), "the client sent {kind:?} with id {id}, which no command returned for it");
        let generation = self.generation;
        match self.sent.get_mut(&id) {
            None => {
                self.sent.insert(id, Sent { kind, connection: generation, released: false });
            }
            Some(s) => {
                let resend = dup && s.kind == kind && s.connection < generation && !s.released;
                assert!(
                    resend,
                    "MQTT-2.2.1-3: the client sent id {id} again ({kind:?}, DUP {dup}) while in use: {s:?}"
                );
                s.connection = generation;
            }
        }
    }

    /// Applies an event: completions end the ids' use.
    fn apply(&mut self, event: Event) {
        let (id, kinds): (PacketId, &[Kind]) = match event {
            Event::Message(m) => {
                if let Some(id) = m.packet_id {
                    if self.received.len() >= 16 {
                        self.received.remove(0);
                    }
                    self.received.push(id);
                }
                return;
            }
            Event::Published(p) => (p.packet_id, &[Kind::Publish(QoS::AtLeastOnce), Kind::Publish(QoS::ExactlyOnce)]),
            Event::PublishFailed { packet_id, .. } => {
                (packet_id, &[Kind::Publish(QoS::AtLeastOnce), Kind::Publish(QoS::ExactlyOnce)])
            }
            Event::Subscribed(s) => (s.packet_id, &[Kind::Subscribe]),
            Event::Unsubscribed(u) => (u.packet_id, &[Kind::Unsubscribe]),
            _ => return,
        };
        let allocated = self.allocated.remove(&id);
        assert!(
            allocated.is_some_and(|k| kinds.contains(&k)),
            "a completion event for id {id}, which is not in use for it ({allocated:?})"
        );
        self.sent.remove(&id);
        self.filters.remove(&id);
    }

    // ---- The broker's packets ----

    fn encode(&self, packet: &Packet) -> Option<Vec<u8>> {
        let mut wire = Vec::new();
        Codec::new(self.version).encode(packet, &mut wire).ok()?;
        Some(wire)
    }

    /// An id of the client's exchanges in use (mostly), or a small one.
    fn pick_sent(&self, b: u8) -> PacketId {
        let ids: Vec<PacketId> = self.sent.keys().copied().collect();
        if b & 0x80 == 0 && !ids.is_empty() { ids[usize::from(b) % ids.len()] } else { small_id(b & 0x0F) }
    }

    /// An id of a message the client received (mostly), or a small one.
    fn pick_received(&self, b: u8) -> PacketId {
        if b & 0x80 == 0 && !self.received.is_empty() {
            self.received[usize::from(b) % self.received.len()]
        } else {
            small_id(b & 0x07)
        }
    }

    /// A reason code among `candidates` valid for `packet`, or Success.
    fn reason(&self, b: u8, packet: PacketType, candidates: &[ReasonCode]) -> ReasonCode {
        let code = candidates[usize::from(b) % candidates.len()];
        if code.is_valid_for(packet, self.version) { code } else { ReasonCode::Success }
    }

    /// A packet the broker sends, from the input; `None` when it cannot be
    /// encoded in this version.
    fn broker_packet(&self, input: &mut Input<'_>) -> Option<Vec<u8>> {
        let v5 = self.version.is_v5();
        let packet = match input.below(11) {
            broker::CONNACK => self.connack(input, None),
            broker::PUBLISH => self.broker_publish(input),
            kind @ (broker::PUBACK | broker::PUBREC | broker::PUBCOMP) => {
                let (packet, codes): (PacketType, &[ReasonCode]) = match kind {
                    broker::PUBACK => (PacketType::PubAck, &ACK_CODES),
                    broker::PUBREC => (PacketType::PubRec, &ACK_CODES),
                    _ => (PacketType::PubComp, &[ReasonCode::Success, ReasonCode::PacketIdentifierNotFound]),
                };
                let mut ack = Ack::new(self.pick_sent(input.u8()));
                if v5 {
                    let r = input.u8();
                    ack.reason_code = self.reason(r, packet, codes);
                    ack.properties = ack_properties(r);
                }
                match packet {
                    PacketType::PubAck => Packet::PubAck(ack),
                    PacketType::PubRec => Packet::PubRec(ack),
                    _ => Packet::PubComp(ack),
                }
            }
            broker::PUBREL => {
                let mut ack = Ack::new(self.pick_received(input.u8()));
                if v5 && input.u8() & 1 == 1 {
                    ack.reason_code = ReasonCode::PacketIdentifierNotFound;
                }
                Packet::PubRel(ack)
            }
            broker::SUBACK => {
                let (packet_id, count) = self.ack_target(input);
                let reason_codes =
                    (0..count).map(|_| self.reason(input.u8(), PacketType::SubAck, &SUBACK_CODES)).collect();
                let properties = if v5 { ack_properties(input.u8()) } else { AckProperties::default() };
                Packet::SubAck(SubAck { packet_id, reason_codes, properties })
            }
            broker::UNSUBACK => {
                let (packet_id, count) = self.ack_target(input);
                let reason_codes = if v5 {
                    (0..count).map(|_| self.reason(input.u8(), PacketType::UnsubAck, &UNSUBACK_CODES)).collect()
                } else {
                    Vec::new()
                };
                Packet::UnsubAck(UnsubAck { packet_id, reason_codes, properties: AckProperties::default() })
            }
            broker::PINGRESP => Packet::PingResp,
            broker::DISCONNECT => {
                let r = input.u8();
                let mut d = Disconnect::default();
                if v5 {
                    d.reason_code = self.reason(r, PacketType::Disconnect, &DISCONNECT_CODES);
                    d.properties.reason_string = (r & 0x80 != 0).then(|| text("going away"));
                }
                Packet::Disconnect(d)
            }
            _ => {
                let a = input.u8();
                let reason_code = [
                    ReasonCode::ContinueAuthentication,
                    ReasonCode::Success,
                    ReasonCode::ReAuthenticate,
                    ReasonCode::ContinueAuthentication,
                ][usize::from(a & 0x03)];
                let method = if a & 0x04 == 0 { "fz" } else { "other" };
                let data: Option<&'static [u8]> =
                    [None, Some(&b"ok"[..]), Some(&b"x"[..]), Some(&b"bad"[..])][usize::from((a >> 3) & 0x03)];
                let properties = AuthProperties {
                    authentication_method: Some(text(method)),
                    authentication_data: data.map(Bytes::from_static),
                    ..Default::default()
                };
                Packet::Auth(Auth { reason_code, properties })
            }
        };
        self.encode(&packet)
    }

    /// The id and result count of a SUBACK or UNSUBACK: mostly an id in use
    /// with its filter count.
    fn ack_target(&self, input: &mut Input<'_>) -> (PacketId, usize) {
        let id = self.pick_sent(input.u8());
        let c = input.u8();
        let count = match self.filters.get(&id) {
            Some(&n) if c & 0x80 == 0 => n,
            _ => 1 + usize::from(c & 0x03),
        };
        (id, count)
    }

    /// A CONNACK: accepting with `session_present` when given, else as the
    /// input says. Properties (MQTT 5) come from the input.
    fn connack(&self, input: &mut Input<'_>, accept: Option<bool>) -> Packet {
        let (session_present, reason_code) = match accept {
            Some(present) => (present, ReasonCode::Success),
            None => {
                let c = input.u8();
                let refused = (c >> 1) & 0x03 == 0x03;
                let code = if refused { REFUSALS[usize::from(c >> 3) % REFUSALS.len()] } else { ReasonCode::Success };
                (c & 1 == 1 && !refused, code)
            }
        };
        let mut properties = ConnAckProperties::default();
        if self.version.is_v5() {
            let p = input.u8();
            if p & 0x01 != 0 {
                properties.maximum_packet_size = NonZeroU32::new(8 + 2 * u32::from(input.u8()));
            }
            if p & 0x02 != 0 {
                properties.receive_maximum = NonZeroU16::new(1 + u16::from(input.below(4)));
            }
            if p & 0x04 != 0 {
                properties.topic_alias_maximum = Some(u16::from(input.below(5)));
            }
            if p & 0x08 != 0 {
                properties.maximum_qos = Some(if input.u8() & 1 == 0 { QoS::AtMostOnce } else { QoS::AtLeastOnce });
            }
            if p & 0x10 != 0 {
                properties.retain_available = Some(false);
            }
            if p & 0x20 != 0 {
                properties.wildcard_subscription_available = Some(false);
            }
            if p & 0x40 != 0 {
                properties.shared_subscription_available = Some(false);
                properties.subscription_identifiers_available = Some(false);
            }
            if p & 0x80 != 0 {
                properties.server_keep_alive = Some(u16::from(input.below(16)));
            }
            if self.options().client_id.is_empty() {
                properties.assigned_client_identifier = Some(text("assigned-1"));
            }
            if self.options().authenticator.is_some() {
                properties.authentication_method = Some(text("fz"));
            }
        }
        Packet::from(ConnAck { session_present, reason_code, properties })
    }

    /// A PUBLISH to the client.
    fn broker_publish(&self, input: &mut Input<'_>) -> Packet {
        let f = input.u8();
        let t = input.u8();
        let id = small_id(t & 0x07);
        let qos = QosPid::new(qos_of(f), id);
        let topic = TopicName::from_static(TOPICS[usize::from(t >> 3) % TOPICS.len()]).unwrap_or_default();
        let mut publish = Publish::new(topic, Bytes::new());
        publish.qos = qos;
        publish.dup = f & 0x04 != 0 && qos != QosPid::AtMostOnce;
        publish.retain = f & 0x08 != 0;
        if self.version.is_v5() {
            if f & 0x10 != 0 {
                publish.properties_mut().topic_alias = NonZeroU16::new(1 + u16::from(input.below(4)));
                if f & 0x20 != 0 {
                    publish.topic = TopicName::default();
                }
            }
            if f & 0x40 != 0 {
                let props = publish.properties_mut();
                props.user_properties.push(UserProperty { name: text("k"), value: text("v") });
                props.subscription_identifiers.extend(NonZeroU32::new(7));
            }
        }
        let len = usize::from(input.u8());
        publish.payload = Bytes::from(vec![b'm'; if f & 0x80 != 0 { 200 + len } else { len % 32 }]);
        Packet::Publish(publish)
    }
}

/// The QoS in the low two bits of `b` (3 is QoS 2).
fn qos_of(b: u8) -> QoS {
    match b & 0x03 {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

fn small_id(v: u8) -> PacketId {
    PacketId::new(1 + u16::from(v)).unwrap_or(PacketId::MIN)
}

fn text(s: &'static str) -> MqttStr {
    MqttStr::from_static(s).unwrap_or_default()
}

/// Acknowledgement properties: a reason string and a user property, as `r`
/// says.
fn ack_properties(r: u8) -> AckProperties {
    AckProperties {
        reason_string: (r & 0x40 != 0).then(|| text("because")),
        user_properties: if r & 0x80 != 0 {
            vec![UserProperty { name: text("k"), value: text("v") }].into()
        } else {
            vec![].into()
        },
    }
}

const ACK_CODES: [ReasonCode; 6] = [
    ReasonCode::Success,
    ReasonCode::Success,
    ReasonCode::NoMatchingSubscribers,
    ReasonCode::UnspecifiedError,
    ReasonCode::PacketIdentifierInUse,
    ReasonCode::QuotaExceeded,
];

const SUBACK_CODES: [ReasonCode; 6] = [
    ReasonCode::Success,
    ReasonCode::GrantedQoS1,
    ReasonCode::GrantedQoS2,
    ReasonCode::UnspecifiedError,
    ReasonCode::NotAuthorized,
    ReasonCode::SharedSubscriptionsNotSupported,
];

const UNSUBACK_CODES: [ReasonCode; 4] =
    [ReasonCode::Success, ReasonCode::NoSubscriptionExisted, ReasonCode::UnspecifiedError, ReasonCode::NotAuthorized];

const DISCONNECT_CODES: [ReasonCode; 6] = [
    ReasonCode::Success,
    ReasonCode::ServerShuttingDown,
    ReasonCode::SessionTakenOver,
    ReasonCode::KeepAliveTimeout,
    ReasonCode::PacketTooLarge,
    ReasonCode::UseAnotherServer,
];

const REFUSALS: [ReasonCode; 4] = [
    ReasonCode::NotAuthorized,
    ReasonCode::BadUserNameOrPassword,
    ReasonCode::ServerUnavailable,
    ReasonCode::UnsupportedProtocolVersion,
];
