//! The network side: establishing a connection, and the network thread that
//! reads, keeps the connection alive and reconnects.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use mqtt_proto::State;

use mqtt_client_core::{ClientEvent, ConnectError, ReadPacer, Stack, Status, TransportError};

use crate::core::{Inner, Io};

/// The network thread's read buffers, and when it yields before a read.
#[derive(Debug)]
pub(crate) struct Reader {
    buf: Vec<u8>,
    mqtt: BytesMut,
    pacer: ReadPacer,
}

impl Reader {
    pub(crate) fn new() -> Self {
        Self { buf: vec![0u8; 16 * 1024], mqtt: BytesMut::with_capacity(16 * 1024), pacer: ReadPacer::default() }
    }
}

/// What one read from the socket led to.
pub(crate) enum Step {
    /// Keep reading.
    Continue,
    /// The network connection is over.
    Closed,
    /// The network connection is over because the transport failed (such as a
    /// TLS alert after the handshake: TLS 1.3 servers refuse a client
    /// certificate only then).
    Failed(TransportError),
}

/// Makes a network connection for the client's current `Connection` (creating or
/// resuming it first): resolves the host, connects TCP, runs the TLS and
/// WebSocket handshakes, then lets CONNECT go out. Returns the socket to read
/// from; CONNACK arrives through [`read_step`].
pub(crate) fn establish(inner: &Arc<Inner>, generation: u64) -> Result<TcpStream, ConnectError> {
    let now = inner.now();
    let (host, port, transport, nodelay, timeout) = {
        let mut core = inner.lock();
        if core.generation != generation {
            return Err(superseded());
        }
        let Some((host, port)) = core.target.clone() else {
            return Err(ConnectError::Io(io::Error::new(io::ErrorKind::NotFound, "no host to connect to")));
        };
        // The connection exists before the socket does, so that publishes made
        // while connecting are queued in its session; an earlier one hands its
        // session on.
        core.state.begin_connection(now)?;
        let options = core.state.options();
        (host, port, options.transport_options().clone(), options.nodelay(), options.mqtt().connect_timeout)
    };
    let deadline = std::time::Instant::now() + timeout;
    let addrs: Vec<_> =
        (host.as_str(), port).to_socket_addrs().map_err(|e| ConnectError::Resolve(host.clone(), e))?.collect();
    if addrs.is_empty() {
        return Err(ConnectError::Resolve(host, io::Error::new(io::ErrorKind::NotFound, "no address")));
    }
    let mut last = None;
    let mut sock = None;
    for addr in addrs {
        let left = deadline.saturating_duration_since(std::time::Instant::now()).max(Duration::from_millis(1));
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => {
                sock = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let Some(mut sock) = sock else {
        let e = last.unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address"));
        return Err(if e.kind() == io::ErrorKind::TimedOut { ConnectError::Timeout } else { ConnectError::Io(e) });
    };
    sock.set_nodelay(nodelay).map_err(ConnectError::Io)?;
    let mut stack = Stack::new(&transport, &host, port).map_err(ConnectError::Transport)?;
    handshake(&mut sock, &mut stack, deadline)?;
    let writer = sock.try_clone().map_err(ConnectError::Io)?;
    // Writes happen under the client's lock: a peer that stops reading must not
    // block every thread forever. A timed-out write ends the connection.
    writer.set_write_timeout(Some(WRITE_TIMEOUT)).map_err(ConnectError::Io)?;
    let mut core = inner.lock();
    if core.generation != generation {
        return Err(superseded());
    }
    core.io = Some(Io { stack, writer });
    core.pump(inner.now());
    drop(core);
    inner.changed.notify_all();
    log::debug!("transport to {host}:{port} ready; CONNECT sent");
    Ok(sock)
}

/// How long a write may block before the connection is given up.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// A newer connect or a disconnect replaced this attempt.
fn superseded() -> ConnectError {
    ConnectError::Io(io::Error::new(io::ErrorKind::Interrupted, "superseded by a newer connect or a disconnect"))
}

/// Runs the TLS handshake and WebSocket upgrade on the socket, before MQTT.
fn handshake(sock: &mut TcpStream, stack: &mut Stack, deadline: std::time::Instant) -> Result<(), ConnectError> {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let ready = stack.handshake().map_err(ConnectError::Transport)?;
        let out = stack.take_outbox();
        if !out.is_empty() {
            sock.write_all(&out).map_err(ConnectError::Io)?;
        }
        if ready {
            return Ok(());
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(ConnectError::Timeout);
        }
        sock.set_read_timeout(Some(left)).map_err(ConnectError::Io)?;
        match sock.read(&mut buf) {
            Ok(0) => {
                let e =
                    io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection in the handshake");
                return Err(ConnectError::Transport(TransportError::Io(e)));
            }
            Ok(n) => stack.feed(&buf[..n]),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                return Err(ConnectError::Timeout);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ConnectError::Io(e)),
        }
    }
}

/// One read from the socket (or one timeout), fed through the transport into
/// the connection, then drained.
pub(crate) fn read_step(inner: &Arc<Inner>, generation: u64, sock: &mut TcpStream, reader: &mut Reader) -> Step {
    let Reader { buf, mqtt, pacer } = reader;
    let timeout = {
        let core = inner.lock();
        if core.generation != generation {
            return Step::Closed;
        }
        let Some(conn) = core.state.conn() else { return Step::Closed };
        if conn.state() == State::Closed || core.io.is_none() {
            return Step::Closed;
        }
        conn.poll_timeout().map(|t| t.saturating_duration_since(inner.now()))
    };
    // Waking up at least every few seconds costs nothing and bounds how long a
    // missed wake-up could last.
    let timeout = timeout.unwrap_or(Duration::from_secs(5)).clamp(Duration::from_millis(1), Duration::from_secs(5));
    if sock.set_read_timeout(Some(timeout)).is_err() {
        return close_io(inner, generation, "cannot set the read timeout");
    }
    // While bytes stream in, let what else is ready to run on this CPU go
    // first, so that the read takes a batch (see ReadPacer).
    pacer.pace(std::time::Instant::now, std::thread::yield_now);
    let read = sock.read(buf);
    pacer.read(*read.as_ref().unwrap_or(&0), buf.len());
    let now = inner.now();
    let mut core = inner.lock();
    if core.generation != generation {
        // A newer connection replaced this one: its socket is not ours to end.
        return Step::Closed;
    }
    let written = core.written;
    let step = match read {
        Ok(0) => {
            if let Some(conn) = core.state.conn_mut() {
                conn.handle_eof(now);
            }
            Step::Closed
        }
        Ok(n) => {
            let core = &mut *core;
            match (core.io.as_mut(), core.state.conn_mut()) {
                (Some(io), Some(conn)) => {
                    io.stack.feed(&buf[..n]);
                    mqtt.clear();
                    match io.stack.read_mqtt(mqtt) {
                        Ok(eof) => {
                            conn.handle_bytes(mqtt, now);
                            if eof {
                                conn.handle_eof(now);
                            }
                            Step::Continue
                        }
                        Err(e) => {
                            log::warn!("transport failed: {e}");
                            conn.handle_eof(now);
                            Step::Failed(e)
                        }
                    }
                }
                _ => Step::Closed,
            }
        }
        Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
            if let Some(conn) = core.state.conn_mut() {
                conn.handle_timeout(now);
            }
            Step::Continue
        }
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Step::Continue,
        Err(e) => {
            log::warn!("read failed: {e}");
            if let Some(conn) = core.state.conn_mut() {
                conn.handle_eof(now);
            }
            Step::Closed
        }
    };
    core.pump(now);
    pacer.answered(core.written != written);
    let closed = core.state.conn().is_none_or(|c| c.state() == State::Closed);
    drop(core);
    inner.changed.notify_all();
    // A transport failure says why the connection is over.
    match step {
        Step::Continue if closed => Step::Closed,
        step => step,
    }
}

fn close_io(inner: &Arc<Inner>, generation: u64, why: &str) -> Step {
    log::warn!("{why}");
    let now = inner.now();
    let mut core = inner.lock();
    if core.generation != generation {
        return Step::Closed;
    }
    if let Some(conn) = core.state.conn_mut() {
        conn.handle_eof(now);
    }
    core.pump(now);
    drop(core);
    inner.changed.notify_all();
    Step::Closed
}

/// Starts the network thread of `generation`, reading `sock` if a connection is
/// up, else connecting first.
pub(crate) fn spawn(inner: Arc<Inner>, sock: Option<TcpStream>, generation: u64) -> io::Result<()> {
    let name = format!("mqtt-net-{}", inner.lock().state.options().mqtt().client_id);
    std::thread::Builder::new().name(name).spawn(move || run(&inner, sock, generation))?;
    Ok(())
}

fn current(inner: &Inner, generation: u64) -> bool {
    inner.lock().generation == generation
}

/// The network thread: reads until the connection ends, then reconnects with
/// exponential backoff and jitter, until a newer connect, a disconnect, or (with
/// auto reconnect off) the first loss.
fn run(inner: &Arc<Inner>, mut sock: Option<TcpStream>, generation: u64) {
    let mut reader = Reader::new();
    let mut failures: u32 = 0;
    loop {
        if !current(inner, generation) {
            return;
        }
        let mut s = match sock.take() {
            Some(s) => s,
            None => match establish(inner, generation) {
                Ok(s) => s,
                Err(e) => {
                    log::warn!("connecting failed: {e}");
                    let mut core = inner.lock();
                    if core.generation != generation {
                        return;
                    }
                    core.state.events_mut().push_back(ClientEvent::ConnectFailed(e));
                    let retry = core.state.options().reconnects();
                    core.state.set_status(if retry { Status::Waiting } else { Status::Disconnected });
                    drop(core);
                    inner.changed.notify_all();
                    if !retry || !backoff(inner, generation, failures) {
                        return;
                    }
                    failures = failures.saturating_add(1);
                    continue;
                }
            },
        };
        let mut was_connected = false;
        while let Step::Continue = read_step(inner, generation, &mut s, &mut reader) {
            if !was_connected && inner.lock().state.status() == Status::Connected {
                was_connected = true;
                failures = 0;
            }
        }
        if !was_connected {
            failures = failures.saturating_add(1);
        }
        let mut core = inner.lock();
        if core.generation != generation || core.state.status() == Status::Disconnected {
            return;
        }
        if !core.state.options().reconnects() {
            core.state.set_status(Status::Disconnected);
            drop(core);
            inner.changed.notify_all();
            return;
        }
        drop(core);
        if !backoff(inner, generation, failures) {
            return;
        }
    }
}

/// Waits before reconnect attempt `failures` (0 for the first): the minimum delay
/// doubled per failure up to the maximum, minus up to 25 % jitter. Returns
/// false when the wait was cut short because the client moved on.
fn backoff(inner: &Inner, generation: u64, failures: u32) -> bool {
    let delay = {
        let core = inner.lock();
        core.state.options().backoff().delay(failures)
    };
    log::info!("reconnecting in {delay:?}");
    let until = std::time::Instant::now() + delay;
    let mut core = inner.lock();
    loop {
        if core.generation != generation || core.state.status() == Status::Disconnected {
            return false;
        }
        let left = until.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return true;
        }
        core = match inner.changed.wait_timeout(core, left) {
            Ok((guard, _)) => guard,
            Err(poisoned) => poisoned.into_inner().0,
        };
    }
}
