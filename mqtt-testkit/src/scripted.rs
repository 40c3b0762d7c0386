//! A scripted MQTT server for fault and wire-level tests of a client.
//!
//! [`ScriptedBroker::start`] listens on `127.0.0.1:0`; a background thread
//! accepts connections and queues them. The test takes them with
//! [`ScriptedBroker::accept`] and plays the server by hand on each [`Conn`]:
//! expect a packet, send a packet, send arbitrary bytes, stay silent, drop the
//! connection. Nothing is answered automatically, so the test decides, for
//! example, to withhold a PINGRESP or to close the socket mid-packet.
//!
//! Every wait has a deadline and panics with what was (or was not) received,
//! from the caller's line (`#[track_caller]`). Waiting uses socket read timeouts,
//! never sleeps. The non-panicking [`Conn::try_packet`] returns a [`ConnError`]
//! instead.
//!
//! Packets are decoded in the protocol version the client's CONNECT declared
//! (MQTT 3.1, 3.1.1 or 5.0); until a CONNECT arrives, [`Conn::set_version`]
//! chooses (3.1.1 by default).
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use std::time::Duration;
//! use mqtt_proto::{Packet, ReasonCode};
//! use mqtt_testkit::ScriptedBroker;
//!
//! let broker = ScriptedBroker::start();
//! let mut client = TcpStream::connect(broker.addr()).unwrap();
//! // An MQTT 5 CONNECT for client id "c", keep alive 60.
//! client.write_all(b"\x10\x0e\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x01c").unwrap();
//! let mut conn = broker.accept(Duration::from_secs(5));
//! conn.accept_connect(false);
//! client.write_all(b"\xc0\x00").unwrap(); // PINGREQ
//! assert_eq!(conn.expect_packet(Duration::from_secs(5)), Packet::PingReq);
//! // Withhold the PINGRESP and check the client stays quiet meanwhile.
//! conn.expect_nothing(Duration::from_millis(50));
//! drop(client);
//! conn.expect_closed(Duration::from_secs(5));
//! ```

use std::fmt;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use mqtt_proto::{
    Codec, Connect, DecodeError, Disconnect, Packet, PacketId, PacketType, ProtocolVersion, Publish, ReasonCode,
    Subscribe, Unsubscribe,
};

use crate::packets;

/// How long the methods that take no timeout wait: 5 seconds, long enough for a
/// loaded CI machine, short enough that a hung test fails visibly.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// A scripted MQTT server listening on 127.0.0.1; see the [module docs](self).
///
/// Dropping it stops the accept thread and closes the listening socket;
/// connections already taken as [`Conn`]s stay open until they are dropped.
pub struct ScriptedBroker {
    addr: SocketAddr,
    incoming: Receiver<io::Result<TcpStream>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ScriptedBroker {
    /// Listens on an ephemeral port of 127.0.0.1 and starts the accept thread.
    ///
    /// # Panics
    ///
    /// If the socket cannot be bound or the thread cannot be started.
    #[must_use]
    #[track_caller]
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind 127.0.0.1:0: {e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("local address of the listener: {e}"));
        let (tx, incoming) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("scripted-broker-accept".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) || tx.send(stream).is_err() {
                        return;
                    }
                }
            })
            .unwrap_or_else(|e| panic!("start the accept thread: {e}"));
        Self { addr, incoming, stop, thread: Some(thread) }
    }

    /// The address clients connect to (127.0.0.1 and the ephemeral port).
    #[must_use]
    pub const fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port.
    #[must_use]
    pub const fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The next connection, in the order clients connected, waiting up to
    /// `timeout` for one.
    ///
    /// # Panics
    ///
    /// If no client connects within `timeout`, or accepting failed.
    #[must_use]
    #[track_caller]
    pub fn accept(&self, timeout: Duration) -> Conn {
        match self.try_accept(timeout) {
            Ok(Some(conn)) => conn,
            Ok(None) => panic!("no client connected to the scripted broker at {} within {timeout:?}", self.addr),
            Err(e) => panic!("accepting a connection on {}: {e}", self.addr),
        }
    }

    /// The next connection, or `None` if none arrives within `timeout`.
    ///
    /// # Errors
    ///
    /// When accepting or configuring the socket failed.
    pub fn try_accept(&self, timeout: Duration) -> io::Result<Option<Conn>> {
        match self.incoming.recv_timeout(timeout) {
            Ok(stream) => Conn::new(stream?).map(Some),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => Err(io::Error::other("the accept thread ended")),
        }
    }

    /// Asserts that no client connects for `duration` (e.g. during a reconnect
    /// back-off).
    ///
    /// # Panics
    ///
    /// If a client connects meanwhile.
    #[track_caller]
    pub fn expect_no_connection(&self, duration: Duration) {
        let start = Instant::now();
        if let Ok(stream) = self.incoming.recv_timeout(duration) {
            let peer = stream.and_then(|s| s.peer_addr()).map_or_else(|e| e.to_string(), |a| a.to_string());
            panic!("expected no connection for {duration:?}, but {peer} connected after {:?}", start.elapsed());
        }
    }
}

impl fmt::Debug for ScriptedBroker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptedBroker").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl Drop for ScriptedBroker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocked accept() with a connection of our own; it sees the flag.
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok();
        if let Some(thread) = self.thread.take()
            && woke
        {
            let _ = thread.join();
        }
    }
}

/// Why [`Conn::try_packet`] returned no packet.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnError {
    /// Nothing complete arrived before the deadline; `partial` holds the bytes of
    /// an incomplete packet, if any.
    TimedOut {
        /// How long it waited.
        waited: Duration,
        /// Bytes received but not yet a whole packet.
        partial: Vec<u8>,
    },
    /// The client closed (or reset) the connection; `partial` holds bytes of an
    /// incomplete packet, if any.
    Closed {
        /// Bytes received but not yet a whole packet.
        partial: Vec<u8>,
    },
    /// The client sent bytes that do not decode as a packet of the connection's
    /// version.
    Decode {
        /// What the decoder said.
        error: DecodeError,
        /// The start of the offending bytes (up to 64).
        bytes: Vec<u8>,
    },
    /// The socket failed.
    Io(io::Error),
}

impl fmt::Display for ConnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TimedOut { waited, partial } if partial.is_empty() => write!(f, "nothing arrived within {waited:?}"),
            Self::TimedOut { waited, partial } => {
                write!(f, "no complete packet within {waited:?}; incomplete bytes: {}", Hex(partial))
            }
            Self::Closed { partial } if partial.is_empty() => f.write_str("the client closed the connection"),
            Self::Closed { partial } => {
                write!(f, "the client closed the connection mid-packet; incomplete bytes: {}", Hex(partial))
            }
            Self::Decode { error, bytes } => write!(f, "malformed packet ({error}) in bytes {}", Hex(bytes)),
            Self::Io(e) => write!(f, "socket error: {e}"),
        }
    }
}

impl std::error::Error for ConnError {}

/// One accepted client connection, played by the test; see the [module docs](self).
pub struct Conn {
    stream: TcpStream,
    peer: SocketAddr,
    codec: Codec,
    rx: BytesMut,
    eof: bool,
    timeout: Duration,
}

/// How one read attempt ended.
enum Read1 {
    Data,
    Eof,
    TimedOut,
}

impl Conn {
    fn new(stream: TcpStream) -> io::Result<Self> {
        stream.set_nodelay(true)?;
        // A client that never reads must not hang a send forever.
        stream.set_write_timeout(Some(DEFAULT_TIMEOUT * 2))?;
        let peer = stream.peer_addr()?;
        Ok(Self {
            stream,
            peer,
            codec: Codec::new(ProtocolVersion::V3_1_1),
            rx: BytesMut::new(),
            eof: false,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// Sets the protocol version packets are decoded and encoded in. A CONNECT
    /// received later sets it again to the version it declares.
    pub fn set_version(&mut self, version: ProtocolVersion) {
        self.codec = Codec::new(version);
    }

    /// Sets how long the methods that take no timeout wait ([`DEFAULT_TIMEOUT`]
    /// unless changed).
    pub fn set_default_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// The next packet, waiting up to `timeout`. A CONNECT sets the connection's
    /// protocol version.
    ///
    /// # Errors
    ///
    /// A [`ConnError`] on timeout, close, malformed bytes or a socket error.
    pub fn try_packet(&mut self, timeout: Duration) -> Result<Packet, ConnError> {
        let start = Instant::now();
        let deadline = start + timeout;
        loop {
            let head = self.rx[..self.rx.len().min(64)].to_vec();
            match self.codec.decode(&mut self.rx) {
                Ok(Some(packet)) => {
                    if let Packet::Connect(connect) = &packet {
                        self.codec = Codec::new(connect.protocol);
                    }
                    return Ok(packet);
                }
                Ok(None) => {}
                Err(error) => return Err(ConnError::Decode { error, bytes: head }),
            }
            match self.read_once(deadline).map_err(ConnError::Io)? {
                Read1::Data => {}
                Read1::Eof => return Err(ConnError::Closed { partial: self.rx.to_vec() }),
                Read1::TimedOut => {
                    return Err(ConnError::TimedOut { waited: start.elapsed(), partial: self.rx.to_vec() });
                }
            }
        }
    }

    /// The next packet, waiting up to `timeout`.
    ///
    /// # Panics
    ///
    /// On timeout, close, malformed bytes or a socket error, saying which.
    #[must_use]
    #[track_caller]
    pub fn expect_packet(&mut self, timeout: Duration) -> Packet {
        self.try_packet(timeout).unwrap_or_else(|e| panic!("expected a packet from {}: {e}", self.peer))
    }

    /// The next packet, which must be of type `kind`, waiting the default timeout.
    ///
    /// # Panics
    ///
    /// If another packet arrives, or as [`Conn::expect_packet`].
    #[must_use]
    #[track_caller]
    pub fn expect(&mut self, kind: PacketType) -> Packet {
        let packet =
            self.try_packet(self.timeout).unwrap_or_else(|e| panic!("expected {kind} from {}: {e}", self.peer));
        assert_eq!(packet.packet_type(), kind, "expected {kind}, got {packet:?}");
        packet
    }

    /// The next packet, which must be the acknowledgement `kind` (PUBACK,
    /// PUBREC, PUBREL or PUBCOMP) of packet id `id` (default timeout).
    ///
    /// # Panics
    ///
    /// If anything else arrives, for another id, or as [`Conn::expect_packet`].
    #[track_caller]
    pub fn expect_ack(&mut self, kind: PacketType, id: PacketId) {
        match self.expect(kind) {
            Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => {
                assert_eq!(a.packet_id, id, "{kind} for the wrong packet id");
            }
            other => panic!("expected {kind}, got {other:?}"),
        }
    }

    /// The client's CONNECT (default timeout); sets the connection's version.
    ///
    /// # Panics
    ///
    /// If anything else arrives, or as [`Conn::expect_packet`].
    #[must_use]
    #[track_caller]
    pub fn expect_connect(&mut self) -> Connect {
        match self.expect(PacketType::Connect) {
            Packet::Connect(c) => *c,
            _ => unreachable!("checked by expect"),
        }
    }

    /// Expects the CONNECT and answers with a successful CONNACK.
    ///
    /// # Panics
    ///
    /// As [`Conn::expect_connect`] and [`Conn::send`].
    #[track_caller]
    pub fn accept_connect(&mut self, session_present: bool) -> Connect {
        let connect = self.expect_connect();
        self.send_connack(session_present, ReasonCode::Success);
        connect
    }

    /// The next packet, which must be a PUBLISH (default timeout).
    ///
    /// # Panics
    ///
    /// If anything else arrives, or as [`Conn::expect_packet`].
    #[must_use]
    #[track_caller]
    pub fn expect_publish(&mut self) -> Publish {
        match self.expect(PacketType::Publish) {
            Packet::Publish(p) => p,
            _ => unreachable!("checked by expect"),
        }
    }

    /// The next packet, which must be a SUBSCRIBE (default timeout).
    ///
    /// # Panics
    ///
    /// If anything else arrives, or as [`Conn::expect_packet`].
    #[must_use]
    #[track_caller]
    pub fn expect_subscribe(&mut self) -> Subscribe {
        match self.expect(PacketType::Subscribe) {
            Packet::Subscribe(s) => s,
            _ => unreachable!("checked by expect"),
        }
    }

    /// Expects a SUBSCRIBE and grants every filter the QoS it asked for.
    ///
    /// # Panics
    ///
    /// As [`Conn::expect_subscribe`] and [`Conn::send`].
    #[track_caller]
    pub fn ack_subscribe(&mut self) -> Subscribe {
        let subscribe = self.expect_subscribe();
        let codes = subscribe.subscriptions.iter().map(|s| packets::granted(s.options.qos));
        self.send(&packets::suback(subscribe.packet_id.get(), codes));
        subscribe
    }

    /// The next packet, which must be an UNSUBSCRIBE (default timeout).
    ///
    /// # Panics
    ///
    /// If anything else arrives, or as [`Conn::expect_packet`].
    #[must_use]
    #[track_caller]
    pub fn expect_unsubscribe(&mut self) -> Unsubscribe {
        match self.expect(PacketType::Unsubscribe) {
            Packet::Unsubscribe(u) => u,
            _ => unreachable!("checked by expect"),
        }
    }

    /// Expects an UNSUBSCRIBE and acknowledges it (with Success per filter in
    /// MQTT 5, with no codes before).
    ///
    /// # Panics
    ///
    /// As [`Conn::expect_unsubscribe`] and [`Conn::send`].
    #[track_caller]
    pub fn ack_unsubscribe(&mut self) -> Unsubscribe {
        let unsubscribe = self.expect_unsubscribe();
        let n = if self.version().is_v5() { unsubscribe.filters.len() } else { 0 };
        self.send(&packets::unsuback(unsubscribe.packet_id.get(), core::iter::repeat_n(ReasonCode::Success, n)));
        unsubscribe
    }

    /// The next packet, which must be a DISCONNECT (default timeout).
    ///
    /// # Panics
    ///
    /// If anything else arrives, or as [`Conn::expect_packet`].
    #[must_use]
    #[track_caller]
    pub fn expect_disconnect(&mut self) -> Disconnect {
        match self.expect(PacketType::Disconnect) {
            Packet::Disconnect(d) => d,
            _ => unreachable!("checked by expect"),
        }
    }

    /// Waits up to `timeout` for bytes and returns all that are buffered (at
    /// least one), undecoded.
    ///
    /// # Panics
    ///
    /// If nothing arrives in time, the client closes, or the socket fails.
    #[must_use]
    #[track_caller]
    pub fn expect_bytes(&mut self, timeout: Duration) -> Vec<u8> {
        if self.rx.is_empty() {
            match self.read_once(Instant::now() + timeout) {
                Ok(Read1::Data) => {}
                Ok(Read1::Eof) => panic!("expected bytes from {}, but it closed the connection", self.peer),
                Ok(Read1::TimedOut) => {
                    panic!("expected bytes from {}, but nothing arrived within {timeout:?}", self.peer)
                }
                Err(e) => panic!("expected bytes from {}: {e}", self.peer),
            }
        }
        self.rx.split().to_vec()
    }

    /// Waits up to `timeout` for exactly `expected.len()` bytes and checks they
    /// are `expected`. Later bytes stay buffered.
    ///
    /// # Panics
    ///
    /// If fewer bytes arrive in time, or they differ (both shown in hex).
    #[track_caller]
    pub fn expect_bytes_eq(&mut self, expected: &[u8], timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.rx.len() < expected.len() {
            match self.read_once(deadline) {
                Ok(Read1::Data) => {}
                Ok(Read1::Eof) => panic!(
                    "expected {} from {}, but it closed after sending {}",
                    Hex(expected),
                    self.peer,
                    Hex(&self.rx)
                ),
                Ok(Read1::TimedOut) => {
                    panic!("expected {} within {timeout:?}, but only {} arrived", Hex(expected), Hex(&self.rx))
                }
                Err(e) => panic!("expected {} from {}: {e}", Hex(expected), self.peer),
            }
        }
        let got = self.rx.split_to(expected.len());
        assert!(got[..] == *expected, "expected bytes {}\n          got bytes {}", Hex(expected), Hex(&got));
    }

    /// Sends `packet`, encoded in the connection's version.
    ///
    /// # Panics
    ///
    /// If the packet cannot be encoded in that version or the write fails.
    #[track_caller]
    pub fn send(&mut self, packet: &Packet) {
        let mut buf = BytesMut::new();
        if let Err(e) = self.codec.encode(packet, &mut buf) {
            panic!("cannot encode {packet:?} in {}: {e}", self.version());
        }
        self.send_raw(&buf);
    }

    /// Sends a CONNACK with `session_present` and `code`.
    ///
    /// # Panics
    ///
    /// As [`Conn::send`].
    #[track_caller]
    pub fn send_connack(&mut self, session_present: bool, code: ReasonCode) {
        self.send(&packets::connack(session_present, code));
    }

    /// Sends `bytes` as they are (a partial packet, garbage, a packet of another
    /// version...).
    ///
    /// # Panics
    ///
    /// If the write fails (e.g. the client reset the connection).
    #[track_caller]
    pub fn send_raw(&mut self, bytes: &[u8]) {
        if let Err(e) = self.try_send_raw(bytes) {
            panic!("sending {} bytes to {}: {e}", bytes.len(), self.peer);
        }
    }

    /// Sends `bytes`, returning the error instead of panicking (for tests where
    /// the client may already have gone).
    ///
    /// # Errors
    ///
    /// When the write fails.
    pub fn try_send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Asserts that the client sends nothing, and does not close, for `duration`
    /// (e.g. no second PINGREQ while a PINGRESP is withheld).
    ///
    /// # Panics
    ///
    /// If bytes are buffered already or arrive, or the client closes.
    #[track_caller]
    pub fn expect_nothing(&mut self, duration: Duration) {
        let start = Instant::now();
        assert!(self.rx.is_empty(), "expected silence, but unread bytes are buffered: {}", Hex(&self.rx));
        match self.read_once(start + duration) {
            Ok(Read1::TimedOut) => {}
            Ok(Read1::Data) => {
                let after = start.elapsed();
                let what = self.describe_buffered();
                panic!("expected silence for {duration:?}, but after {after:?} {} sent {what}", self.peer);
            }
            Ok(Read1::Eof) => {
                panic!("expected silence for {duration:?}, but {} closed after {:?}", self.peer, start.elapsed())
            }
            Err(e) => panic!("expected silence from {}: {e}", self.peer),
        }
    }

    /// Waits up to `timeout` for the client to close the connection (EOF or
    /// reset).
    ///
    /// # Panics
    ///
    /// If bytes are buffered or arrive first (shown decoded where possible), or
    /// the connection is still open at the deadline.
    #[track_caller]
    pub fn expect_closed(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if !self.rx.is_empty() {
                let what = self.describe_buffered();
                panic!("expected {} to close the connection, but it sent {what}", self.peer);
            }
            match self.read_once(deadline) {
                Ok(Read1::Eof) => return,
                Ok(Read1::Data) => {}
                Ok(Read1::TimedOut) => panic!("expected {} to close the connection within {timeout:?}", self.peer),
                Err(e) => panic!("waiting for {} to close: {e}", self.peer),
            }
        }
    }

    /// Whether the client has closed the connection, without waiting. Bytes
    /// that arrived meanwhile are kept for the next read.
    ///
    /// # Panics
    ///
    /// If the socket cannot be switched between blocking modes.
    #[must_use]
    pub fn is_closed(&mut self) -> bool {
        if self.eof {
            return true;
        }
        self.stream.set_nonblocking(true).expect("set the socket non-blocking");
        let mut buf = [0u8; 4096];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.rx.extend_from_slice(&buf[..n]);
                    continue;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if is_reset(&e) => self.eof = true,
                Err(_) => {} // WouldBlock: open and idle.
            }
            break;
        }
        self.stream.set_nonblocking(false).expect("set the socket blocking");
        self.eof
    }

    /// Closes the connection from the server side (FIN in both directions), as
    /// a broker that drops a client does.
    pub fn drop_connection(self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    /// Closes the server's sending direction only (half-close): the client reads
    /// EOF while the test can still read what it sends.
    ///
    /// # Panics
    ///
    /// If the shutdown fails.
    #[track_caller]
    pub fn shutdown_write(&mut self) {
        self.stream.shutdown(Shutdown::Write).unwrap_or_else(|e| panic!("shutdown(Write): {e}"));
    }

    /// The protocol version packets are decoded and encoded in.
    #[must_use]
    pub const fn version(&self) -> ProtocolVersion {
        self.codec.version()
    }

    /// The client's address.
    #[must_use]
    pub const fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// The underlying socket, for what the helpers do not cover (socket options,
    /// a TLS or WebSocket layer in a test's own code).
    #[must_use]
    pub const fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Reads once into the buffer, waiting until `deadline`.
    fn read_once(&mut self, deadline: Instant) -> io::Result<Read1> {
        if self.eof {
            return Ok(Read1::Eof);
        }
        let mut buf = [0u8; 8192];
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Ok(Read1::TimedOut);
            }
            // A zero read timeout is an error; round tiny waits up.
            self.stream.set_read_timeout(Some((deadline - now).max(Duration::from_millis(1))))?;
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(Read1::Eof);
                }
                Ok(n) => {
                    self.rx.extend_from_slice(&buf[..n]);
                    return Ok(Read1::Data);
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted) => {}
                Err(e) if is_reset(&e) => {
                    self.eof = true;
                    return Ok(Read1::Eof);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The buffered bytes, decoded into packets as far as possible, for panic
    /// messages.
    fn describe_buffered(&self) -> String {
        let mut rest = self.rx.clone();
        let mut packets = Vec::new();
        while let Ok(Some(p)) = self.codec.decode(&mut rest) {
            packets.push(format!("{p:?}"));
        }
        match (packets.is_empty(), rest.is_empty()) {
            (true, _) => format!("bytes {}", Hex(&rest)),
            (false, true) => packets.join(", "),
            (false, false) => format!("{} then bytes {}", packets.join(", "), Hex(&rest)),
        }
    }
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conn")
            .field("peer", &self.peer)
            .field("version", &self.version())
            .field("buffered", &self.rx.len())
            .field("eof", &self.eof)
            .finish()
    }
}

/// Whether a read error means the peer reset the connection.
fn is_reset(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe)
}

/// Bytes shown as hex, e.g. `[10 0d 00 04]`, shortened past 256 bytes.
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 256;
        f.write_str("[")?;
        for (i, b) in self.0.iter().take(MAX).enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{b:02x}")?;
        }
        if self.0.len() > MAX {
            write!(f, " ... ({} bytes)", self.0.len())?;
        }
        f.write_str("]")
    }
}

#[cfg(test)]
mod tests;
