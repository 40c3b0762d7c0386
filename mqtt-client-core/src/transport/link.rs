//! The byte link under MQTT: raw socket bytes in and out through memory, with
//! TLS (rustls) when configured. It does no I/O itself: the driver feeds it what
//! the socket read and writes out what it produced.

use std::io::{self, Read, Write};

use bytes::{Buf, BytesMut};

/// Raw bytes in, plaintext out (and back), without touching a socket.
///
/// `Read` gives plaintext received so far, or `WouldBlock` when there is none;
/// `Write` takes plaintext and never blocks. Both make tungstenite, which is
/// written for non-blocking streams, work over memory.
#[derive(Debug)]
pub(crate) struct Link {
    tls: Option<Box<rustls::ClientConnection>>,
    /// Raw bytes from the socket not consumed yet.
    inbox: BytesMut,
    /// Raw bytes for the socket.
    outbox: Vec<u8>,
}

impl Link {
    pub(crate) fn plain() -> Self {
        Self { tls: None, inbox: BytesMut::new(), outbox: Vec::new() }
    }

    pub(crate) fn tls(conn: rustls::ClientConnection) -> Self {
        let mut link = Self { tls: Some(Box::new(conn)), inbox: BytesMut::new(), outbox: Vec::new() };
        // The ClientHello is ready at once.
        link.flush_tls();
        link
    }

    /// Takes bytes read from the socket.
    pub(crate) fn feed(&mut self, raw: &[u8]) {
        self.inbox.extend_from_slice(raw);
    }

    /// Advances the TLS handshake with what was fed; the answer lands in the
    /// outbox.
    pub(crate) fn drive(&mut self) -> io::Result<()> {
        if let Some(tls) = &mut self.tls {
            while tls.is_handshaking() && !self.inbox.is_empty() {
                pull_tls(tls, &mut self.inbox)?;
            }
        }
        self.flush_tls();
        Ok(())
    }

    /// Whether the TLS handshake is still under way.
    pub(crate) fn handshaking(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| t.is_handshaking())
    }

    /// Whether bytes pass unchanged (no TLS).
    pub(crate) fn is_plain(&self) -> bool {
        self.tls.is_none()
    }

    /// Raw bytes to write to the socket, taken.
    pub(crate) fn take_outbox(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.outbox)
    }

    fn flush_tls(&mut self) {
        if let Some(tls) = &mut self.tls {
            while tls.wants_write() {
                // Writing into a Vec cannot fail.
                if tls.write_tls(&mut self.outbox).is_err() {
                    break;
                }
            }
        }
    }
}

/// Moves raw bytes from `inbox` into rustls and processes them.
fn pull_tls(tls: &mut rustls::ClientConnection, inbox: &mut BytesMut) -> io::Result<()> {
    let mut reader = &inbox[..];
    let n = tls.read_tls(&mut reader)?;
    inbox.advance(n);
    tls.process_new_packets().map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    Ok(())
}

impl Read for Link {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(tls) = &mut self.tls else {
            if self.inbox.is_empty() {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let n = buf.len().min(self.inbox.len());
            buf[..n].copy_from_slice(&self.inbox[..n]);
            self.inbox.advance(n);
            return Ok(n);
        };
        loop {
            match tls.reader().read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && !self.inbox.is_empty() => {
                    pull_tls(tls, &mut self.inbox)?;
                    // Alerts and key updates want answers.
                    while tls.wants_write() {
                        tls.write_tls(&mut self.outbox)?;
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl Write for Link {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.tls {
            Some(tls) => {
                // rustls takes at most its buffer limit (64 KiB) of plaintext
                // until its records are taken out: move them to the outbox as
                // we go, or a big packet fails with WriteZero.
                let mut rest = buf;
                while !rest.is_empty() {
                    let n = tls.writer().write(rest)?;
                    while tls.wants_write() {
                        tls.write_tls(&mut self.outbox)?;
                    }
                    if n == 0 {
                        return Err(io::ErrorKind::WriteZero.into());
                    }
                    rest = &rest[n..];
                }
            }
            None => self.outbox.extend_from_slice(buf),
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
