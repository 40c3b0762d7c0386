//! An in-memory MQTT server for one client session, for tests.
//!
//! It speaks the protocol through mqtt_proto's [`Codec`] and [`Packet`] types
//! and keeps the server's side of the session (MQTT 4.1) across network
//! connections: the subscriptions, its own QoS 1 and 2 messages to the client
//! with their packet ids (and those waiting for room in its window), and the ids
//! of incoming QoS 2 messages awaiting PUBREL. On a resumed session it resends
//! unacknowledged PUBLISH (with DUP) and PUBREL in their original order
//! (MQTT-4.4.0-1).
//!
//! It is strict: whatever a compliant client cannot send (an acknowledgement of
//! nothing in flight, a QoS 2 retransmission without DUP, more QoS 2 messages
//! than its Receive Maximum, a malformed packet) panics with a description.
//! There are no sockets and no clock: bytes and time come in as arguments,
//! bytes to the client go out through [`Broker::poll_transmit`].

#![allow(dead_code, unreachable_pub)]

use alloc::collections::VecDeque;
use core::num::NonZeroU16;
use core::time::Duration;
use std::collections::HashSet;

use bytes::{Bytes, BytesMut};
use mqtt_proto::{
    Ack, Codec, ConnAck, ConnAckProperties, Connect, Instant, Packet, PacketId, ProtocolVersion, Publish, QoS, QosPid,
    ReasonCode, SubAck, TopicFilter, TopicName, UnsubAck,
};

/// The broker's limits.
#[derive(Clone, Copy, Debug)]
pub struct BrokerConfig {
    /// Most of its own QoS 1 and 2 messages in flight to the client (further
    /// limited by the client's Receive Maximum).
    pub max_inflight: usize,
    /// The Receive Maximum it announces in CONNACK (MQTT 5) and enforces.
    pub receive_maximum: u16,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        Self { max_inflight: 20, receive_maximum: u16::MAX }
    }
}

/// Counters for reports.
#[derive(Clone, Copy, Debug, Default)]
pub struct BrokerStats {
    pub connections: usize,
    pub sessions_resumed: usize,
    pub pings: usize,
    pub publishes_received: usize,
    pub duplicates_received: usize,
    pub publishes_sent: usize,
    pub publishes_resent: usize,
    pub pubrels_resent: usize,
}

/// One of the broker's own outgoing QoS 1 or 2 exchanges.
#[derive(Clone, Debug)]
enum Outbound {
    /// PUBLISH sent (or to be resent), awaiting PUBACK or PUBREC.
    Publish(Publish),
    /// PUBREC received and PUBREL sent, awaiting PUBCOMP.
    PubRel,
}

/// The server's side of the client's session (MQTT 4.1).
#[derive(Debug, Default)]
struct ServerSession {
    subscriptions: Vec<(TopicFilter, QoS)>,
    /// In flight to the client, oldest first.
    outgoing: Vec<(PacketId, Outbound)>,
    /// QoS 1 and 2 messages for the client waiting for room in the window.
    queue: VecDeque<Publish>,
    /// Ids of QoS 2 messages from the client awaiting PUBREL.
    incoming: HashSet<PacketId>,
    next_id: u16,
    /// Whether the session outlives the network connection (3.x: Clean
    /// Session 0; 5.0: Session Expiry Interval above 0).
    persistent: bool,
}

impl ServerSession {
    fn allocate_id(&mut self) -> PacketId {
        loop {
            self.next_id = self.next_id.wrapping_add(1).max(1);
            let id = PacketId::new(self.next_id).expect("non-zero");
            if !self.outgoing.iter().any(|(i, _)| *i == id) {
                return id;
            }
        }
    }

    fn granted(&self, topic: &str) -> Option<QoS> {
        self.subscriptions.iter().filter(|(f, _)| f.matches(topic)).map(|(_, q)| *q).max()
    }
}

/// The network connection the client has open, if any.
#[derive(Debug)]
struct Link {
    codec: Codec,
    rx: BytesMut,
    /// CONNECT received and CONNACK sent.
    connected: bool,
    /// The broker ended the connection (after DISCONNECT, a keep alive timeout).
    closed: bool,
    keep_alive: u16,
    last_rx: Instant,
    /// The client's Receive Maximum (MQTT 5), or no limit.
    client_receive_maximum: usize,
}

/// The in-memory broker.
#[derive(Debug)]
pub struct Broker {
    version: ProtocolVersion,
    config: BrokerConfig,
    session: Option<ServerSession>,
    link: Option<Link>,
    tx: BytesMut,
    /// Application messages accepted from the client, in order: each QoS 2
    /// message once, each QoS 1 message once per PUBLISH received.
    pub accepted: Vec<Publish>,
    pub stats: BrokerStats,
}

impl Broker {
    pub fn new(version: ProtocolVersion, config: BrokerConfig) -> Self {
        Self {
            version,
            config,
            session: None,
            link: None,
            tx: BytesMut::new(),
            accepted: Vec::new(),
            stats: BrokerStats::default(),
        }
    }

    // ---- Network events ----

    /// A new network connection from the client opened at `now`.
    pub fn accept(&mut self, now: Instant) {
        assert!(self.link.is_none(), "the previous network connection is still open");
        self.stats.connections += 1;
        self.link = Some(Link {
            codec: Codec::new(self.version),
            rx: BytesMut::new(),
            connected: false,
            closed: false,
            keep_alive: 0,
            last_rx: now,
            client_receive_maximum: usize::MAX,
        });
    }

    /// The network connection ended. Bytes not yet sent are lost; a session
    /// that does not persist ends.
    pub fn connection_lost(&mut self) {
        self.link = None;
        self.tx.clear();
        if self.session.as_ref().is_some_and(|s| !s.persistent) {
            self.session = None;
        }
    }

    /// Bytes from the client.
    pub fn handle_bytes(&mut self, bytes: &[u8], now: Instant) {
        let Some(link) = self.link.as_mut() else { return };
        if link.closed {
            return;
        }
        link.last_rx = now;
        link.rx.extend_from_slice(bytes);
        loop {
            let Some(link) = self.link.as_mut().filter(|l| !l.closed) else { return };
            let packet = match link.codec.decode(&mut link.rx) {
                Ok(Some(p)) => p,
                Ok(None) => return,
                Err(e) => panic!("broker: malformed packet from the client: {e:?}"),
            };
            self.handle_packet(packet);
        }
    }

    /// When the keep alive of the client runs out (1.5 times the keep alive
    /// after the last bytes received, MQTT-3.1.2-24), if connected.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let link = self.link.as_ref().filter(|l| l.connected && !l.closed && l.keep_alive > 0)?;
        Some(link.last_rx + Duration::from_millis(u64::from(link.keep_alive) * 1500))
    }

    /// Closes the connection when the client's keep alive ran out.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.poll_timeout().is_some_and(|t| now >= t) {
            if let Some(link) = self.link.as_mut() {
                link.closed = true;
            }
        }
    }

    /// Moves bytes for the client into `out`; nothing when no connection is
    /// open.
    pub fn poll_transmit(&mut self, out: &mut BytesMut) {
        if self.link.is_some() {
            out.extend_from_slice(&self.tx);
        }
        self.tx.clear();
    }

    // ---- The application side ----

    /// A message from another client, routed to the session's subscriptions:
    /// sent (QoS 0 only when connected), or queued for the client. Returns the
    /// QoS it is delivered with, or `None` when no subscription matches.
    pub fn inject(&mut self, topic: TopicName, payload: Bytes, qos: QoS) -> Option<QoS> {
        let mut publish = Publish::new(topic, payload);
        publish.qos = QosPid::new(qos, PacketId::MIN);
        self.route(publish)
    }

    // ---- Getters ----

    /// Whether a network connection is open and not closed by the broker.
    pub fn is_open(&self) -> bool {
        self.link.as_ref().is_some_and(|l| !l.closed)
    }

    /// Whether the broker ended the open connection (the client will see EOF).
    pub fn has_closed(&self) -> bool {
        self.link.as_ref().is_some_and(|l| l.closed)
    }

    pub fn has_session(&self) -> bool {
        self.session.is_some()
    }

    /// The QoS a message on `topic` would be delivered with, if subscribed.
    pub fn granted(&self, topic: &str) -> Option<QoS> {
        self.session.as_ref()?.granted(topic)
    }

    /// Whether nothing is pending in either direction of the session.
    pub fn is_idle(&self) -> bool {
        self.session.as_ref().is_none_or(|s| s.outgoing.is_empty() && s.queue.is_empty() && s.incoming.is_empty())
    }

    /// A one-line summary of the session state, for failure messages.
    pub fn describe(&self) -> String {
        match &self.session {
            None => "no session".into(),
            Some(s) => format!(
                "outgoing {:?}, queued {}, incoming {:?}, link {:?}",
                s.outgoing.iter().map(|(id, o)| (id.get(), matches!(o, Outbound::PubRel))).collect::<Vec<_>>(),
                s.queue.len(),
                s.incoming,
                self.link.as_ref().map(|l| (l.connected, l.closed, l.rx.len())),
            ),
        }
    }

    // ---- Private ----

    fn send(&mut self, packet: &Packet) {
        let codec = Codec::new(self.version);
        codec.encode(packet, &mut self.tx).unwrap_or_else(|e| panic!("broker: cannot encode {packet:?}: {e}"));
    }

    fn handle_packet(&mut self, packet: Packet) {
        let connected = self.link.as_ref().is_some_and(|l| l.connected);
        match packet {
            Packet::Connect(c) if !connected => self.on_connect(*c),
            Packet::Connect(_) => panic!("broker: second CONNECT on one connection (MQTT-3.1.0-2)"),
            p if !connected => panic!("broker: {:?} before CONNECT (MQTT-3.1.0-1)", p.packet_type()),
            Packet::Publish(p) => self.on_publish(p),
            Packet::PubAck(a) => self.on_puback(&a),
            Packet::PubRec(a) => self.on_pubrec(&a),
            Packet::PubRel(a) => self.on_pubrel(&a),
            Packet::PubComp(a) => self.on_pubcomp(&a),
            Packet::Subscribe(s) => {
                let session = self.session.as_mut().expect("connected with a session");
                let mut codes = Vec::new();
                for sub in s.subscriptions {
                    let qos = sub.options.qos;
                    session.subscriptions.retain(|(f, _)| f != &sub.filter);
                    session.subscriptions.push((sub.filter, qos));
                    codes.push(match qos {
                        QoS::AtMostOnce => ReasonCode::Success,
                        QoS::AtLeastOnce => ReasonCode::GrantedQoS1,
                        QoS::ExactlyOnce => ReasonCode::GrantedQoS2,
                    });
                }
                let ack = SubAck { packet_id: s.packet_id, reason_codes: codes, properties: Default::default() };
                self.send(&Packet::SubAck(ack));
            }
            Packet::Unsubscribe(u) => {
                let session = self.session.as_mut().expect("connected with a session");
                let codes = u
                    .filters
                    .iter()
                    .map(|f| {
                        let before = session.subscriptions.len();
                        session.subscriptions.retain(|(g, _)| *g != f);
                        if session.subscriptions.len() < before {
                            ReasonCode::Success
                        } else {
                            ReasonCode::NoSubscriptionExisted
                        }
                    })
                    .collect();
                let codes = if self.version.is_v5() { codes } else { Vec::new() };
                let ack = UnsubAck { packet_id: u.packet_id, reason_codes: codes, properties: Default::default() };
                self.send(&Packet::UnsubAck(ack));
            }
            Packet::PingReq => {
                self.stats.pings += 1;
                self.send(&Packet::PingResp);
            }
            Packet::Disconnect(d) => {
                if let (Some(s), Some(expiry)) = (self.session.as_mut(), d.properties.session_expiry_interval) {
                    s.persistent = expiry > 0;
                }
                if let Some(link) = self.link.as_mut() {
                    link.closed = true;
                }
            }
            other => panic!("broker: the client sent {:?}", other.packet_type()),
        }
    }

    fn on_connect(&mut self, connect: Connect) {
        let v5 = self.version.is_v5();
        assert_eq!(connect.protocol, self.version, "broker: CONNECT of another version");
        let persistent =
            if v5 { connect.properties.session_expiry_interval.unwrap_or(0) > 0 } else { !connect.clean_start };
        if connect.clean_start {
            self.session = None;
        }
        let session_present = self.session.is_some();
        if session_present {
            self.stats.sessions_resumed += 1;
        }
        let session = self.session.get_or_insert_with(ServerSession::default);
        session.persistent = persistent;
        let link = self.link.as_mut().expect("a connection is open");
        link.connected = true;
        link.keep_alive = connect.keep_alive;
        link.client_receive_maximum = match connect.properties.receive_maximum {
            Some(r) if v5 => usize::from(r.get()),
            _ => usize::MAX,
        };
        let properties = if v5 {
            ConnAckProperties { receive_maximum: NonZeroU16::new(self.config.receive_maximum), ..Default::default() }
        } else {
            ConnAckProperties::default()
        };
        self.send(&Packet::from(ConnAck { session_present, reason_code: ReasonCode::Success, properties }));
        // MQTT-4.4.0-1: resend unacknowledged PUBLISH (DUP set) and PUBREL, in order.
        let resend: Vec<Packet> = self
            .session
            .as_mut()
            .expect("session")
            .outgoing
            .iter_mut()
            .map(|(id, o)| match o {
                Outbound::Publish(p) => {
                    p.dup = true;
                    Packet::Publish(p.clone())
                }
                Outbound::PubRel => Packet::PubRel(Ack::new(*id)),
            })
            .collect();
        for packet in &resend {
            match packet {
                Packet::Publish(_) => self.stats.publishes_resent += 1,
                _ => self.stats.pubrels_resent += 1,
            }
            self.send(packet);
        }
        self.pump();
    }

    fn on_publish(&mut self, publish: Publish) {
        self.stats.publishes_received += 1;
        let v5 = self.version.is_v5();
        match publish.qos {
            QosPid::AtMostOnce => self.accept_message(publish),
            QosPid::AtLeastOnce(id) => {
                if publish.dup {
                    self.stats.duplicates_received += 1;
                }
                self.accept_message(publish);
                self.send(&Packet::PubAck(Ack::new(id)));
            }
            QosPid::ExactlyOnce(id) => {
                let session = self.session.as_mut().expect("session");
                if session.incoming.contains(&id) {
                    // MQTT-4.3.3: a retransmission is acknowledged, not delivered again.
                    assert!(publish.dup, "broker: QoS 2 PUBLISH {} again without DUP (MQTT-3.3.1-1)", id.get());
                    self.stats.duplicates_received += 1;
                } else {
                    let max = usize::from(self.config.receive_maximum);
                    assert!(
                        !v5 || session.incoming.len() < max,
                        "broker: more than Receive Maximum {max} QoS 2 messages in flight (MQTT-3.3.4-7)"
                    );
                    session.incoming.insert(id);
                    self.accept_message(publish);
                }
                self.send(&Packet::PubRec(Ack::new(id)));
            }
        }
    }

    /// The server application takes the message: it is routed to matching
    /// subscriptions (here, those of this very client).
    fn accept_message(&mut self, publish: Publish) {
        self.accepted.push(publish.clone());
        self.route(publish);
    }

    fn route(&mut self, mut publish: Publish) -> Option<QoS> {
        let session = self.session.as_mut()?;
        let qos = session.granted(publish.topic.as_str())?.min(publish.qos.qos());
        publish.dup = false;
        publish.retain = false;
        publish.properties = Default::default();
        if qos == QoS::AtMostOnce {
            publish.qos = QosPid::AtMostOnce;
            if self.link.as_ref().is_some_and(|l| l.connected && !l.closed) {
                self.send(&Packet::Publish(publish));
            }
        } else {
            publish.qos = QosPid::new(qos, PacketId::MIN);
            session.queue.push_back(publish);
            self.pump();
        }
        Some(qos)
    }

    /// Sends queued messages while the window has room.
    fn pump(&mut self) {
        let Some(link) = self.link.as_ref().filter(|l| l.connected && !l.closed) else { return };
        let window = self.config.max_inflight.min(link.client_receive_maximum);
        let Some(session) = self.session.as_mut() else { return };
        let mut out = Vec::new();
        while session.outgoing.len() < window {
            let Some(mut publish) = session.queue.pop_front() else { break };
            let id = session.allocate_id();
            publish.qos = QosPid::new(publish.qos.qos(), id);
            out.push(Packet::Publish(publish.clone()));
            session.outgoing.push((id, Outbound::Publish(publish)));
        }
        for packet in &out {
            self.stats.publishes_sent += 1;
            self.send(packet);
        }
    }

    fn outbound(&mut self, id: PacketId) -> Option<(usize, &mut Outbound)> {
        let session = self.session.as_mut()?;
        let i = session.outgoing.iter().position(|(i, _)| *i == id)?;
        Some((i, &mut session.outgoing[i].1))
    }

    fn on_puback(&mut self, ack: &Ack) {
        let id = ack.packet_id;
        match self.outbound(id) {
            Some((i, Outbound::Publish(p))) if p.qos == QosPid::AtLeastOnce(id) => {
                self.session.as_mut().expect("session").outgoing.remove(i);
            }
            _ => panic!("broker: PUBACK {} for no QoS 1 message in flight", id.get()),
        }
        self.pump();
    }

    fn on_pubrec(&mut self, ack: &Ack) {
        let id = ack.packet_id;
        assert_eq!(ack.reason_code, ReasonCode::Success, "broker: PUBREC {} with a failure", id.get());
        match self.outbound(id) {
            Some((_, o @ Outbound::Publish(_))) => *o = Outbound::PubRel,
            _ => panic!("broker: PUBREC {} for no QoS 2 message awaiting it", id.get()),
        }
        self.send(&Packet::PubRel(Ack::new(id)));
    }

    fn on_pubcomp(&mut self, ack: &Ack) {
        let id = ack.packet_id;
        // Packet Identifier Not Found answers a PUBREL resent after the
        // client's PUBCOMP was lost (MQTT 5 section 4.3.3); it completes too.
        let ok = [ReasonCode::Success, ReasonCode::PacketIdentifierNotFound];
        assert!(ok.contains(&ack.reason_code), "broker: PUBCOMP {} with {:?}", id.get(), ack.reason_code);
        match self.outbound(id) {
            Some((i, Outbound::PubRel)) => {
                self.session.as_mut().expect("session").outgoing.remove(i);
            }
            _ => panic!("broker: PUBCOMP {} for no PUBREL in flight", id.get()),
        }
        self.pump();
    }

    fn on_pubrel(&mut self, ack: &Ack) {
        let id = ack.packet_id;
        let known = self.session.as_mut().expect("session").incoming.remove(&id);
        let mut reply = Ack::new(id);
        if !known && self.version.is_v5() {
            // A PUBREL resent after our PUBCOMP was lost.
            reply.reason_code = ReasonCode::PacketIdentifierNotFound;
        }
        self.send(&Packet::PubComp(reply));
    }
}
