//! The client handle: connecting, commands, and callback registration.

use std::net::TcpStream;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use mqtt_proto::{
    CloseReason, ConnAckProperties, DisconnectProperties, Message, PacketId, PublishProperties, QoS, ReasonCode, State,
    SubscribeProperties, TopicName, UnsubscribeProperties,
};

use crate::callbacks::{ConnectFlags, shared};
use mqtt_client_core::{ClientEvent, ConnectError, IntoFilters, IntoSubscriptions, Status};

use crate::core::Inner;
use crate::net::{self, Step};
use crate::{ClientOptions, Error, PublishToken};

/// What the user's handles share; dropping the last one disconnects.
#[derive(Debug)]
pub(crate) struct Handle {
    pub(crate) inner: Arc<Inner>,
    #[allow(clippy::type_complexity)]
    pub(crate) loop_thread: Mutex<Option<(JoinHandle<()>, Arc<AtomicBool>)>>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        // The last handle is gone: stop the threads and say goodbye.
        let now = self.inner.now();
        let mut core = self.inner.lock();
        core.generation += 1;
        core.state.set_status(Status::Disconnected);
        if let Some(conn) = core.state.conn_mut() {
            if conn.state() != State::Closed {
                conn.disconnect();
            }
        }
        core.pump(now);
        core.drop_io();
        drop(core);
        self.inner.changed.notify_all();
        if let Some((_, stop)) = self.loop_thread.lock().unwrap_or_else(PoisonError::into_inner).take() {
            stop.store(true, std::sync::atomic::Ordering::Release);
        }
    }
}

/// An MQTT client over std threads, in the spirit of paho-mqtt's `Client`.
///
/// Cloning gives another handle to the same client (to use from callbacks or
/// other threads); dropping the last handle disconnects. See the
/// [crate documentation](crate) for the threads it runs and the paho mapping.
#[derive(Clone, Debug)]
pub struct Client {
    handle: Arc<Handle>,
}

impl Client {
    /// A client with `options`; nothing happens on the network until
    /// [`connect`](Self::connect) or [`connect_async`](Self::connect_async).
    #[must_use]
    pub fn new(options: ClientOptions) -> Self {
        let inner = Arc::new(Inner::new(options));
        Self { handle: Arc::new(Handle { inner, loop_thread: Mutex::new(None) }) }
    }

    pub(crate) fn from_handle(handle: Arc<Handle>) -> Self {
        Self { handle }
    }

    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    pub(crate) fn handle_arc(&self) -> &Arc<Handle> {
        &self.handle
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.handle.inner
    }

    pub(crate) fn inner_arc(&self) -> &Arc<Inner> {
        &self.handle.inner
    }

    // ---- Connecting ----

    /// Connects to `host:port` and waits for the CONNACK (paho's `connect()`).
    /// On success the client's network thread takes over: reading, keep alive,
    /// and reconnecting with backoff when the connection drops.
    ///
    /// It may be called from a callback (paho users reconnect from
    /// `on_disconnect`): callbacks wait meanwhile, the network thread does not.
    ///
    /// # Errors
    ///
    /// [`Error::Connect`] saying why: the name did not resolve, the TCP
    /// connection was refused, TLS or the WebSocket upgrade failed, no CONNACK
    /// within the connect timeout, or the server refused (with its reason code).
    pub fn connect(&self, host: &str, port: u16) -> Result<ConnectFlags, Error> {
        let generation = self.start(host, port);
        self.connect_now(generation)
    }

    /// Connects again to the last host (paho's `reconnect()`), resuming the
    /// session: in-flight messages are resent.
    ///
    /// # Errors
    ///
    /// [`Error::NeverConnected`] before any `connect`, else as
    /// [`connect`](Self::connect).
    pub fn reconnect(&self) -> Result<ConnectFlags, Error> {
        let generation = {
            let mut core = self.inner().lock();
            if core.target.is_none() {
                return Err(Error::NeverConnected);
            }
            core.generation += 1;
            core.drop_io();
            core.generation
        };
        self.inner().changed.notify_all();
        self.connect_now(generation)
    }

    /// Starts connecting in the background and returns at once (paho's
    /// `connect_async()`): the network thread connects, retrying with backoff.
    /// QoS 1 and 2 publishes made meanwhile are queued.
    ///
    /// # Errors
    ///
    /// Only when the network thread cannot be started.
    pub fn connect_async(&self, host: &str, port: u16) -> Result<(), Error> {
        let generation = self.start(host, port);
        net::spawn(self.inner_arc().clone(), None, generation).map_err(|e| Error::from(ConnectError::Io(e)))
    }

    /// Records the target and starts a new generation, stopping any earlier
    /// network thread.
    fn start(&self, host: &str, port: u16) -> u64 {
        let mut core = self.inner().lock();
        core.target = Some((host.to_owned(), port));
        core.generation += 1;
        core.drop_io();
        if core.state.status() == Status::Idle || core.state.status() == Status::Disconnected {
            core.state.set_status(Status::Connecting);
        }
        let generation = core.generation;
        drop(core);
        self.inner().changed.notify_all();
        generation
    }

    /// Connects on this thread until CONNACK, then hands the socket to a network
    /// thread.
    fn connect_now(&self, generation: u64) -> Result<ConnectFlags, Error> {
        let inner = self.inner_arc();
        let fail = |e: ConnectError| {
            let mut core = inner.lock();
            if core.generation == generation {
                core.state.set_status(Status::Disconnected);
                core.drop_io();
            }
            drop(core);
            inner.changed.notify_all();
            Err(Error::from(e))
        };
        inner.lock().state.clear_last_close();
        let mut sock: TcpStream = match net::establish(inner, generation) {
            Ok(s) => s,
            Err(e) => return fail(e),
        };
        let mut reader = net::Reader::new();
        loop {
            let step = net::read_step(inner, generation, &mut sock, &mut reader);
            let core = inner.lock();
            if core.state.status() == Status::Connected {
                let session_present = core.state.session_present();
                drop(core);
                net::spawn(inner.clone(), Some(sock), generation).map_err(|e| Error::from(ConnectError::Io(e)))?;
                return Ok(ConnectFlags { session_present });
            }
            match step {
                Step::Continue => {}
                Step::Closed => {
                    let reason = core.state.last_close().cloned().unwrap_or(CloseReason::ConnectionLost);
                    drop(core);
                    return fail(ConnectError::from_close(reason));
                }
                Step::Failed(e) => {
                    drop(core);
                    return fail(ConnectError::Transport(e));
                }
            }
        }
    }

    /// Disconnects cleanly (paho's `disconnect()`): sends DISCONNECT, stops
    /// reconnecting, and ends `loop_forever`. The session (in-flight and queued
    /// QoS 1 and 2 messages) is kept for a later `connect`/`reconnect`.
    ///
    /// # Errors
    ///
    /// None today; the `Result` leaves room for reporting a failed flush.
    pub fn disconnect(&self) -> Result<(), Error> {
        self.disconnect_with(ReasonCode::Success, DisconnectProperties::default())
    }

    /// Disconnects with an MQTT 5 reason code and properties (for example
    /// [`ReasonCode::DisconnectWithWillMessage`]).
    ///
    /// # Errors
    ///
    /// As [`disconnect`](Self::disconnect).
    pub fn disconnect_with(&self, reason: ReasonCode, properties: DisconnectProperties) -> Result<(), Error> {
        let now = self.inner().now();
        let mut core = self.inner().lock();
        core.generation += 1;
        core.state.set_status(Status::Disconnected);
        match core.state.conn_mut() {
            Some(conn) if conn.state() != State::Closed => conn.disconnect_with(reason, properties),
            _ => core.state.events_mut().push_back(ClientEvent::Disconnected(CloseReason::Disconnected)),
        }
        core.pump(now);
        core.drop_io();
        drop(core);
        self.inner().changed.notify_all();
        Ok(())
    }

    /// Whether the client is connected now (paho's `is_connected()`).
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.inner().lock().state.status() == Status::Connected
    }

    // ---- Commands ----

    /// Publishes `payload` to `topic` (paho's `publish()`), returning a token
    /// with the packet id.
    ///
    /// QoS 1 and 2 publishes made while disconnected are queued (up to
    /// `max_queued_messages`) and sent after the reconnect.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTopic`]; [`Error::NotConnected`] for QoS 0 without a
    /// connection; [`Error::NeverConnected`] before any connect;
    /// [`Error::Command`] when the queue is full or the server's limits forbid
    /// the message (QoS above its maximum, retain unavailable, too large).
    pub fn publish(
        &self,
        topic: &str,
        payload: impl Into<Bytes>,
        qos: QoS,
        retain: bool,
    ) -> Result<PublishToken, Error> {
        self.publish_with_properties(topic, payload, qos, retain, PublishProperties::default())
    }

    /// [`publish`](Self::publish) with MQTT 5 properties.
    ///
    /// # Errors
    ///
    /// As [`publish`](Self::publish).
    pub fn publish_with_properties(
        &self,
        topic: &str,
        payload: impl Into<Bytes>,
        qos: QoS,
        retain: bool,
        properties: PublishProperties,
    ) -> Result<PublishToken, Error> {
        let topic = TopicName::try_from(topic).map_err(Error::InvalidTopic)?;
        let payload = payload.into();
        let now = self.inner().now();
        let mut core = self.inner().lock();
        let (id, state) = core.state.publish(topic, payload, qos, retain, properties)?;
        core.pump(now);
        drop(core);
        self.inner().changed.notify_all();
        Ok(PublishToken { id, state, inner: self.inner_arc().clone() })
    }

    /// Subscribes (paho's `subscribe()`): one `(filter, qos)` pair, or a list of
    /// them; MQTT 5 subscription options in place of a QoS. Returns the packet
    /// id; `on_subscribe` reports the result per filter.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTopic`], [`Error::NotConnected`], [`Error::Command`].
    pub fn subscribe(&self, subscriptions: impl IntoSubscriptions) -> Result<PacketId, Error> {
        self.subscribe_with_properties(subscriptions, SubscribeProperties::default())
    }

    /// [`subscribe`](Self::subscribe) with MQTT 5 properties (subscription
    /// identifier, user properties).
    ///
    /// # Errors
    ///
    /// As [`subscribe`](Self::subscribe).
    pub fn subscribe_with_properties(
        &self,
        subscriptions: impl IntoSubscriptions,
        properties: SubscribeProperties,
    ) -> Result<PacketId, Error> {
        let subs = subscriptions.into_subscriptions()?;
        let now = self.inner().now();
        let mut core = self.inner().lock();
        let (id, _) = core.state.subscribe(subs, properties)?;
        core.pump(now);
        drop(core);
        self.inner().changed.notify_all();
        Ok(id)
    }

    /// Unsubscribes from one filter or a list (paho's `unsubscribe()`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTopic`], [`Error::NotConnected`], [`Error::Command`].
    pub fn unsubscribe(&self, filters: impl IntoFilters) -> Result<PacketId, Error> {
        let filters = filters.into_filters()?;
        let now = self.inner().now();
        let mut core = self.inner().lock();
        let (id, _) = core.state.unsubscribe(filters, UnsubscribeProperties::default())?;
        core.pump(now);
        drop(core);
        self.inner().changed.notify_all();
        Ok(id)
    }

    /// Acknowledges a received QoS 1 or 2 message when manual acks are on
    /// (paho's `ack(mid, qos)`); acks still go out in arrival order.
    ///
    /// # Errors
    ///
    /// [`Error::Command`] when no message awaits this acknowledgement.
    pub fn ack(&self, packet_id: PacketId) -> Result<(), Error> {
        let now = self.inner().now();
        let mut core = self.inner().lock();
        core.state.ack(packet_id)?;
        core.pump(now);
        Ok(())
    }

    /// Waits up to `timeout` until the client is connected.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`]; [`Error::NotConnected`] once disconnected for good.
    pub fn wait_connected(&self, timeout: Duration) -> Result<(), Error> {
        let deadline = Instant::now() + timeout;
        let mut core = self.inner().lock();
        loop {
            match core.state.status() {
                Status::Connected => return Ok(()),
                Status::Disconnected | Status::Idle => return Err(Error::NotConnected),
                _ => {}
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::Timeout);
            }
            core = match self.inner().changed.wait_timeout(core, left) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    // ---- Callbacks ----

    /// Called on CONNACK: the flags, the reason code (Success, or the refusal),
    /// and the MQTT 5 properties (paho's `on_connect`).
    pub fn on_connect(&self, f: impl FnMut(&Client, ConnectFlags, ReasonCode, &ConnAckProperties) + Send + 'static) {
        self.callbacks().on_connect = Some(shared(Box::new(f)));
    }

    /// Called when a connection attempt fails (paho's `on_connect_fail`).
    pub fn on_connect_fail(&self, f: impl FnMut(&Client, &ConnectError) + Send + 'static) {
        self.callbacks().on_connect_fail = Some(shared(Box::new(f)));
    }

    /// Called when a connection ends, with why (paho's `on_disconnect`):
    /// [`CloseReason::Disconnected`] after [`disconnect`](Self::disconnect).
    pub fn on_disconnect(&self, f: impl FnMut(&Client, &CloseReason) + Send + 'static) {
        self.callbacks().on_disconnect = Some(shared(Box::new(f)));
    }

    /// Called for each message no per-filter callback matched (paho's
    /// `on_message`).
    pub fn on_message(&self, f: impl FnMut(&Client, &Message) + Send + 'static) {
        self.callbacks().on_message = Some(shared(Box::new(f)));
    }

    /// Called when a QoS 1 or 2 publish completes, with the server's reason code
    /// (paho's `on_publish`). QoS 0 publishes complete at once and have no id.
    pub fn on_publish(&self, f: impl FnMut(&Client, PacketId, ReasonCode) + Send + 'static) {
        self.callbacks().on_publish = Some(shared(Box::new(f)));
    }

    /// Called on SUBACK with the granted QoS or failure per filter (paho's
    /// `on_subscribe`).
    pub fn on_subscribe(&self, f: impl FnMut(&Client, PacketId, &[Result<QoS, ReasonCode>]) + Send + 'static) {
        self.callbacks().on_subscribe = Some(shared(Box::new(f)));
    }

    /// Called on UNSUBACK (paho's `on_unsubscribe`).
    pub fn on_unsubscribe(&self, f: impl FnMut(&Client, PacketId, &[Result<ReasonCode, ReasonCode>]) + Send + 'static) {
        self.callbacks().on_unsubscribe = Some(shared(Box::new(f)));
    }

    /// Routes messages whose topic matches `filter` to `f` instead of
    /// `on_message` (paho's `message_callback_add`). Every matching filter's
    /// callback runs.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTopic`] when `filter` is not a valid topic filter.
    pub fn message_callback_add(
        &self,
        filter: &str,
        f: impl FnMut(&Client, &Message) + Send + 'static,
    ) -> Result<(), Error> {
        self.callbacks().filters.add(filter, shared(Box::new(f))).map_err(Error::InvalidTopic)
    }

    /// Removes the callback of `filter` (paho's `message_callback_remove`).
    pub fn message_callback_remove(&self, filter: &str) {
        self.callbacks().filters.remove(filter);
    }

    fn callbacks(&self) -> std::sync::MutexGuard<'_, crate::callbacks::Callbacks> {
        self.inner().callbacks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
