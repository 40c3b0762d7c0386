//! Callbacks and the loops that run them.
//!
//! Callbacks never run on the network thread: a loop (`loop_start`'s thread, or
//! the caller of `loop_forever` / `loop_once`) takes events from the queue the
//! network thread fills and calls them, so a slow callback delays other
//! callbacks but never keep alive or acknowledgements.

use std::cell::Cell;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::thread;
use std::time::{Duration, Instant};

use mqtt_proto::{CloseReason, ConnAckProperties, Message, PacketId, QoS, ReasonCode};

use mqtt_client_core::{ClientEvent, ConnectError, Router, Status};

use crate::core::Inner;
use crate::{Client, Error};

/// The CONNACK flags passed to `on_connect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectFlags {
    /// Whether the server resumed a session.
    pub session_present: bool,
}

type Shared<F> = Arc<Mutex<Box<F>>>;

type OnConnect = dyn FnMut(&Client, ConnectFlags, ReasonCode, &ConnAckProperties) + Send;
type OnConnectFail = dyn FnMut(&Client, &ConnectError) + Send;
type OnDisconnect = dyn FnMut(&Client, &CloseReason) + Send;
type OnMessage = dyn FnMut(&Client, &Message) + Send;
type OnPublish = dyn FnMut(&Client, PacketId, ReasonCode) + Send;
type OnSubscribe = dyn FnMut(&Client, PacketId, &[Result<QoS, ReasonCode>]) + Send;
type OnUnsubscribe = dyn FnMut(&Client, PacketId, &[Result<ReasonCode, ReasonCode>]) + Send;

/// The registered callbacks. Each sits behind its own lock, taken only while it
/// runs, so a callback may register or replace callbacks.
#[derive(Default)]
pub(crate) struct Callbacks {
    pub(crate) on_connect: Option<Shared<OnConnect>>,
    pub(crate) on_connect_fail: Option<Shared<OnConnectFail>>,
    pub(crate) on_disconnect: Option<Shared<OnDisconnect>>,
    pub(crate) on_message: Option<Shared<OnMessage>>,
    pub(crate) on_publish: Option<Shared<OnPublish>>,
    pub(crate) on_subscribe: Option<Shared<OnSubscribe>>,
    pub(crate) on_unsubscribe: Option<Shared<OnUnsubscribe>>,
    pub(crate) filters: Router<Shared<OnMessage>>,
}

impl fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callbacks")
            .field("on_connect", &self.on_connect.is_some())
            .field("on_message", &self.on_message.is_some())
            .field("filters", &self.filters.filters().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

pub(crate) fn shared<F: ?Sized>(f: Box<F>) -> Shared<F> {
    Arc::new(Mutex::new(f))
}

thread_local! {
    /// Whether this thread is running a callback now.
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// Whether the current thread is inside a callback.
pub(crate) fn in_callback() -> bool {
    IN_CALLBACK.with(Cell::get)
}

/// Whether the current thread is inside a callback of the client `inner`.
pub(crate) fn in_callback_of(inner: &Inner) -> bool {
    in_callback() && *inner.dispatcher.lock().unwrap_or_else(PoisonError::into_inner) == Some(thread::current().id())
}

fn call<F: ?Sized>(cb: &Shared<F>, f: impl FnOnce(&mut F)) {
    IN_CALLBACK.with(|c| c.set(true));
    let mut guard = cb.lock().unwrap_or_else(PoisonError::into_inner);
    // A panicking callback must not take the loop down with it.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut **guard)));
    drop(guard);
    IN_CALLBACK.with(|c| c.set(false));
    if result.is_err() {
        log::error!("a callback panicked; the panic was caught");
    }
}

/// Runs the callbacks of one event.
fn dispatch(client: &Client, event: ClientEvent) {
    let callbacks = client.inner().callbacks.lock().unwrap_or_else(PoisonError::into_inner);
    match event {
        ClientEvent::Connected(c) => {
            let Some(cb) = callbacks.on_connect.clone() else { return };
            drop(callbacks);
            let flags = ConnectFlags { session_present: c.session_present };
            call(&cb, |f| f(client, flags, ReasonCode::Success, &c.properties));
        }
        ClientEvent::ConnectFailed(e) => {
            // paho calls on_connect with the refusal's code too.
            let refused = match &e {
                ConnectError::Refused { reason_code, properties } => Some((*reason_code, (**properties).clone())),
                _ => None,
            };
            let on_connect = callbacks.on_connect.clone();
            let on_fail = callbacks.on_connect_fail.clone();
            drop(callbacks);
            if let (Some(cb), Some((code, props))) = (on_connect, refused) {
                call(&cb, |f| f(client, ConnectFlags { session_present: false }, code, &props));
            }
            if let Some(cb) = on_fail {
                call(&cb, |f| f(client, &e));
            }
        }
        ClientEvent::Disconnected(reason) => {
            let Some(cb) = callbacks.on_disconnect.clone() else { return };
            drop(callbacks);
            call(&cb, |f| f(client, &reason));
        }
        ClientEvent::Message(m) => {
            // paho: every matching per-filter callback, else on_message.
            let matching: Vec<_> = callbacks.filters.matching(m.topic.as_str()).cloned().collect();
            let fallback = callbacks.on_message.clone();
            drop(callbacks);
            if matching.is_empty() {
                if let Some(cb) = fallback {
                    call(&cb, |f| f(client, &m));
                }
            }
            for cb in matching {
                call(&cb, |f| f(client, &m));
            }
        }
        ClientEvent::Published(id, code) => {
            let Some(cb) = callbacks.on_publish.clone() else { return };
            drop(callbacks);
            call(&cb, |f| f(client, id, code));
        }
        ClientEvent::Subscribed(s) => {
            let Some(cb) = callbacks.on_subscribe.clone() else { return };
            drop(callbacks);
            call(&cb, |f| f(client, s.packet_id, &s.results));
        }
        ClientEvent::Unsubscribed(u) => {
            let Some(cb) = callbacks.on_unsubscribe.clone() else { return };
            drop(callbacks);
            call(&cb, |f| f(client, u.packet_id, &u.results));
        }
        _ => {}
    }
}

/// Holds the right to dispatch callbacks; one loop at a time.
struct DispatchGuard(Arc<Inner>);

impl DispatchGuard {
    fn take(inner: &Arc<Inner>) -> Result<Self, Error> {
        if in_callback() {
            return Err(Error::InCallback);
        }
        let mut d = inner.dispatcher.lock().unwrap_or_else(PoisonError::into_inner);
        match *d {
            Some(id) if id != thread::current().id() => Err(Error::LoopRunning),
            _ => {
                *d = Some(thread::current().id());
                Ok(Self(inner.clone()))
            }
        }
    }
}

impl Drop for DispatchGuard {
    fn drop(&mut self) {
        *self.0.dispatcher.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// Waits until `deadline` for events and runs their callbacks. Returns whether
/// the client is disconnected for good with nothing left to dispatch.
fn dispatch_until(client: &Client, deadline: Option<Instant>, stop: &dyn Fn() -> bool) -> bool {
    dispatch_batches(client, deadline, stop, false)
}

/// [`dispatch_until`], returning after the first batch when `once`.
fn dispatch_batches(client: &Client, deadline: Option<Instant>, stop: &dyn Fn() -> bool, once: bool) -> bool {
    let inner = client.inner();
    loop {
        let mut core = inner.lock();
        while core.state.events().is_empty() {
            if core.state.status() == Status::Disconnected || stop() {
                return core.state.status() == Status::Disconnected;
            }
            let wait = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(1),
            };
            if wait.is_zero() {
                return false;
            }
            core = match inner.changed.wait_timeout(core, wait) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
        let batch: Vec<ClientEvent> = core.state.events_mut().drain(..).collect();
        drop(core);
        for event in batch {
            dispatch(client, event);
        }
        if once || deadline.is_some_and(|d| Instant::now() >= d) {
            return false;
        }
    }
}

impl Client {
    /// Waits up to `timeout` for events and runs their callbacks on this thread,
    /// returning once it ran some (paho's `loop(timeout)`). The network is
    /// handled by the client's own network thread, so this is only needed when
    /// no other loop runs.
    ///
    /// # Errors
    ///
    /// [`Error::NeverConnected`] before `connect`; [`Error::NotConnected`] once
    /// disconnected for good; [`Error::LoopRunning`] while another loop
    /// dispatches; [`Error::InCallback`] from a callback.
    pub fn loop_once(&self, timeout: Duration) -> Result<(), Error> {
        let _guard = DispatchGuard::take(self.inner_arc())?;
        if self.inner().lock().state.status() == Status::Idle {
            return Err(Error::NeverConnected);
        }
        let done = dispatch_batches(self, Some(Instant::now() + timeout), &|| false, true);
        if done { Err(Error::NotConnected) } else { Ok(()) }
    }

    /// Runs callbacks on this thread until [`disconnect`](Self::disconnect)
    /// (paho's `loop_forever()`). Reconnects with backoff happen meanwhile on the
    /// network thread.
    ///
    /// # Errors
    ///
    /// [`Error::NeverConnected`] before `connect` or `connect_async`;
    /// [`Error::LoopRunning`] while `loop_start` runs; [`Error::InCallback`] from
    /// a callback.
    pub fn loop_forever(&self) -> Result<(), Error> {
        let _guard = DispatchGuard::take(self.inner_arc())?;
        if self.inner().lock().state.status() == Status::Idle {
            return Err(Error::NeverConnected);
        }
        while !dispatch_until(self, None, &|| false) {}
        Ok(())
    }

    /// Starts a thread named `mqtt-callbacks` that runs the callbacks (paho's
    /// `loop_start()`), until [`loop_stop`](Self::loop_stop) or the last client
    /// handle is dropped.
    ///
    /// # Errors
    ///
    /// [`Error::LoopRunning`] when a loop runs already.
    pub fn loop_start(&self) -> Result<(), Error> {
        if in_callback() {
            return Err(Error::InCallback);
        }
        let mut slot = self.handle().loop_thread.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_some() || self.inner().dispatcher.lock().unwrap_or_else(PoisonError::into_inner).is_some() {
            return Err(Error::LoopRunning);
        }
        let weak: Weak<crate::client::Handle> = Arc::downgrade(self.handle_arc());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop_flag = stop.clone();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let join = thread::Builder::new()
            .name("mqtt-callbacks".into())
            .spawn(move || {
                let Some(inner) = weak.upgrade().map(|h| h.inner.clone()) else { return };
                let guard = DispatchGuard::take(&inner);
                let _ = ready_tx.send(());
                let Ok(_guard) = guard else { return };
                let stopped = || stop_flag.load(std::sync::atomic::Ordering::Acquire);
                while !stopped() {
                    // Hold a handle only while dispatching, so that dropping the
                    // last user handle ends this thread.
                    let Some(client) = weak.upgrade().map(Client::from_handle) else { break };
                    let idle = dispatch_until(&client, Some(Instant::now() + Duration::from_millis(200)), &stopped);
                    drop(client);
                    if idle {
                        // Disconnected with nothing to dispatch: wait for a change
                        // (a new connect, events, loop_stop) instead of spinning.
                        let core = inner.lock();
                        if core.state.events().is_empty() && !stopped() {
                            let _ = inner.changed.wait_timeout(core, Duration::from_millis(200));
                        }
                    }
                }
            })
            .map_err(|_| Error::LoopRunning)?;
        let _ = ready_rx.recv_timeout(Duration::from_secs(5));
        *slot = Some((join, stop));
        Ok(())
    }

    /// Stops the `loop_start` thread after the callbacks it runs now, and waits
    /// for it (paho's `loop_stop()`).
    ///
    /// # Errors
    ///
    /// [`Error::InCallback`] from a callback, which would wait for itself.
    pub fn loop_stop(&self) -> Result<(), Error> {
        if in_callback() {
            return Err(Error::InCallback);
        }
        let taken = self.handle().loop_thread.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some((join, stop)) = taken {
            stop.store(true, std::sync::atomic::Ordering::Release);
            self.inner().changed.notify_all();
            let _ = join.join();
        }
        Ok(())
    }
}
