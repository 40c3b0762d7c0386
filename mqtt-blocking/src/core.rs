//! The state every thread of a client shares, behind one mutex, and the drain
//! rule applied to it. The I/O-free part is mqtt-client-core's `ClientState`.

use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering, fence};
use std::sync::{Condvar, LockResult, Mutex, MutexGuard, WaitTimeoutResult};
use std::thread::ThreadId;

use bytes::BytesMut;
use mqtt_client_core::{ClientOptions, ClientState, Completion, PublishResult, Stack};
use mqtt_proto::Instant;

use crate::callbacks::Callbacks;

/// The completion of one publish, shared with its [`PublishToken`](crate::PublishToken).
pub(crate) type TokenState = Completion<PublishResult>;

/// One network connection's sockets and protocol layers.
#[derive(Debug)]
pub(crate) struct Io {
    pub(crate) stack: Stack,
    pub(crate) writer: TcpStream,
}

/// The shared client state (mqtt-client-core's [`ClientState`]) plus what this
/// adapter adds: the socket, the target, and the generation its threads check.
#[derive(Debug)]
pub(crate) struct Core {
    pub(crate) state: ClientState,
    /// Host and port of the last connect.
    pub(crate) target: Option<(String, u16)>,
    pub(crate) io: Option<Io>,
    /// Bumped by every connect, reconnect and disconnect: a network thread of an
    /// older generation stops.
    pub(crate) generation: u64,
    /// Bytes written to sockets so far.
    pub(crate) written: u64,
    scratch: BytesMut,
}

impl Core {
    pub(crate) fn new(options: ClientOptions) -> Self {
        Self {
            state: ClientState::new(options),
            target: None,
            io: None,
            generation: 0,
            written: 0,
            scratch: BytesMut::new(),
        }
    }

    /// The drain rule: bytes out, then events, again while handling events
    /// queued more bytes.
    pub(crate) fn pump(&mut self, now: Instant) {
        loop {
            self.transmit(now);
            if self.state.handle_events() {
                // Closed: the sockets go (what the close queued, such as a
                // DISCONNECT, was written above).
                self.drop_io();
            }
            if !(self.io.is_some() && self.state.has_pending_transmit()) {
                break;
            }
        }
    }

    /// Writes what the connection has to send, through the transport, to the
    /// socket. A failed write ends the network connection.
    fn transmit(&mut self, now: Instant) {
        let Some(io) = self.io.as_mut() else { return };
        self.state.poll_transmit(now, &mut self.scratch);
        let mut result = Ok(());
        if !self.scratch.is_empty() {
            result = if io.stack.is_plain() {
                // Straight to the socket: no copy into the link's outbox, and
                // no buffer allocated per write.
                io.writer.write_all(&self.scratch).map_err(|e| e.to_string())
            } else {
                io.stack.write_mqtt(&self.scratch).map_err(|e| e.to_string())
            };
            if io.stack.is_plain() {
                self.written += self.scratch.len() as u64;
            }
            self.scratch.clear();
        }
        let out = io.stack.take_outbox();
        if result.is_ok() && !out.is_empty() {
            result = io.writer.write_all(&out).map_err(|e| e.to_string());
            self.written += out.len() as u64;
        }
        if let Err(e) = result {
            log::warn!("write failed: {e}");
            if let Some(conn) = self.state.conn_mut() {
                conn.handle_eof(now);
            }
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
