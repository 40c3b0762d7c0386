//! The state every thread of a client shares, behind one mutex, and the drain
//! rule applied to it.

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering, fence};
use std::sync::{Arc, Condvar, LockResult, Mutex, MutexGuard, OnceLock, WaitTimeoutResult};
use std::thread::ThreadId;

use bytes::BytesMut;
use mqtt_proto::{
    CloseReason, Connected, Connection, Event, Instant, Message, PacketId, ReasonCode, SubscribeProperties,
    Subscription, TopicFilter,
};

use crate::callbacks::Callbacks;
use crate::error::{ConnectError, PublishFailure};
use crate::options::ClientOptions;
use crate::transport::Stack;

/// Where the client is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// `connect` was never called.
    Idle,
    /// Establishing a network connection, or waiting for CONNACK.
    Connecting,
    /// Connected.
    Connected,
    /// Lost the connection; the network thread reconnects after a delay.
    Waiting,
    /// Disconnected on request, or gave up reconnecting.
    Disconnected,
}

/// What the callback loop reports, in order.
#[derive(Debug)]
pub(crate) enum ClientEvent {
    Connected(Connected),
    ConnectFailed(ConnectError),
    Disconnected(CloseReason),
    Message(Message),
    Published(PacketId, ReasonCode),
    Subscribed(mqtt_proto::Subscribed),
    Unsubscribed(mqtt_proto::Unsubscribed),
}

/// The completion of one publish, shared with its [`PublishToken`](crate::PublishToken).
#[derive(Debug, Default)]
pub(crate) struct TokenState {
    pub(crate) result: OnceLock<Result<ReasonCode, PublishFailure>>,
}

/// One network connection's sockets and protocol layers.
#[derive(Debug)]
pub(crate) struct Io {
    pub(crate) stack: Stack,
    pub(crate) writer: TcpStream,
}

#[derive(Debug)]
pub(crate) struct Core {
    pub(crate) options: ClientOptions,
    /// Host and port of the last connect.
    pub(crate) target: Option<(String, u16)>,
    pub(crate) conn: Option<Connection>,
    pub(crate) io: Option<Io>,
    pub(crate) status: Status,
    /// Bumped by every connect, reconnect and disconnect: a network thread of an
    /// older generation stops.
    pub(crate) generation: u64,
    pub(crate) tokens: HashMap<PacketId, Arc<TokenState>>,
    pub(crate) requested_subs: HashMap<PacketId, Vec<Subscription>>,
    pub(crate) requested_unsubs: HashMap<PacketId, Vec<TopicFilter>>,
    /// Subscriptions the server granted, to make again when it loses the session.
    pub(crate) active_subs: Vec<Subscription>,
    pub(crate) events: VecDeque<ClientEvent>,
    pub(crate) connected_once: bool,
    /// Session Present of the last CONNACK.
    pub(crate) session_present: bool,
    /// Why the last connection closed.
    pub(crate) last_close: Option<CloseReason>,
    scratch: BytesMut,
}

impl Core {
    pub(crate) fn new(options: ClientOptions) -> Self {
        Self {
            options,
            target: None,
            conn: None,
            io: None,
            status: Status::Idle,
            generation: 0,
            tokens: HashMap::new(),
            requested_subs: HashMap::new(),
            requested_unsubs: HashMap::new(),
            active_subs: Vec::new(),
            events: VecDeque::new(),
            connected_once: false,
            session_present: false,
            last_close: None,
            scratch: BytesMut::new(),
        }
    }

    /// The drain rule: bytes out, then events, again while handling events
    /// queued more bytes.
    pub(crate) fn pump(&mut self, now: Instant) {
        loop {
            self.transmit(now);
            while let Some(event) = self.conn.as_mut().and_then(Connection::poll_event) {
                self.on_event(event);
            }
            let pending = self.io.is_some() && self.conn.as_ref().is_some_and(Connection::has_pending_transmit);
            if !pending {
                break;
            }
        }
    }

    /// Writes what the connection has to send, through the transport, to the
    /// socket. A failed write ends the network connection.
    fn transmit(&mut self, now: Instant) {
        let (Some(conn), Some(io)) = (self.conn.as_mut(), self.io.as_mut()) else { return };
        while conn.poll_transmit(now, &mut self.scratch).is_some() {}
        let mut result = Ok(());
        if !self.scratch.is_empty() {
            result = if io.stack.is_plain() {
                // Straight to the socket: no copy into the link's outbox, and
                // no buffer allocated per write.
                io.writer.write_all(&self.scratch).map_err(|e| e.to_string())
            } else {
                io.stack.write_mqtt(&self.scratch).map_err(|e| e.to_string())
            };
            self.scratch.clear();
        }
        let out = io.stack.take_outbox();
        if result.is_ok() && !out.is_empty() {
            result = io.writer.write_all(&out).map_err(|e| e.to_string());
        }
        if let Err(e) = result {
            log::warn!("write failed: {e}");
            conn.handle_eof(now);
            self.drop_io();
        }
    }

    /// Closes the sockets of the current network connection; the reader thread
    /// wakes up with EOF.
    pub(crate) fn drop_io(&mut self) {
        if let Some(io) = self.io.take() {
            let _ = io.writer.shutdown(Shutdown::Both);
        }
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Connected(c) => {
                log::info!("connected (session present: {})", c.session_present);
                if let Some(id) = &c.properties.assigned_client_identifier {
                    // Reconnects resume the session under the assigned id.
                    self.options.mqtt.client_id = id.clone();
                }
                self.status = Status::Connected;
                self.session_present = c.session_present;
                let resubscribe = !c.session_present && self.connected_once && self.options.resubscribe;
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
                if let Some(subs) = self.requested_subs.remove(&s.packet_id) {
                    for (sub, result) in subs.into_iter().zip(&s.results) {
                        if result.is_ok() {
                            self.active_subs.retain(|a| a.filter != sub.filter);
                            self.active_subs.push(sub);
                        }
                    }
                }
                self.events.push_back(ClientEvent::Subscribed(s));
            }
            Event::Unsubscribed(u) => {
                if let Some(filters) = self.requested_unsubs.remove(&u.packet_id) {
                    self.active_subs.retain(|a| !filters.contains(&a.filter));
                }
                self.events.push_back(ClientEvent::Unsubscribed(u));
            }
            Event::Reauthenticated => log::info!("re-authenticated"),
            Event::Closed(reason) => {
                log::info!("connection closed: {reason}");
                let handshaking = self.status == Status::Connecting;
                self.drop_io();
                self.requested_subs.clear();
                self.requested_unsubs.clear();
                if self.status != Status::Disconnected {
                    self.status = Status::Waiting;
                }
                self.last_close = Some(reason.clone());
                if handshaking {
                    // The attempt ended before CONNACK accepted it (refused,
                    // timed out, lost): on_connect_fail (and, for a refusal,
                    // on_connect with the code) report it, as the network
                    // thread does for failures before MQTT.
                    self.events.push_back(ClientEvent::ConnectFailed(ConnectError::from_close(reason.clone())));
                }
                self.events.push_back(ClientEvent::Disconnected(reason));
            }
            other => log::debug!("unhandled event {other:?}"),
        }
    }

    fn complete(&mut self, id: PacketId, result: Result<ReasonCode, PublishFailure>) {
        if let Some(token) = self.tokens.remove(&id) {
            let _ = token.result.set(result);
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
                self.requested_subs.insert(id, subs);
            }
            Err(e) => {
                log::warn!("re-subscribing failed: {e}");
                self.active_subs = subs;
            }
        }
    }
}

/// Everything behind a client handle, shared with its threads.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) core: Mutex<Core>,
    /// Signalled whenever the core changed: events queued, publishes completed,
    /// status changed.
    pub(crate) changed: Signal,
    pub(crate) callbacks: Mutex<Callbacks>,
    /// The thread dispatching callbacks, while one is.
    pub(crate) dispatcher: Mutex<Option<ThreadId>>,
    origin: std::time::Instant,
}

impl Inner {
    pub(crate) fn new(options: ClientOptions) -> Self {
        Self {
            core: Mutex::new(Core::new(options)),
            changed: Signal::default(),
            callbacks: Mutex::new(Callbacks::default()),
            dispatcher: Mutex::new(None),
            origin: std::time::Instant::now(),
        }
    }

    /// Now, as the sans-IO connection counts time.
    pub(crate) fn now(&self) -> Instant {
        Instant::from_duration(self.origin.elapsed())
    }

    /// The core, even if a thread panicked while holding it (the state is still
    /// consistent: every change is a single assignment or a drained connection).
    pub(crate) fn lock(&self) -> MutexGuard<'_, Core> {
        self.core.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The condition variable of [`Inner::changed`]: a `Condvar` that makes no
/// system call when nobody waits.
///
/// std's `Condvar::notify_all` is a `futex` wake-up call even without waiters,
/// and the core is signalled on every publish and every read: that was a system
/// call per message. Every wait is on the core lock, and a waiter is counted
/// before it releases that lock, so a notifier that changed the core under the
/// lock and then finds no waiter knows that any thread waiting later looked at
/// the core after its change.
#[derive(Debug, Default)]
pub(crate) struct Signal {
    condvar: Condvar,
    waiters: AtomicUsize,
}

impl Signal {
    /// As [`Condvar::wait_timeout`].
    pub(crate) fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: std::time::Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let result = self.condvar.wait_timeout(guard, timeout);
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        result
    }

    /// As [`Condvar::notify_all`], skipped when nobody waits.
    pub(crate) fn notify_all(&self) {
        // Orders what this thread stored before (under the lock, or a stop flag)
        // before the look at the waiter count.
        fence(Ordering::SeqCst);
        if self.waiters.load(Ordering::SeqCst) > 0 {
            self.condvar.notify_all();
        }
    }
}
