//! A TCP proxy whose connections a test can cut, to play a network failure.

use std::io::{self, ErrorKind};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

/// A TCP proxy on 127.0.0.1 in front of `upstream`. [`CutProxy::cut`] closes
/// every connection through it at once, so the broker sees the client's
/// connection end without a DISCONNECT, as in a network failure.
///
/// Threads: one accepting (ended on drop), two per connection copying bytes.
#[derive(Debug)]
pub struct CutProxy {
    port: u16,
    sockets: Arc<Mutex<Vec<TcpStream>>>,
    upstream_closed: Receiver<()>,
    stop: Arc<AtomicBool>,
}

impl CutProxy {
    /// Listens on an ephemeral 127.0.0.1 port and forwards each connection to
    /// `upstream`.
    #[must_use]
    pub fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let sockets = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (closed_tx, upstream_closed) = mpsc::channel();
        let (sockets2, stop2) = (sockets.clone(), stop.clone());
        thread::Builder::new()
            .name("cut-proxy-accept".into())
            .spawn(move || accept_loop(&listener, upstream, &sockets2, &stop2, &closed_tx))
            .expect("spawn the proxy");
        Self { port, sockets, upstream_closed, stop }
    }

    /// The port clients connect to.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Shuts down every connection through the proxy, both ways: the broker and
    /// the client each see their connection end, with no MQTT packet.
    pub fn cut(&self) {
        for s in self.sockets.lock().unwrap_or_else(PoisonError::into_inner).drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// Waits (up to 10 s, else panics) until the broker closed its side of a
    /// connection through the proxy (after which it has processed everything
    /// the client sent on it).
    #[track_caller]
    pub fn wait_upstream_closed(&self) {
        if self.upstream_closed.recv_timeout(Duration::from_secs(10)).is_err() {
            panic!("timed out after 10 s waiting for the broker to close the proxied connection");
        }
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // Wake the accept loop up so that it sees the flag.
        let _ = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port));
        self.cut();
    }
}

fn accept_loop(
    listener: &TcpListener,
    upstream: SocketAddr,
    sockets: &Arc<Mutex<Vec<TcpStream>>>,
    stop: &AtomicBool,
    closed: &Sender<()>,
) {
    for client in listener.incoming() {
        if stop.load(Ordering::Acquire) {
            return;
        }
        let Ok(client) = client else { continue };
        let Ok(server) = TcpStream::connect(upstream) else { continue };
        let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else { continue };
        {
            let mut held = sockets.lock().unwrap_or_else(PoisonError::into_inner);
            for s in [&client, &server] {
                if let Ok(s) = s.try_clone() {
                    held.push(s);
                }
            }
        }
        let _ = thread::Builder::new().name("cut-proxy-up".into()).spawn(move || pump(client, s2));
        let closed = closed.clone();
        let _ = thread::Builder::new().name("cut-proxy-down".into()).spawn(move || {
            pump(server, c2);
            let _ = closed.send(());
        });
    }
}

/// Copies `from` to `to` until EOF or an error, then passes the EOF on.
fn pump(mut from: TcpStream, mut to: TcpStream) {
    match io::copy(&mut from, &mut to) {
        Ok(_) => {}
        Err(e) if matches!(e.kind(), ErrorKind::NotConnected | ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) => {}
        Err(e) => eprintln!("proxy: {e}"),
    }
    let _ = to.shutdown(Shutdown::Write);
}
