//! The sans-IO client connection: one network connection's protocol state.

mod alias;
mod auth;
mod commands;
mod error;
mod event;
mod options;
mod receive;
mod session;
mod time;

use alloc::collections::VecDeque;
use core::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use mqtt_session::{Exchange, QoS};

use crate::{
    Codec, ConnAckProperties, Connect, ConnectProperties, Disconnect, DisconnectProperties, MAX_PACKET_SIZE, Packet,
    ProtocolVersion, Publish,
};
use alias::{IncomingAliases, OutgoingAliases};

pub use auth::Authenticator;
pub use error::CommandError;
pub use event::{CloseReason, Connected, Event, Message, ProtocolViolation, Published, Subscribed, Unsubscribed};
pub use options::{MAX_OUTGOING, Options};
pub use session::Session;
pub use time::Instant;

/// Where the connection is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// CONNECT sent (or about to be); waiting for CONNACK, maybe exchanging AUTH.
    Connecting,
    /// CONNACK accepted the connection.
    Connected,
    /// Over; [`Event::Closed`] says why.
    Closed,
}

/// What the server allows, from CONNACK (MQTT 5; defaults before).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// Maximum QoS of publishes the client may send.
    pub maximum_qos: QoS,
    /// Whether retained messages are supported.
    pub retain_available: bool,
    /// Largest packet the server accepts.
    pub maximum_packet_size: u32,
    /// Receive Maximum: most QoS 1 and 2 publishes in flight to the server.
    pub receive_maximum: u16,
    /// Topic Alias Maximum of the server.
    pub topic_alias_maximum: u16,
    /// Whether wildcard subscriptions are supported.
    pub wildcard_subscription_available: bool,
    /// Whether subscription identifiers are supported.
    pub subscription_identifiers_available: bool,
    /// Whether shared subscriptions are supported.
    pub shared_subscription_available: bool,
    /// Keep alive in effect, in seconds (the server's if it set one).
    pub keep_alive: u16,
}

impl ServerLimits {
    fn defaults(keep_alive: u16) -> Self {
        Self {
            maximum_qos: QoS::ExactlyOnce,
            retain_available: true,
            maximum_packet_size: MAX_PACKET_SIZE,
            receive_maximum: u16::MAX,
            topic_alias_maximum: 0,
            wildcard_subscription_available: true,
            subscription_identifiers_available: true,
            shared_subscription_available: true,
            keep_alive,
        }
    }

    fn apply(&mut self, p: &ConnAckProperties) {
        if let Some(q) = p.maximum_qos {
            self.maximum_qos = q;
        }
        if let Some(r) = p.retain_available {
            self.retain_available = r;
        }
        if let Some(m) = p.maximum_packet_size {
            self.maximum_packet_size = m.get();
        }
        if let Some(r) = p.receive_maximum {
            self.receive_maximum = r.get();
        }
        if let Some(t) = p.topic_alias_maximum {
            self.topic_alias_maximum = t;
        }
        if let Some(w) = p.wildcard_subscription_available {
            self.wildcard_subscription_available = w;
        }
        if let Some(s) = p.subscription_identifiers_available {
            self.subscription_identifiers_available = s;
        }
        if let Some(s) = p.shared_subscription_available {
            self.shared_subscription_available = s;
        }
        if let Some(k) = p.server_keep_alive {
            self.keep_alive = k;
        }
    }
}

/// An incoming QoS 1 or 2 message whose acknowledgement has not gone out.
#[derive(Clone, Copy, Debug)]
struct PendingAck {
    id: mqtt_session::PacketId,
    qos: QoS,
    acked: bool,
}

/// The client side of one MQTT network connection, without I/O.
///
/// The connection never touches a socket or a clock. The driver (an adapter, or
/// your own event loop) feeds it what happened and carries out what it asks.
/// Its methods come in four groups:
///
/// - **Inputs** — [`handle_bytes`](Self::handle_bytes) (bytes read from the
///   network), [`handle_timeout`](Self::handle_timeout) (a deadline passed; safe
///   to call early or twice), [`handle_eof`](Self::handle_eof) (the network
///   connection ended).
/// - **Commands** — [`publish`](Self::publish), [`subscribe`](Self::subscribe),
///   [`unsubscribe`](Self::unsubscribe), [`ack`](Self::ack),
///   [`disconnect`](Self::disconnect), [`reauthenticate`](Self::reauthenticate).
///   They decide at once and return a packet id or a typed [`CommandError`].
/// - **Outputs** — [`poll_transmit`](Self::poll_transmit) (bytes to write),
///   [`poll_event`](Self::poll_event) (what happened), and
///   [`poll_timeout`](Self::poll_timeout) (when to call `handle_timeout`).
/// - **Getters** — [`state`](Self::state), [`server_limits`](Self::server_limits)
///   and friends.
///
/// **The drain rule:** after every input or command, call `poll_transmit` until
/// it returns `None` and write the bytes, then `poll_event` until `None`, then
/// read `poll_timeout` and wait for bytes or that deadline.
///
/// Every time is an [`Instant`] the driver passes in.
///
/// The [crate documentation](crate#the-connection) shows a complete driver
/// over a blocking `TcpStream`; `examples/custom_loop.rs` is the same loop as a
/// program.
#[derive(Debug)]
pub struct Connection {
    options: Options,
    state: State,
    session: Session,
    /// Decodes what the server sends, limited to our Maximum Packet Size.
    codec: Codec,
    limits: ServerLimits,
    /// Whether this connection asked for a clean start.
    clean_start: bool,
    rx: BytesMut,
    tx: BytesMut,
    events: VecDeque<Event>,
    // Timers.
    last_tx: Instant,
    connect_deadline: Option<Instant>,
    ping_deadline: Option<Instant>,
    // Outgoing window state of this network connection.
    /// Window entries carried over from an earlier connection and not resent yet,
    /// because the window shrank.
    unsent: VecDeque<mqtt_session::PacketId>,
    /// Filter counts of SUBSCRIBE and UNSUBSCRIBE awaiting acknowledgement.
    pending_subs: alloc::vec::Vec<(mqtt_session::PacketId, usize)>,
    // Incoming.
    pending_acks: VecDeque<PendingAck>,
    aliases_in: IncomingAliases,
    aliases_out: OutgoingAliases,
    /// An enhanced-authentication exchange is under way.
    authenticating: bool,
    /// Whether PUBLISH packets carried over are resent with DUP (the server
    /// resumed the session).
    resend_dup: bool,
}

impl Connection {
    /// Starts a connection with a new session: queues CONNECT (Clean Start as
    /// `options.clean_start` says).
    ///
    /// # Errors
    ///
    /// [`CommandError::Encode`] when the CONNECT cannot be encoded (a field longer
    /// than 65,535 bytes), or in MQTT 3.1.1 for an empty client id without
    /// Clean Session (MQTT-3.1.3-7).
    pub fn new(options: Options, now: Instant) -> Result<Self, CommandError> {
        let clean = options.clean_start;
        Self::start(options, Session::new(), clean, now)
    }

    /// Starts a connection that continues `session` (see
    /// [`into_session`](Self::into_session)). Clean Start is
    /// `options.clean_start_on_resume` (false by default). After CONNACK,
    /// unacknowledged PUBLISH (with DUP set) and PUBREL are resent with their
    /// original ids, oldest first, through the window (MQTT-4.4.0-1).
    ///
    /// # Errors
    ///
    /// As [`Connection::new`].
    pub fn resume(options: Options, session: Session, now: Instant) -> Result<Self, CommandError> {
        let clean = options.clean_start_on_resume;
        Self::start(options, session, clean, now)
    }

    fn start(mut options: Options, mut session: Session, clean: bool, now: Instant) -> Result<Self, CommandError> {
        let version = options.version;
        let v5 = version.is_v5();
        if version == ProtocolVersion::V3_1_1 && options.client_id.is_empty() && !clean {
            // MQTT-3.1.3-7: a zero-byte ClientId needs CleanSession 1.
            return Err(CommandError::Encode(crate::EncodeError::Forbidden {
                packet: crate::PacketType::Connect,
                what: "an empty client identifier without Clean Session (MQTT-3.1.3-7)",
            }));
        }
        let max_in = if v5 {
            options.properties.maximum_packet_size.map_or(MAX_PACKET_SIZE, |m| m.get())
        } else {
            MAX_PACKET_SIZE
        };
        session.end_subscriptions();
        let mut connect = Connect {
            protocol: version,
            clean_start: clean,
            keep_alive: options.keep_alive,
            client_id: options.client_id.clone(),
            will: options.will.clone().map(|mut w| {
                if w.properties.will_delay_interval == Some(0) {
                    w.properties.will_delay_interval = None;
                }
                if w.properties.payload_format == Some(crate::PayloadFormat::Unspecified) {
                    w.properties.payload_format = None;
                }
                w
            }),
            username: options.username.clone(),
            password: options.password.clone(),
            properties: if v5 { without_defaults(options.properties.clone()) } else { Default::default() },
        };
        let mut authenticating = false;
        if let (true, Some(auth)) = (v5, options.authenticator.as_mut()) {
            connect.properties.authentication_method = crate::MqttStr::try_from(auth.method()).ok();
            connect.properties.authentication_data = auth.start();
            authenticating = true;
        }
        let mut tx = BytesMut::new();
        Codec::new(version).encode(&Packet::from(connect), &mut tx)?;
        let alias_max = if v5 { options.properties.topic_alias_maximum.unwrap_or(0) } else { 0 };
        Ok(Self {
            limits: ServerLimits::defaults(options.keep_alive),
            codec: Codec::new(version).with_max_packet_size(max_in),
            state: State::Connecting,
            session,
            clean_start: clean,
            rx: BytesMut::new(),
            tx,
            events: VecDeque::new(),
            last_tx: now,
            connect_deadline: Some(now + options.connect_timeout),
            ping_deadline: None,
            unsent: VecDeque::new(),
            pending_subs: alloc::vec::Vec::new(),
            pending_acks: VecDeque::new(),
            aliases_in: IncomingAliases::new(alias_max),
            aliases_out: OutgoingAliases::default(),
            authenticating,
            resend_dup: false,
            options,
        })
    }

    /// Ends this connection's use of the session and hands it back, to
    /// [`resume`](Self::resume) on a new network connection.
    #[must_use]
    pub fn into_session(mut self) -> Session {
        self.session.end_subscriptions();
        self.session
    }

    // ---- Inputs ----

    /// Takes bytes read from the network. Packets are decoded as soon as they are
    /// complete; a malformed one closes the connection (MQTT 5: after queueing a
    /// DISCONNECT with the matching reason code).
    pub fn handle_bytes(&mut self, bytes: &[u8], now: Instant) {
        // Arrival time takes no part in the protocol logic today (keep alive
        // counts from what the client sends); the parameter keeps every input
        // uniform and lets that change without breaking drivers.
        let _ = now;
        if self.state == State::Closed {
            return;
        }
        self.rx.extend_from_slice(bytes);
        while self.state != State::Closed {
            match self.codec.decode(&mut self.rx) {
                Ok(Some(packet)) => self.handle_packet(packet),
                Ok(None) => break,
                Err(e) => self.close(CloseReason::Malformed(e)),
            }
        }
    }

    /// Tells the connection that time `now` has come. Checks the connect timeout,
    /// the ping timeout, and sends PINGREQ when nothing was sent for the keep
    /// alive. Calling it early, or twice, does nothing extra.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.state {
            State::Closed => {}
            State::Connecting => {
                if self.connect_deadline.is_some_and(|d| now >= d) {
                    self.close(CloseReason::ConnectTimeout);
                }
            }
            State::Connected => {
                if self.ping_deadline.is_some_and(|d| now >= d) {
                    return self.close(CloseReason::KeepAliveTimeout);
                }
                // MQTT-3.1.2-23 (5.0: MQTT-3.1.2-20): nothing sent for the keep
                // alive, even while an earlier PINGREQ awaits its PINGRESP (a ping
                // timeout longer than the keep alive).
                if self.next_ping().is_some_and(|at| now >= at) {
                    self.send(&Packet::PingReq);
                    // Counts as sent now, so that a second call does not queue
                    // another; `poll_transmit` sets the actual time.
                    self.last_tx = now;
                    // The oldest unanswered PINGREQ sets the deadline.
                    self.ping_deadline.get_or_insert(now + self.options.ping_timeout);
                }
            }
        }
    }

    /// Tells the connection the network connection ended.
    pub fn handle_eof(&mut self, _now: Instant) {
        self.close(CloseReason::ConnectionLost);
    }

    // ---- Outputs ----

    /// Appends bytes to send to `buf` and returns how many, or `None` when there
    /// is nothing to send. When `buf` has less room than what is pending, as much
    /// as fits is written and the rest waits for the next call.
    #[must_use]
    pub fn poll_transmit<M: BufMut>(&mut self, now: Instant, buf: &mut M) -> Option<usize> {
        if self.tx.is_empty() {
            return None;
        }
        let n = self.tx.len().min(buf.remaining_mut());
        if n == 0 {
            return None;
        }
        buf.put_slice(&self.tx[..n]);
        self.tx.advance(n);
        self.last_tx = now;
        Some(n)
    }

    /// The next event, or `None`.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should be called next, or
    /// `None` when no deadline is pending.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Closed => None,
            State::Connecting => self.connect_deadline,
            State::Connected => match (self.ping_deadline, self.next_ping()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        }
    }

    // ---- Getters ----

    /// Where the connection is in its life.
    #[must_use]
    pub fn state(&self) -> State {
        self.state
    }

    /// Whether CONNACK accepted the connection and it is not closed.
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.state == State::Connected
    }

    /// The protocol version.
    #[must_use]
    pub fn version(&self) -> ProtocolVersion {
        self.options.version
    }

    /// The server's limits (defaults until CONNACK).
    #[must_use]
    pub fn server_limits(&self) -> &ServerLimits {
        &self.limits
    }

    /// The session state: in-flight and queued publishes.
    #[must_use]
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The options the connection was made with.
    #[must_use]
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Whether bytes are waiting for [`poll_transmit`](Self::poll_transmit).
    #[must_use]
    pub fn has_pending_transmit(&self) -> bool {
        !self.tx.is_empty()
    }

    // ---- Private ----

    fn next_ping(&self) -> Option<Instant> {
        let k = self.limits.keep_alive;
        (k > 0).then(|| self.last_tx + Duration::from_secs(u64::from(k)))
    }

    /// The codec for what we send, limited to the server's Maximum Packet Size.
    fn out_codec(&self) -> Codec {
        Codec::new(self.options.version).with_max_packet_size(self.limits.maximum_packet_size)
    }

    /// Encodes a packet we generate ourselves (acks, PINGREQ). MQTT 5 lets the
    /// reason string and user properties go when the packet would be too large
    /// (MQTT-3.4.2-2, MQTT-3.4.2-3 and their siblings).
    fn send(&mut self, packet: &Packet) {
        let codec = self.out_codec();
        if codec.encode(packet, &mut self.tx).is_err() {
            let stripped = strip_optional(packet);
            // A bare acknowledgement always fits: servers accept at least the
            // small fixed-size packets.
            let _ = codec.encode(&stripped, &mut self.tx);
        }
    }

    /// Ends the connection once: queues the MQTT 5 DISCONNECT for `reason` where
    /// one is due, and reports [`Event::Closed`].
    fn close(&mut self, reason: CloseReason) {
        if self.state == State::Closed {
            return;
        }
        if self.options.version.is_v5() && !matches!(reason, CloseReason::Disconnected) {
            if let Some(code) = reason.disconnect_code() {
                self.send(&Packet::Disconnect(Disconnect {
                    reason_code: code,
                    properties: DisconnectProperties::default(),
                }));
            }
        }
        self.state = State::Closed;
        self.connect_deadline = None;
        self.ping_deadline = None;
        self.events.push_back(Event::Closed(reason));
    }

    /// Sends a window entry's PUBLISH (with DUP when `dup`), applying an outgoing
    /// topic alias when enabled.
    fn transmit_publish(&mut self, slot: u32, dup: bool) -> Result<(), CommandError> {
        let codec = self.out_codec();
        let alias_max = self.alias_max();
        let Some(publish) = self.session.store.get_mut(slot) else { return Ok(()) };
        publish.dup = dup;
        encode_with_alias(publish, &mut self.aliases_out, alias_max, codec, &mut self.tx)
    }

    /// Fills the window: first entries carried over and not yet resent, then
    /// queued publishes, while the window has room.
    fn pump(&mut self) {
        if self.state != State::Connected {
            return;
        }
        while !self.unsent.is_empty() && self.sent_in_window() < self.window() {
            let Some(id) = self.unsent.pop_front() else { break };
            let slot = match self.session.outgoing.get(id) {
                Some(Exchange::AwaitingPubAck(s) | Exchange::AwaitingPubRec(s)) => *s,
                Some(Exchange::AwaitingPubComp) => {
                    self.send(&Packet::PubRel(crate::Ack::new(id)));
                    continue;
                }
                _ => continue,
            };
            let dup = self.resend_dup;
            self.send_or_fail(id, slot, dup);
        }
        while self.unsent.is_empty() && self.session.outgoing.can_publish() {
            let Some(publish) = self.session.queue.pop_front() else { break };
            let Some(id) = publish.qos.packet_id() else { continue };
            self.session.queued_ids.remove(id);
            let qos = publish.qos.qos();
            let slot = self.session.store.insert(publish);
            if let Err(e) = self.session.outgoing.restore_publish(id, qos, slot) {
                // Cannot happen: the id was reserved for this message and the
                // window has room. Report rather than lose the message.
                let _ = e;
                self.session.store.remove(slot);
                self.events.push_back(Event::PublishFailed { packet_id: id, error: CommandError::NoFreePacketId });
                continue;
            }
            self.send_or_fail(id, slot, false);
        }
    }

    /// Sends a window entry; when the server's limits forbid it, ends the
    /// exchange and reports [`Event::PublishFailed`].
    fn send_or_fail(&mut self, id: mqtt_session::PacketId, slot: u32, dup: bool) {
        let check = self.session.store.get(slot).map_or(Ok(()), |p| self.check_publish(p.qos.qos(), p.retain));
        let result = check.and_then(|()| self.transmit_publish(slot, dup));
        if let Err(error) = result {
            self.session.outgoing.cancel(id);
            self.session.store.remove(slot);
            self.events.push_back(Event::PublishFailed { packet_id: id, error });
        }
    }

    /// The window: our max inflight and the server's Receive Maximum.
    fn window(&self) -> usize {
        usize::from(self.options.max_inflight.get().min(self.limits.receive_maximum)).min(MAX_OUTGOING - 16)
    }

    fn sent_in_window(&self) -> usize {
        self.session.outgoing.publishes_in_flight().saturating_sub(self.unsent.len())
    }

    /// Checks a publish against the server's Maximum QoS (MQTT-3.2.2-11) and
    /// Retain Available (MQTT-3.2.2-14): refused, never downgraded.
    fn check_publish(&self, qos: QoS, retain: bool) -> Result<(), CommandError> {
        if qos > self.limits.maximum_qos {
            return Err(CommandError::QoSNotSupported { requested: qos, maximum: self.limits.maximum_qos });
        }
        if retain && !self.limits.retain_available {
            return Err(CommandError::RetainNotSupported);
        }
        Ok(())
    }
}

/// Encodes a PUBLISH, replacing its topic by a topic alias where one is known or
/// can be assigned (MQTT 5 section 3.3.2.3.4). The publish is unchanged afterwards.
fn encode_with_alias(
    publish: &mut Publish<Bytes>,
    aliases: &mut OutgoingAliases,
    alias_max: u16,
    codec: Codec,
    tx: &mut BytesMut,
) -> Result<(), CommandError> {
    // The caller's own aliases were removed in `publish`; `topic_alias` here is
    // only ever one decoded from the wire, never on what we send.
    let found = if alias_max == 0 { None } else { aliases.lookup(publish.topic.as_bytes(), alias_max) };
    let Some((alias, known)) = found else {
        codec.encode_publish(publish, tx)?;
        return Ok(());
    };
    // A known alias replaces the topic; a new one is sent with it to define it.
    let topic = known.then(|| core::mem::take(&mut publish.topic));
    let result = codec.encode_publish_aliased(publish, alias, tx);
    if let Some(topic) = topic {
        publish.topic = topic;
    }
    result?;
    if !known {
        aliases.confirm(publish.topic.as_bytes(), alias);
    }
    Ok(())
}

/// CONNECT properties without the ones that state the protocol default, which
/// the server assumes anyway (MQTT 5 section 3.1.2.11).
fn without_defaults(mut p: ConnectProperties) -> ConnectProperties {
    if p.session_expiry_interval == Some(0) {
        p.session_expiry_interval = None;
    }
    if p.receive_maximum.is_some_and(|r| r.get() == u16::MAX) {
        p.receive_maximum = None;
    }
    if p.maximum_packet_size.is_some_and(|m| m.get() >= MAX_PACKET_SIZE) {
        p.maximum_packet_size = None;
    }
    if p.topic_alias_maximum == Some(0) {
        p.topic_alias_maximum = None;
    }
    if p.request_response_information == Some(false) {
        p.request_response_information = None;
    }
    if p.request_problem_information == Some(true) {
        p.request_problem_information = None;
    }
    p
}

/// The packet without its MQTT 5 reason string and user properties.
fn strip_optional(packet: &Packet) -> Packet {
    let mut p = packet.clone();
    match &mut p {
        Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => {
            a.properties = Default::default();
        }
        Packet::Disconnect(d) => {
            d.properties.reason_string = None;
            d.properties.user_properties.clear();
        }
        Packet::Auth(a) => {
            a.properties.reason_string = None;
            a.properties.user_properties.clear();
        }
        _ => {}
    }
    p
}
