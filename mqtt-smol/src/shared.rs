//! What the client handles and the driver share: the client state behind a
//! std mutex (never held across an `.await`), and the wake-ups between them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use mqtt_client_core::{ClientEvent, ClientOptions, ClientState, Router};
use mqtt_proto::{Instant, Message};

use std::sync::Arc;

use crate::events::Event;
use crate::queue::Queue;

/// Everything behind the mutex.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) state: ClientState,
    /// Per-filter routes: each a channel to a [`Messages`](crate::Messages).
    pub(crate) routes: Router<Arc<Queue<Message>>>,
    /// The [`Events`](crate::Events) stream's queue (unbounded: see the crate
    /// documentation on back-pressure).
    pub(crate) events: Arc<Queue<Event>>,
    /// The application asked to disconnect (or dropped the last handle): no
    /// reconnect, the driver ends after the DISCONNECT is written.
    pub(crate) closing: bool,
    /// The driver finished (or was dropped).
    pub(crate) driver_done: bool,
}

impl Inner {
    /// Moves the client events the state queued to where they go: messages to
    /// every matching route, else to the event stream; connection events to the
    /// event stream. Publish and (un)subscribe results are not forwarded: their
    /// tokens carry them. Only channel sends: no user code runs here.
    pub(crate) fn forward_events(&mut self) {
        while let Some(event) = self.state.events_mut().pop_front() {
            let event = match event {
                ClientEvent::Message(m) => {
                    if !self.routes.is_empty() {
                        let mut delivered = false;
                        let mut closed = false;
                        for queue in self.routes.matching(m.topic.as_str()) {
                            match queue.push(m.clone()) {
                                Ok(()) => delivered = true,
                                Err(_) => closed = true,
                            }
                        }
                        if closed {
                            // The receiver was dropped: the route goes, and
                            // what it would get falls back to the event stream.
                            self.routes.retain(|queue| !queue.is_abandoned());
                        }
                        if delivered {
                            continue;
                        }
                    }
                    Event::Message(m)
                }
                ClientEvent::Connected(c) => Event::Connected(c),
                ClientEvent::ConnectFailed(e) => Event::ConnectFailed(e),
                ClientEvent::Disconnected(r) => Event::Disconnected(r),
                _ => continue,
            };
            // Fails only when the Events stream was dropped: nobody listens.
            let _ = self.events.push(event);
        }
    }
}

/// The shared part of a client.
#[derive(Debug)]
pub(crate) struct Shared {
    inner: Mutex<Inner>,
    /// Wakes the driver after a command.
    pub(crate) driver: Notify,
    /// Wakes whoever waits for a change of the state (connected, flushed,
    /// driver done).
    pub(crate) changed: WakerSet,
    origin: std::time::Instant,
}

impl Shared {
    pub(crate) fn new(options: ClientOptions, events: Arc<Queue<Event>>) -> Self {
        let inner = Inner {
            state: ClientState::new(options),
            routes: Router::new(),
            events,
            closing: false,
            driver_done: false,
        };
        Self {
            inner: Mutex::new(inner),
            driver: Notify::default(),
            changed: WakerSet::default(),
            origin: std::time::Instant::now(),
        }
    }

    /// The state, even if a thread panicked while holding it (every change is
    /// a single assignment or a drained connection, so it is consistent).
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Now, as the sans-IO connection counts time.
    pub(crate) fn now(&self) -> Instant {
        Instant::from_duration(self.origin.elapsed())
    }

    /// The wall-clock instant of a connection deadline, for a timer.
    pub(crate) fn deadline(&self, at: Instant) -> std::time::Instant {
        let now = std::time::Instant::now();
        now + at.saturating_duration_since(self.now())
    }
}

/// One waiter (the driver), woken when a command needs it; a wake-up that
/// comes while the driver is busy is kept for its next wait.
#[derive(Debug, Default)]
pub(crate) struct Notify {
    pending: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Notify {
    /// Wakes the waiter; cheap when a wake-up is pending already.
    pub(crate) fn notify(&self) {
        if !self.pending.swap(true, Ordering::AcqRel) {
            let waker = self.waker.lock().unwrap_or_else(PoisonError::into_inner).take();
            if let Some(w) = waker {
                w.wake();
            }
        }
    }

    /// Ready once a notification came since the last one taken.
    pub(crate) fn poll_notified(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.pending.swap(false, Ordering::AcqRel) {
            return Poll::Ready(());
        }
        {
            let mut slot = self.waker.lock().unwrap_or_else(PoisonError::into_inner);
            match slot.as_ref() {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => *slot = Some(cx.waker().clone()),
            }
        }
        // A notification between the first look and the registration.
        if self.pending.swap(false, Ordering::AcqRel) { Poll::Ready(()) } else { Poll::Pending }
    }
}

/// Any number of waiters for "the state changed"; each registers under the
/// state lock after looking at the state, so no change is missed.
#[derive(Debug, Default)]
pub(crate) struct WakerSet {
    wakers: Mutex<Vec<Waker>>,
}

impl WakerSet {
    pub(crate) fn register(&self, waker: &Waker) {
        let mut wakers = self.wakers.lock().unwrap_or_else(PoisonError::into_inner);
        if !wakers.iter().any(|w| w.will_wake(waker)) {
            wakers.push(waker.clone());
        }
    }

    pub(crate) fn notify_all(&self) {
        let wakers = core::mem::take(&mut *self.wakers.lock().unwrap_or_else(PoisonError::into_inner));
        for w in wakers {
            w.wake();
        }
    }
}
