//! Transports: TCP, TLS, WebSocket and secure WebSocket, as one sans-IO stack
//! (TLS by rustls, WebSocket by tungstenite, both over memory) that an adapter
//! drives with plain socket reads and writes, blocking or async alike.

mod link;
mod tls;

use std::fmt;
use std::io;

use bytes::{Bytes, BytesMut};
use tungstenite::handshake::client::{ClientHandshake, Request};
use tungstenite::handshake::{HandshakeError, MidHandshake};
use tungstenite::{Message, WebSocket};

use link::Link;
pub use tls::{TlsError, TlsOptions};

/// How the client reaches the broker.
///
/// paho's `transport="tcp" | "websockets"` plus `tls_set()`; the default is TCP.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum Transport {
    /// Plain TCP (port 1883 by convention).
    #[default]
    Tcp,
    /// TLS over TCP (port 8883 by convention).
    Tls(TlsOptions),
    /// WebSocket (MQTT over WebSocket, subprotocol `mqtt`).
    WebSocket(WebSocketOptions),
    /// WebSocket over TLS.
    SecureWebSocket(WebSocketOptions, TlsOptions),
}

impl Transport {
    /// TLS with the system's root certificates.
    #[must_use]
    pub fn tls() -> Self {
        Self::Tls(TlsOptions::default())
    }

    /// WebSocket on `path` (such as `/mqtt`).
    #[must_use]
    pub fn websocket(path: &str) -> Self {
        Self::WebSocket(WebSocketOptions::new(path))
    }

    /// The TLS options, for TLS and secure WebSocket.
    #[must_use]
    pub fn tls_options(&self) -> Option<&TlsOptions> {
        match self {
            Self::Tls(t) | Self::SecureWebSocket(_, t) => Some(t),
            _ => None,
        }
    }

    /// The WebSocket options, for WebSocket and secure WebSocket.
    #[must_use]
    pub fn ws_options(&self) -> Option<&WebSocketOptions> {
        match self {
            Self::WebSocket(w) | Self::SecureWebSocket(w, _) => Some(w),
            _ => None,
        }
    }
}

/// WebSocket options (paho's `ws_set_options(path, headers)`).
#[derive(Clone, Debug)]
pub struct WebSocketOptions {
    /// The request path, such as `/mqtt`.
    pub path: String,
    /// Extra HTTP headers of the upgrade request.
    pub headers: Vec<(String, String)>,
}

impl WebSocketOptions {
    /// Options for `path` without extra headers.
    #[must_use]
    pub fn new(path: &str) -> Self {
        let path = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
        Self { path, headers: Vec::new() }
    }

    /// Adds an HTTP header to the upgrade request.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// Why the transport failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum TransportError {
    /// The socket failed.
    Io(io::Error),
    /// TLS failed: the configuration, or the handshake (certificate not trusted,
    /// wrong name, ...).
    Tls(TlsError),
    /// The WebSocket upgrade or framing failed.
    WebSocket(tungstenite::Error),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "I/O error: {e}"),
            Self::Tls(e) => write!(f, "TLS error: {e}"),
            Self::WebSocket(e) => write!(f, "WebSocket error: {e}"),
        }
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Tls(e) => Some(e),
            Self::WebSocket(e) => Some(e),
        }
    }
}

impl From<io::Error> for TransportError {
    fn from(e: io::Error) -> Self {
        // rustls reports handshake failures as InvalidData wrapping its error.
        if e.kind() == io::ErrorKind::InvalidData {
            if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return Self::Tls(TlsError::Handshake(inner.clone()));
            }
        }
        Self::Io(e)
    }
}

/// The protocol layers between a socket and MQTT: nothing (TCP), TLS,
/// WebSocket, or both, as a sans-IO state machine.
///
/// The driver owns the socket. It feeds what the socket read with
/// [`feed`](Self::feed), writes out what [`take_outbox`](Self::take_outbox)
/// gives, runs [`handshake`](Self::handshake) until it says ready, then moves
/// MQTT bytes with [`read_mqtt`](Self::read_mqtt) and
/// [`write_mqtt`](Self::write_mqtt). Nothing here blocks or touches a socket,
/// so the blocking and the async adapter share it.
///
/// # Examples
///
/// ```
/// use mqtt_client_core::{Stack, Transport};
///
/// // Plain TCP: MQTT bytes are the socket's bytes.
/// let mut stack = Stack::new(&Transport::Tcp, "127.0.0.1", 1883).unwrap();
/// assert!(stack.handshake().unwrap());
/// assert!(stack.is_plain());
///
/// // WebSocket: the upgrade request is ready to be written at once.
/// let mut ws = Stack::new(&Transport::websocket("/mqtt"), "127.0.0.1", 8080).unwrap();
/// assert!(!ws.handshake().unwrap());
/// let request = ws.take_outbox();
/// assert!(request.starts_with(b"GET /mqtt HTTP/1.1"));
/// ```
pub struct Stack {
    layers: Layers,
}

enum Layers {
    /// MQTT bytes straight over the link (TCP or TLS).
    Raw(Link),
    /// The WebSocket upgrade is under way.
    Upgrading(Option<MidHandshake<ClientHandshake<Link>>>),
    /// MQTT in WebSocket binary frames over the link.
    Ws(Box<WebSocket<Link>>),
}

impl fmt::Debug for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match &self.layers {
            Layers::Raw(_) => "Stack::Raw",
            Layers::Upgrading(_) => "Stack::Upgrading",
            Layers::Ws(_) => "Stack::Ws",
        })
    }
}

impl Stack {
    /// The stack for `transport` to `host:port` (the name TLS verifies and the
    /// WebSocket `Host`).
    ///
    /// # Errors
    ///
    /// [`TransportError::Tls`] when the TLS configuration cannot be built (CA
    /// file unreadable, no root certificates, invalid server name);
    /// [`TransportError::WebSocket`] for an invalid upgrade request.
    pub fn new(transport: &Transport, host: &str, port: u16) -> Result<Self, TransportError> {
        let link = match transport.tls_options() {
            Some(tls) => {
                let config = tls.client_config().map_err(TransportError::Tls)?;
                let name = tls.name_for(host).map_err(TransportError::Tls)?;
                let conn = rustls::ClientConnection::new(config, name)
                    .map_err(|e| TransportError::Tls(TlsError::Handshake(e)))?;
                Link::tls(conn)
            }
            None => Link::plain(),
        };
        let Some(ws) = transport.ws_options() else { return Ok(Self { layers: Layers::Raw(link) }) };
        let scheme = if transport.tls_options().is_some() { "wss" } else { "ws" };
        let request = ws_request(scheme, host, port, ws)?;
        let layers = match tungstenite::client::client_with_config(request, link, None) {
            Ok((ws, _)) => Layers::Ws(Box::new(ws)),
            Err(HandshakeError::Interrupted(mid)) => Layers::Upgrading(Some(mid)),
            Err(HandshakeError::Failure(e)) => return Err(TransportError::WebSocket(e)),
        };
        Ok(Self { layers })
    }

    fn link_mut(&mut self) -> Option<&mut Link> {
        match &mut self.layers {
            Layers::Raw(l) => Some(l),
            Layers::Upgrading(m) => m.as_mut().map(|m| m.get_mut().get_mut()),
            Layers::Ws(ws) => Some(ws.get_mut()),
        }
    }

    /// Takes bytes read from the socket.
    pub fn feed(&mut self, raw: &[u8]) {
        if let Some(link) = self.link_mut() {
            link.feed(raw);
        }
    }

    /// Raw bytes to write to the socket, taken (TLS records, the WebSocket
    /// upgrade request and frames).
    #[must_use]
    pub fn take_outbox(&mut self) -> Vec<u8> {
        self.link_mut().map(Link::take_outbox).unwrap_or_default()
    }

    /// Whether MQTT bytes are the socket's bytes (plain TCP: no TLS, no
    /// WebSocket), so they can be written straight to the socket.
    #[must_use]
    pub fn is_plain(&self) -> bool {
        matches!(&self.layers, Layers::Raw(link) if link.is_plain())
    }

    /// Advances the TLS handshake and the WebSocket upgrade; true when MQTT bytes
    /// can flow. Write out [`take_outbox`](Self::take_outbox) after each call.
    ///
    /// # Errors
    ///
    /// The TLS handshake or the WebSocket upgrade failed.
    pub fn handshake(&mut self) -> Result<bool, TransportError> {
        if let Some(link) = self.link_mut() {
            link.drive()?;
            if link.handshaking() {
                return Ok(false);
            }
        }
        if let Layers::Upgrading(mid) = &mut self.layers {
            let Some(m) = mid.take() else { return Ok(false) };
            match m.handshake() {
                Ok((ws, response)) => {
                    log::debug!("WebSocket upgrade accepted: {}", response.status());
                    self.layers = Layers::Ws(Box::new(ws));
                }
                Err(HandshakeError::Interrupted(m)) => {
                    *mid = Some(m);
                    return Ok(false);
                }
                Err(HandshakeError::Failure(e)) => return Err(TransportError::WebSocket(e)),
            }
        }
        Ok(true)
    }

    /// Moves MQTT bytes that arrived into `out`. Returns true when the peer closed
    /// the stream cleanly (TLS close_notify, WebSocket Close).
    ///
    /// # Errors
    ///
    /// TLS or WebSocket framing failed; the connection is unusable.
    pub fn read_mqtt(&mut self, out: &mut BytesMut) -> Result<bool, TransportError> {
        match &mut self.layers {
            Layers::Raw(link) => {
                let mut buf = [0u8; 8192];
                loop {
                    match io::Read::read(link, &mut buf) {
                        Ok(0) => return Ok(true),
                        Ok(n) => out.extend_from_slice(&buf[..n]),
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            Layers::Upgrading(_) => Ok(false),
            Layers::Ws(ws) => loop {
                match ws.read() {
                    Ok(Message::Binary(b)) => out.extend_from_slice(&b),
                    Ok(Message::Close(_)) => return Ok(true),
                    // Pings are answered by tungstenite; text frames are not MQTT.
                    Ok(_) => {}
                    Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {
                        // Flush an automatic Pong, if one is queued.
                        match ws.flush() {
                            Ok(()) => {}
                            Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {}
                            Err(e) => return Err(TransportError::WebSocket(e)),
                        }
                        return Ok(false);
                    }
                    Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                        return Ok(true);
                    }
                    Err(tungstenite::Error::Io(e)) => return Err(e.into()),
                    Err(e) => return Err(TransportError::WebSocket(e)),
                }
            },
        }
    }

    /// Sends MQTT bytes (as one binary frame over WebSocket); the raw bytes
    /// land in [`take_outbox`](Self::take_outbox).
    ///
    /// # Errors
    ///
    /// Before the WebSocket upgrade finished, or when TLS or WebSocket framing
    /// failed.
    pub fn write_mqtt(&mut self, data: &[u8]) -> Result<(), TransportError> {
        match &mut self.layers {
            Layers::Raw(link) => io::Write::write_all(link, data).map_err(Into::into),
            Layers::Upgrading(_) => Err(TransportError::Io(io::Error::new(
                io::ErrorKind::NotConnected,
                "the WebSocket upgrade has not finished",
            ))),
            Layers::Ws(ws) => ws.send(Message::Binary(Bytes::copy_from_slice(data))).map_err(|e| match e {
                tungstenite::Error::Io(e) => e.into(),
                e => TransportError::WebSocket(e),
            }),
        }
    }
}

fn ws_request(scheme: &str, host: &str, port: u16, ws: &WebSocketOptions) -> Result<Request, TransportError> {
    use tungstenite::client::IntoClientRequest;
    use tungstenite::http::header::{HeaderName, HeaderValue};

    let host = if host.contains(':') { format!("[{host}]") } else { host.to_owned() };
    let url = format!("{scheme}://{host}:{port}{}", ws.path);
    let mut request = url.into_client_request().map_err(TransportError::WebSocket)?;
    let headers = request.headers_mut();
    // MQTT over WebSocket uses the "mqtt" subprotocol (MQTT 5 section 6).
    headers.insert("Sec-WebSocket-Protocol", HeaderValue::from_static("mqtt"));
    for (name, value) in &ws.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| TransportError::WebSocket(tungstenite::Error::HttpFormat(e.into())))?;
        let value = HeaderValue::from_str(value)
            .map_err(|e| TransportError::WebSocket(tungstenite::Error::HttpFormat(e.into())))?;
        headers.insert(name, value);
    }
    Ok(request)
}
