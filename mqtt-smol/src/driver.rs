//! The driver: the future that owns the socket and the connection, moves
//! bytes, keeps the connection alive and reconnects. It never runs user code:
//! what it has for the application goes into channels.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_io::Timer;
use bytes::BytesMut;
use futures_lite::future;
use mqtt_client_core::{ClientEvent, ConnectError, ReadPacer, Status, TransportError};
use mqtt_proto::{CloseReason, Instant, State};

use crate::net::{self, Io, ReadOutcome};
use crate::shared::{Inner, Shared};

/// Most bytes read per wake-up before the driver drains the connection (sends
/// acknowledgements, hands messages on) and looks at its other work.
const READ_BUDGET: usize = 256 * 1024;

/// How long the last bytes of a connection (a DISCONNECT) may take to leave.
const FLUSH_LIMIT: Duration = Duration::from_secs(5);

/// The future that does a client's network work: reading, writing, keep
/// alive, acknowledgements, reconnecting with backoff. Spawn it on any
/// executor, or await it (alongside the rest of the program, with
/// `futures_lite::future::or` or the like).
///
/// It completes once the client is disconnected for good: after
/// [`Client::disconnect`](crate::Client::disconnect), after the last
/// [`Client`](crate::Client) handle is dropped, or, with auto reconnect off,
/// after the first loss. Dropping it ends the connection at once (without
/// DISCONNECT) and fails every unfinished token; no other state is lost.
///
/// # Examples
///
/// ```no_run
/// # smol::block_on(async {
/// let options = mqtt_smol::ClientOptions::new("demo");
/// let (client, driver, _events) = mqtt_smol::connect(options, "127.0.0.1", 1883).await?;
/// let driver = smol::spawn(driver);
/// client.disconnect().await?;
/// driver.await; // ends after the DISCONNECT went out
/// # Ok::<(), mqtt_smol::Error>(())
/// # });
/// ```
#[must_use = "the driver does the network work: spawn it or await it"]
pub struct Driver {
    fut: Pin<Box<dyn Future<Output = ()> + Send + 'static>>,
    /// Dropped when the driver completes or is dropped, polled or not.
    done: Option<DoneGuard>,
}

impl Driver {
    pub(crate) fn new(shared: Arc<Shared>, io: Io, host: String, port: u16) -> Self {
        Self { done: Some(DoneGuard(shared.clone())), fut: Box::pin(run(shared, io, host, port)) }
    }
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver").finish_non_exhaustive()
    }
}

impl Future for Driver {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let poll = self.fut.as_mut().poll(cx);
        if poll.is_ready() {
            self.done = None;
        }
        poll
    }
}

/// Marks the driver gone however it ends (completed or dropped): waiters stop
/// waiting, streams end after what they hold.
struct DoneGuard(Arc<Shared>);

impl Drop for DoneGuard {
    fn drop(&mut self) {
        let mut inner = self.0.lock();
        inner.driver_done = true;
        inner.state.set_status(Status::Disconnected);
        if let Some(conn) = inner.state.conn_mut() {
            if conn.state() != State::Closed {
                conn.handle_eof(self.0.now());
            }
        }
        let _ = inner.state.handle_events();
        inner.forward_events();
        inner.state.fail_pending();
        inner.events.close();
        inner.routes.retain(|queue| {
            queue.close();
            false
        });
        drop(inner);
        self.0.changed.notify_all();
    }
}

/// The driver's life: serve the connection, then reconnect with backoff
/// until the client is disconnected for good.
async fn run(shared: Arc<Shared>, io: Io, host: String, port: u16) {
    let mut io = Some(io);
    let mut failures: u32 = 0;
    loop {
        if let Some(mut current) = io.take() {
            let outcome = serve(&shared, &mut current, false).await;
            drop(current);
            if outcome.was_connected {
                failures = 0;
            } else {
                failures = failures.saturating_add(1);
            }
        }
        let backoff = {
            let mut inner = shared.lock();
            if inner.closing || !inner.state.options().reconnects() {
                return;
            }
            inner.state.set_status(Status::Waiting);
            inner.state.options().backoff()
        };
        shared.changed.notify_all();
        let delay = backoff.delay(failures);
        log::info!("reconnecting in {delay:?}");
        let closing = future::or(
            async {
                Timer::after(delay).await;
                false
            },
            wait_closing(&shared),
        )
        .await;
        if closing {
            return;
        }
        match establish(&shared, &host, port).await {
            Ok(new) => io = Some(new),
            Err(e) => {
                log::warn!("reconnecting failed: {e}");
                failures = failures.saturating_add(1);
                let mut inner = shared.lock();
                inner.state.set_status(Status::Waiting);
                inner.state.events_mut().push_back(ClientEvent::ConnectFailed(e));
                inner.forward_events();
                drop(inner);
                shared.changed.notify_all();
            }
        }
    }
}

/// Resolves once the application asked to disconnect.
async fn wait_closing(shared: &Shared) -> bool {
    future::poll_fn(|cx| {
        let inner = shared.lock();
        if inner.closing {
            return Poll::Ready(true);
        }
        shared.changed.register(cx.waker());
        Poll::Pending
    })
    .await
}

/// Starts a new connection for the client's session and opens the network
/// connection for it (TCP, TLS, WebSocket); CONNECT goes out when it is
/// served.
pub(crate) async fn establish(shared: &Shared, host: &str, port: u16) -> Result<Io, ConnectError> {
    let (transport, nodelay, timeout) = {
        let mut inner = shared.lock();
        inner.state.begin_connection(shared.now())?;
        let options = inner.state.options();
        (options.transport_options().clone(), options.nodelay(), options.mqtt().connect_timeout)
    };
    shared.changed.notify_all();
    let deadline = std::time::Instant::now() + timeout;
    net::open(host, port, &transport, nodelay, deadline).await
}

/// How serving one network connection ended.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// Whether the server accepted the connection (CONNACK) meanwhile.
    pub(crate) was_connected: bool,
    /// Whether the connection is over (else: `until_connected` and CONNACK came).
    pub(crate) closed: bool,
    /// The transport failure that ended it, if that is what did.
    pub(crate) failure: Option<TransportError>,
}

/// What woke the driver.
enum Wake {
    Timer,
    Readable,
    Writable,
    Notified,
}

/// Serves one network connection until it closes (or, with
/// `until_connected`, until CONNACK accepted it).
pub(crate) async fn serve(shared: &Shared, io: &mut Io, until_connected: bool) -> Outcome {
    // Re-arming a timer costs a wake-up of async-io's reactor (a system
    // call), and the keep-alive deadline moves with every packet sent: the
    // timer is moved only to an earlier deadline. When it fires early, the
    // connection ignores the spurious timeout and the timer is armed anew.
    let mut timer = Timer::never();
    let mut armed: Option<std::time::Instant> = None;
    let mut failure: Option<TransportError> = None;
    let mut was_connected = false;
    let mut scratch = BytesMut::new();
    let mut pacer = ReadPacer::default();
    let mut after_read = false;
    loop {
        // Drain the connection under the lock: bytes out, events on.
        let (deadline, closed, connected) = {
            let mut inner = shared.lock();
            let now = shared.now();
            if let Err(e) = pump(&mut inner, io, now, &mut scratch) {
                log::warn!("transport failed: {e}");
                lose(&mut inner, now);
                failure.get_or_insert(e);
            }
            if after_read {
                // Whether the read gave bytes to send back.
                pacer.answered(io.wants_write());
                after_read = false;
            }
            if let Err(e) = io.write_some() {
                log::warn!("write failed: {e}");
                lose(&mut inner, now);
                failure.get_or_insert(TransportError::Io(e));
            }
            let conn = inner.state.conn();
            let closed = conn.is_none_or(|c| c.state() == State::Closed);
            let connected = inner.state.status() == Status::Connected;
            (conn.and_then(mqtt_proto::Connection::poll_timeout), closed, connected)
        };
        shared.changed.notify_all();
        was_connected |= connected;
        if closed {
            net::flush(io, FLUSH_LIMIT).await;
            return Outcome { was_connected, closed: true, failure };
        }
        if until_connected && connected {
            return Outcome { was_connected, closed: false, failure };
        }

        // Wait for the socket, the next deadline or a command.
        if let Some(at) = deadline {
            let when = shared.deadline(at);
            if armed.is_none_or(|a| when < a) {
                timer.set_at(when);
                armed = Some(when);
            }
        }
        let wants_write = io.wants_write();
        let wake = {
            let sock = &io.sock;
            let timer = &mut timer;
            future::or(
                async {
                    timer.await;
                    Wake::Timer
                },
                future::or(
                    async {
                        let _ = sock.readable().await;
                        Wake::Readable
                    },
                    future::or(
                        async {
                            if wants_write {
                                let _ = sock.writable().await;
                                Wake::Writable
                            } else {
                                future::pending().await
                            }
                        },
                        async {
                            future::poll_fn(|cx| shared.driver.poll_notified(cx)).await;
                            Wake::Notified
                        },
                    ),
                ),
            )
            .await
        };

        match wake {
            Wake::Timer => {
                armed = None;
                pacer.read(0, READ_BUDGET);
                let mut inner = shared.lock();
                let now = shared.now();
                if let Some(conn) = inner.state.conn_mut() {
                    conn.handle_timeout(now);
                }
            }
            Wake::Readable => {
                // While bytes stream in, let what else is ready to run on
                // this CPU go first, so that the read takes a batch (see
                // ReadPacer). This is the thread's yield, not the executor's:
                // other tasks of this thread run once the driver waits.
                pacer.pace(std::time::Instant::now, std::thread::yield_now);
                let mut inner = shared.lock();
                let now = shared.now();
                let Inner { state, .. } = &mut *inner;
                let read = io.read_some(READ_BUDGET, |bytes| {
                    if let Some(conn) = state.conn_mut() {
                        conn.handle_bytes(bytes, now);
                    }
                });
                if let ReadOutcome::Bytes { read, .. } = read {
                    pacer.read(read, READ_BUDGET);
                    after_read = true;
                }
                match read {
                    ReadOutcome::Bytes { eof: false, .. } => {}
                    ReadOutcome::Bytes { eof: true, .. } => lose(&mut inner, now),
                    ReadOutcome::Failed(e) => {
                        log::warn!("transport failed: {e}");
                        lose(&mut inner, now);
                        failure.get_or_insert(e);
                    }
                }
            }
            Wake::Writable | Wake::Notified => {}
        }
    }
}

/// The network connection is gone (EOF, a failed read or write).
fn lose(inner: &mut Inner, now: Instant) {
    if let Some(conn) = inner.state.conn_mut() {
        conn.handle_eof(now);
    }
    let _ = inner.state.handle_events();
    inner.forward_events();
}

/// The drain rule: bytes out (into the socket's queue), then events, again
/// while handling events queued more bytes.
fn pump(inner: &mut Inner, io: &mut Io, now: Instant, scratch: &mut BytesMut) -> Result<(), TransportError> {
    loop {
        match io.plain_out() {
            Some(out) => inner.state.poll_transmit(now, out),
            None => {
                inner.state.poll_transmit(now, scratch);
                if !scratch.is_empty() {
                    let result = io.queue_mqtt(scratch);
                    scratch.clear();
                    result?;
                }
            }
        }
        let closed = inner.state.handle_events();
        inner.forward_events();
        if closed || !inner.state.has_pending_transmit() {
            return Ok(());
        }
    }
}

/// Why a connection that closed before CONNACK accepted it failed.
pub(crate) fn connect_error(inner: &Inner, failure: Option<TransportError>) -> ConnectError {
    match failure {
        Some(e) => ConnectError::Transport(e),
        None => ConnectError::from_close(inner.state.last_close().cloned().unwrap_or(CloseReason::ConnectionLost)),
    }
}
