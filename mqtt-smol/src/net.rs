//! The network side: resolving, connecting TCP, and running the TLS and
//! WebSocket handshakes of mqtt-client-core's sans-IO [`Stack`] over an
//! `async_io::Async<TcpStream>`; then moving bytes without blocking.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use async_io::{Async, Timer};
use bytes::{Buf, BytesMut};
use futures_lite::future;
use mqtt_client_core::{ConnectError, Stack, Transport, TransportError};

/// Bytes read from the socket per system call. The buffer lives on the stack
/// of a synchronous function, never in a future: an idle client holds none.
const READ_CHUNK: usize = 16 * 1024;

/// One network connection: the socket, the transport layers, and the raw
/// bytes not written yet.
#[derive(Debug)]
pub(crate) struct Io {
    pub(crate) sock: Async<TcpStream>,
    pub(crate) stack: Stack,
    /// Raw bytes for the socket, written as it accepts them.
    pub(crate) out: BytesMut,
    /// MQTT bytes out of TLS / WebSocket (unused for plain TCP).
    mqtt_in: BytesMut,
}

/// What reading the socket led to.
#[derive(Debug)]
pub(crate) enum ReadOutcome {
    /// MQTT bytes (maybe none) and whether the peer closed cleanly after them;
    /// `read`: how many bytes came from the socket.
    Bytes { eof: bool, read: usize },
    /// The socket or the transport failed.
    Failed(TransportError),
}

impl Io {
    /// Whether raw bytes wait for the socket.
    pub(crate) fn wants_write(&self) -> bool {
        !self.out.is_empty()
    }

    /// Queues MQTT bytes for the socket, through TLS / WebSocket if any.
    pub(crate) fn queue_mqtt(&mut self, mqtt: &[u8]) -> Result<(), TransportError> {
        self.stack.write_mqtt(mqtt)?;
        let raw = self.stack.take_outbox();
        self.out.extend_from_slice(&raw);
        Ok(())
    }

    /// The buffer plain-TCP MQTT bytes go straight into (no copy), or `None`
    /// when a transport layer sits between.
    pub(crate) fn plain_out(&mut self) -> Option<&mut BytesMut> {
        if self.stack.is_plain() { Some(&mut self.out) } else { None }
    }

    /// Writes what the socket takes without blocking.
    pub(crate) fn write_some(&mut self) -> io::Result<()> {
        while !self.out.is_empty() {
            match self.sock.get_ref().write(&self.out) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.out.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.out.is_empty() && self.out.capacity() > 64 * 1024 {
            // A burst is over: give its memory back.
            self.out = BytesMut::new();
        }
        Ok(())
    }

    /// Reads what the socket has without blocking (up to `max` bytes), and
    /// hands the MQTT bytes in it to `sink`.
    pub(crate) fn read_some(&mut self, max: usize, mut sink: impl FnMut(&[u8])) -> ReadOutcome {
        let mut buf = [0u8; READ_CHUNK];
        let mut total = 0;
        while total < max {
            match self.sock.get_ref().read(&mut buf) {
                Ok(0) => return ReadOutcome::Bytes { eof: true, read: total },
                Ok(n) => {
                    total += n;
                    // A read that did not fill the buffer took all there was
                    // (as tokio assumes too): one `recv` saved per wake-up
                    // instead of reading on until it fails with WouldBlock.
                    let drained = n < buf.len();
                    if self.stack.is_plain() {
                        sink(&buf[..n]);
                        if drained {
                            break;
                        }
                        continue;
                    }
                    self.stack.feed(&buf[..n]);
                    let result = self.stack.read_mqtt(&mut self.mqtt_in);
                    // TLS alerts, key updates and WebSocket pongs.
                    let raw = self.stack.take_outbox();
                    self.out.extend_from_slice(&raw);
                    if !self.mqtt_in.is_empty() {
                        sink(&self.mqtt_in);
                        self.mqtt_in.clear();
                    }
                    match result {
                        Ok(true) => return ReadOutcome::Bytes { eof: true, read: total },
                        Ok(false) if drained => break,
                        Ok(false) => {}
                        Err(e) => return ReadOutcome::Failed(e),
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return ReadOutcome::Failed(TransportError::Io(e)),
            }
        }
        ReadOutcome::Bytes { eof: false, read: total }
    }
}

/// Resolves `host`. An IP address needs nothing; a name is resolved by the
/// system resolver on a short-lived thread (`mqtt-resolve`), since async-io
/// has no resolver and a blocking lookup would stall the executor.
pub(crate) async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, ConnectError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = async_channel::bounded(1);
    let name = host.to_owned();
    std::thread::Builder::new()
        .name("mqtt-resolve".into())
        .spawn(move || {
            let result = (name.as_str(), port).to_socket_addrs().map(Iterator::collect::<Vec<_>>);
            let _ = tx.send_blocking(result);
        })
        .map_err(ConnectError::Io)?;
    let addrs = match rx.recv().await {
        Ok(Ok(addrs)) => addrs,
        Ok(Err(e)) => return Err(ConnectError::Resolve(host.to_owned(), e)),
        Err(_) => return Err(ConnectError::Resolve(host.to_owned(), io::Error::other("the resolver thread failed"))),
    };
    if addrs.is_empty() {
        return Err(ConnectError::Resolve(host.to_owned(), io::Error::new(io::ErrorKind::NotFound, "no address")));
    }
    Ok(addrs)
}

/// Resolves, connects TCP and runs the TLS and WebSocket handshakes, all
/// before `deadline`.
pub(crate) async fn open(
    host: &str,
    port: u16,
    transport: &Transport,
    nodelay: bool,
    deadline: Instant,
) -> Result<Io, ConnectError> {
    let work = async {
        let addrs = resolve(host, port).await?;
        let mut last = None;
        let mut sock = None;
        for addr in addrs {
            match Async::<TcpStream>::connect(addr).await {
                Ok(s) => {
                    sock = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let Some(sock) = sock else {
            let e = last.unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address"));
            return Err(ConnectError::Io(e));
        };
        sock.get_ref().set_nodelay(nodelay).map_err(ConnectError::Io)?;
        let stack = Stack::new(transport, host, port).map_err(ConnectError::Transport)?;
        let mut io = Io { sock, stack, out: BytesMut::new(), mqtt_in: BytesMut::new() };
        handshake(&mut io).await?;
        Ok(io)
    };
    let timeout = async {
        Timer::at(deadline).await;
        Err(ConnectError::Timeout)
    };
    future::or(work, timeout).await
}

/// Runs the TLS handshake and the WebSocket upgrade, before MQTT.
async fn handshake(io: &mut Io) -> Result<(), ConnectError> {
    loop {
        let ready = io.stack.handshake().map_err(ConnectError::Transport)?;
        let raw = io.stack.take_outbox();
        io.out.extend_from_slice(&raw);
        while io.wants_write() {
            io.write_some().map_err(ConnectError::Io)?;
            if io.wants_write() {
                io.sock.writable().await.map_err(ConnectError::Io)?;
            }
        }
        if ready {
            return Ok(());
        }
        io.sock.readable().await.map_err(ConnectError::Io)?;
        let mut buf = [0u8; 4096];
        match io.sock.get_ref().read(&mut buf) {
            Ok(0) => {
                let e =
                    io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection in the handshake");
                return Err(ConnectError::Transport(TransportError::Io(e)));
            }
            Ok(n) => io.stack.feed(&buf[..n]),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted) => {}
            Err(e) => return Err(ConnectError::Io(e)),
        }
    }
}

/// Writes out what is queued, waiting for the socket, at most for `limit`
/// (for the last bytes of a connection, such as a DISCONNECT).
pub(crate) async fn flush(io: &mut Io, limit: Duration) {
    let work = async {
        while io.wants_write() {
            if io.write_some().is_err() {
                return;
            }
            if io.wants_write() && io.sock.writable().await.is_err() {
                return;
            }
        }
    };
    future::or(work, async {
        Timer::after(limit).await;
    })
    .await;
}
