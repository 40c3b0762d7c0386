//! The client state both adapters keep around one [`Connection`]: completions
//! keyed by packet id, requested and granted subscriptions (and subscribing
//! again when the server lost the session), and the translation of the
//! connection's events into the client's. No I/O: the adapter moves the bytes
//! and decides what to do with the events.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use mqtt_proto::{
    CloseReason, Connected, Connection, Event, Instant, Message, PacketId, PublishProperties, QoS, ReasonCode, Session,
    SubscribeProperties, Subscribed, Subscription, TopicFilter, TopicName, UnsubscribeProperties, Unsubscribed,
};

use crate::completion::Completion;
use crate::error::{ConnectError, PublishFailure, StateError};
use crate::options::ClientOptions;

/// Where the client is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// No connection was started yet.
    Idle,
    /// Establishing a network connection, or waiting for CONNACK.
    Connecting,
    /// Connected.
    Connected,
    /// Lost the connection; a reconnect follows after a delay.
    Waiting,
    /// Disconnected on request, or gave up reconnecting.
    Disconnected,
}

/// What a client reports to the application, in order.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The server accepted a connection (the first one or a reconnect).
    Connected(Connected),
    /// A connection attempt failed (before CONNACK accepted it).
    ConnectFailed(ConnectError),
    /// A connection ended, with why: [`CloseReason::Disconnected`] after the
    /// application's disconnect.
    Disconnected(CloseReason),
    /// A message arrived.
    Message(Message),
    /// A QoS 1 or 2 publish completed, with the server's reason code.
    Published(PacketId, ReasonCode),
    /// SUBACK.
    Subscribed(Subscribed),
    /// UNSUBACK.
    Unsubscribed(Unsubscribed),
}

/// How a publish ended: the server's reason code, or why it failed.
pub type PublishResult = Result<ReasonCode, PublishFailure>;

/// How a SUBSCRIBE ended: the SUBACK, or why the connection closed before it
/// came (a SUBSCRIBE is not resent on a new connection).
pub type SubscribeResult = Result<Subscribed, CloseReason>;

/// How an UNSUBSCRIBE ended: the UNSUBACK, or why the connection closed
/// before it came.
pub type UnsubscribeResult = Result<Unsubscribed, CloseReason>;

/// The client state around one [`Connection`] at a time, kept across
/// reconnects. Adapters hold it behind their lock.
///
/// The adapter's part, in the order of the drain rule: after any input or
/// command, take bytes with [`poll_transmit`](Self::poll_transmit) and write
/// them, then call [`handle_events`](Self::handle_events) (which may queue more
/// bytes, such as a re-SUBSCRIBE), and repeat while
/// [`has_pending_transmit`](Self::has_pending_transmit); then take the client
/// events with [`events_mut`](Self::events_mut).
///
/// # Examples
///
/// ```
/// use bytes::BytesMut;
/// use mqtt_client_core::{ClientOptions, ClientState, Status};
/// use mqtt_proto::Instant;
///
/// let mut state = ClientState::new(ClientOptions::new("demo"));
/// let now = Instant::from_duration(std::time::Duration::ZERO);
/// state.begin_connection(now).unwrap();
/// assert_eq!(state.status(), Status::Connecting);
/// let mut out = BytesMut::new();
/// state.poll_transmit(now, &mut out);
/// assert_eq!(out[0], 0x10); // CONNECT, ready for the socket
/// ```
#[derive(Debug)]
pub struct ClientState {
    options: ClientOptions,
    conn: Option<Connection>,
    status: Status,
    publishes: HashMap<PacketId, Arc<Completion<PublishResult>>>,
    subscribes: HashMap<PacketId, (Vec<Subscription>, Arc<Completion<SubscribeResult>>)>,
    unsubscribes: HashMap<PacketId, (Vec<TopicFilter>, Arc<Completion<UnsubscribeResult>>)>,
    /// Subscriptions the server granted, to make again when it loses the session.
    active_subs: Vec<Subscription>,
    events: VecDeque<ClientEvent>,
    connected_once: bool,
    /// Session Present of the last CONNACK.
    session_present: bool,
    /// Why the last connection closed.
    last_close: Option<CloseReason>,
}

impl ClientState {
    /// A client that has not connected yet.
    #[must_use]
    pub fn new(options: ClientOptions) -> Self {
        Self {
            options,
            conn: None,
            status: Status::Idle,
            publishes: HashMap::new(),
            subscribes: HashMap::new(),
            unsubscribes: HashMap::new(),
            active_subs: Vec::new(),
            events: VecDeque::new(),
            connected_once: false,
            session_present: false,
            last_close: None,
        }
    }

    /// Starts a new connection (before the socket exists, so that publishes
    /// made while connecting are queued in its session): an earlier
    /// connection hands its session on, and the status becomes
    /// [`Status::Connecting`]. CONNECT is then ready in
    /// [`poll_transmit`](Self::poll_transmit).
    ///
    /// # Errors
    ///
    /// [`ConnectError::InvalidOptions`] when the options make no valid
    /// CONNECT.
    pub fn begin_connection(&mut self, now: Instant) -> Result<(), ConnectError> {
        self.options.ensure_client_id();
        let mut options = self.options.mqtt().clone();
        if !self.connected_once {
            // Until a server accepted us, every attempt is the first connection.
            options.clean_start_on_resume = options.clean_start;
        }
        let session = match self.conn.take() {
            Some(mut old) => {
                old.handle_eof(now);
                old.into_session()
            }
            None => Session::new(),
        };
        let conn = Connection::resume(options, session, now).map_err(ConnectError::InvalidOptions)?;
        self.conn = Some(conn);
        self.status = Status::Connecting;
        Ok(())
    }

    // ---- Commands ----

    /// Publishes through the connection: the packet id (`None` for QoS 0) and
    /// the completion, set on PUBACK / PUBCOMP (QoS 0: at once).
    ///
    /// # Errors
    ///
    /// [`StateError::NeverConnected`] before any connection;
    /// [`StateError::Command`] as `Connection::publish`.
    pub fn publish(
        &mut self,
        topic: TopicName,
        payload: Bytes,
        qos: QoS,
        retain: bool,
        properties: PublishProperties,
    ) -> Result<(Option<PacketId>, Arc<Completion<PublishResult>>), StateError> {
        let conn = self.conn.as_mut().ok_or(StateError::NeverConnected)?;
        let id = conn.publish_with_properties(topic, payload, qos, retain, properties)?;
        let completion = match id {
            Some(id) => {
                let c = Arc::new(Completion::new());
                self.publishes.insert(id, c.clone());
                c
            }
            None => Arc::new(Completion::done(Ok(ReasonCode::Success))),
        };
        Ok((id, completion))
    }

    /// Subscribes through the connection: the packet id and the completion,
    /// set on SUBACK. Granted filters are remembered for re-subscribing.
    ///
    /// # Errors
    ///
    /// As [`publish`](Self::publish).
    pub fn subscribe(
        &mut self,
        subscriptions: Vec<Subscription>,
        properties: SubscribeProperties,
    ) -> Result<(PacketId, Arc<Completion<SubscribeResult>>), StateError> {
        let conn = self.conn.as_mut().ok_or(StateError::NeverConnected)?;
        let id = conn.subscribe(subscriptions.clone(), properties)?;
        let c = Arc::new(Completion::new());
        self.subscribes.insert(id, (subscriptions, c.clone()));
        Ok((id, c))
    }

    /// Unsubscribes through the connection: the packet id and the completion,
    /// set on UNSUBACK.
    ///
    /// # Errors
    ///
    /// As [`publish`](Self::publish).
    pub fn unsubscribe(
        &mut self,
        filters: Vec<TopicFilter>,
        properties: UnsubscribeProperties,
    ) -> Result<(PacketId, Arc<Completion<UnsubscribeResult>>), StateError> {
        let conn = self.conn.as_mut().ok_or(StateError::NeverConnected)?;
        let id = conn.unsubscribe(filters.clone(), properties)?;
        let c = Arc::new(Completion::new());
        self.unsubscribes.insert(id, (filters, c.clone()));
        Ok((id, c))
    }

    /// Acknowledges a received message in manual-ack mode.
    ///
    /// # Errors
    ///
    /// As [`publish`](Self::publish).
    pub fn ack(&mut self, packet_id: PacketId) -> Result<(), StateError> {
        let conn = self.conn.as_mut().ok_or(StateError::NeverConnected)?;
        conn.ack(packet_id)?;
        Ok(())
    }

    // ---- The drain rule ----

    /// Appends every byte the connection has to send to `out`.
    pub fn poll_transmit(&mut self, now: Instant, out: &mut BytesMut) {
        if let Some(conn) = self.conn.as_mut() {
            while conn.poll_transmit(now, out).is_some() {}
        }
    }

    /// Whether the connection has bytes to send.
    #[must_use]
    pub fn has_pending_transmit(&self) -> bool {
        self.conn.as_ref().is_some_and(Connection::has_pending_transmit)
    }

    /// Handles the connection's events: completes tokens, keeps the granted
    /// subscriptions, re-subscribes when the server lost the session, and
    /// queues the client events. Returns true when the connection closed
    /// meanwhile: the adapter then closes the socket.
    pub fn handle_events(&mut self) -> bool {
        let mut closed = false;
        while let Some(event) = self.conn.as_mut().and_then(Connection::poll_event) {
            closed |= matches!(event, Event::Closed(_));
            self.on_event(event);
        }
        closed
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Connected(c) => {
                log::info!("connected (session present: {})", c.session_present);
                if let Some(id) = &c.properties.assigned_client_identifier {
                    // Reconnects resume the session under the assigned id.
                    self.options.mqtt_options().client_id = id.clone();
                }
                self.status = Status::Connected;
                self.session_present = c.session_present;
                let resubscribe = !c.session_present && self.connected_once && self.options.resubscribes();
                self.connected_once = true;
                self.events.push_back(ClientEvent::Connected(c));
                if resubscribe {
                    self.resubscribe();
                }
            }
            Event::Message(m) => self.events.push_back(ClientEvent::Message(m)),
            Event::Published(p) => {
                let result = if p.reason_code.is_error() {
                    Err(PublishFailure::Refused(p.reason_code))
                } else {
                    Ok(p.reason_code)
                };
                self.complete(p.packet_id, result);
                self.events.push_back(ClientEvent::Published(p.packet_id, p.reason_code));
            }
            Event::PublishFailed { packet_id, error } => {
                log::warn!("publish {packet_id} failed: {error}");
                self.complete(packet_id, Err(PublishFailure::NotSent(error)));
            }
            Event::Subscribed(s) => {
                if let Some((subs, completion)) = self.subscribes.remove(&s.packet_id) {
                    for (sub, result) in subs.into_iter().zip(&s.results) {
                        if result.is_ok() {
                            self.active_subs.retain(|a| a.filter != sub.filter);
                            self.active_subs.push(sub);
                        }
                    }
                    completion.set(Ok(s.clone()));
                }
                self.events.push_back(ClientEvent::Subscribed(s));
            }
            Event::Unsubscribed(u) => {
                if let Some((filters, completion)) = self.unsubscribes.remove(&u.packet_id) {
                    self.active_subs.retain(|a| !filters.contains(&a.filter));
                    completion.set(Ok(u.clone()));
                }
                self.events.push_back(ClientEvent::Unsubscribed(u));
            }
            Event::Reauthenticated => log::info!("re-authenticated"),
            Event::Closed(reason) => {
                log::info!("connection closed: {reason}");
                let handshaking = self.status == Status::Connecting;
                // SUBSCRIBE and UNSUBSCRIBE are not resent on a new connection.
                for (_, (_, c)) in self.subscribes.drain() {
                    c.set(Err(reason.clone()));
                }
                for (_, (_, c)) in self.unsubscribes.drain() {
                    c.set(Err(reason.clone()));
                }
                if self.status != Status::Disconnected {
                    self.status = Status::Waiting;
                }
                self.last_close = Some(reason.clone());
                if handshaking {
                    // The attempt ended before CONNACK accepted it (refused,
                    // timed out, lost): it is a failed connect too.
                    self.events.push_back(ClientEvent::ConnectFailed(ConnectError::from_close(reason.clone())));
                }
                self.events.push_back(ClientEvent::Disconnected(reason));
            }
            other => log::debug!("unhandled event {other:?}"),
        }
    }

    fn complete(&mut self, id: PacketId, result: PublishResult) {
        if let Some(token) = self.publishes.remove(&id) {
            token.set(result);
        }
    }

    /// Subscribes again to everything the server granted before it lost the
    /// session.
    fn resubscribe(&mut self) {
        let subs = core::mem::take(&mut self.active_subs);
        let Some(conn) = self.conn.as_mut() else { return };
        log::info!("the server lost the session: subscribing again to {} filters", subs.len());
        match conn.subscribe(subs.clone(), SubscribeProperties::default()) {
            Ok(id) => {
                self.subscribes.insert(id, (subs, Arc::new(Completion::new())));
            }
            Err(e) => {
                log::warn!("re-subscribing failed: {e}");
                self.active_subs = subs;
            }
        }
    }

    // ---- Getters and setters for the adapter ----

    /// The options (the client id as the server assigned it, after CONNACK).
    #[must_use]
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// The options, to change before the next connection.
    pub fn options_mut(&mut self) -> &mut ClientOptions {
        &mut self.options
    }

    /// The current connection, once one was started.
    #[must_use]
    pub fn conn(&self) -> Option<&Connection> {
        self.conn.as_ref()
    }

    /// The current connection, to feed it input or give it commands; drain
    /// after.
    pub fn conn_mut(&mut self) -> Option<&mut Connection> {
        self.conn.as_mut()
    }

    /// Where the client is.
    #[must_use]
    pub fn status(&self) -> Status {
        self.status
    }

    /// Sets where the client is (the adapter knows about sockets, backoff and
    /// disconnect requests).
    pub fn set_status(&mut self, status: Status) {
        self.status = status;
    }

    /// The client events not taken yet, oldest first.
    #[must_use]
    pub fn events(&self) -> &VecDeque<ClientEvent> {
        &self.events
    }

    /// The client events not taken yet, to take them.
    pub fn events_mut(&mut self) -> &mut VecDeque<ClientEvent> {
        &mut self.events
    }

    /// Whether a server ever accepted a connection of this client.
    #[must_use]
    pub fn connected_once(&self) -> bool {
        self.connected_once
    }

    /// Session Present of the last CONNACK.
    #[must_use]
    pub fn session_present(&self) -> bool {
        self.session_present
    }

    /// Why the last connection closed.
    #[must_use]
    pub fn last_close(&self) -> Option<&CloseReason> {
        self.last_close.as_ref()
    }

    /// Forgets why the last connection closed (before a new attempt).
    pub fn clear_last_close(&mut self) {
        self.last_close = None;
    }

    /// QoS 1 and 2 publishes not completed yet: in flight or queued.
    #[must_use]
    pub fn unfinished_publishes(&self) -> usize {
        self.conn.as_ref().map_or(0, |c| c.session().inflight() + c.session().queued())
    }

    /// Whether a publish completion is still pending.
    #[must_use]
    pub fn has_pending_completions(&self) -> bool {
        !self.publishes.is_empty()
    }
}
