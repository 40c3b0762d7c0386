//! [`MosquittoBuilder`]: what a [`Mosquitto`] listens on and how it is configured.

use std::io::{self, ErrorKind};
use std::time::Duration;

use super::config::{Ports, Settings};
use super::{MOSQUITTO_ENV, Mosquitto, START_ATTEMPTS, pick_ports, write_password_file};
use crate::certs::TestPki;

/// Options for a [`Mosquitto`]; made by [`Mosquitto::builder`].
///
/// The plain TCP listener is always there; everything else is off until asked
/// for. Anonymous clients are allowed by default.
#[derive(Debug)]
#[must_use]
pub struct MosquittoBuilder {
    pub(super) tls: bool,
    pub(super) websockets: bool,
    pub(super) secure_websockets: bool,
    pub(super) settings: Settings,
    pub(super) users: Vec<(String, String)>,
    pub(super) pki: Option<TestPki>,
    pub(super) startup_timeout: Duration,
}

impl MosquittoBuilder {
    /// Adds a TLS listener ([`Mosquitto::tls_port`]) with a server certificate for
    /// `127.0.0.1` and `localhost` signed by a generated CA
    /// ([`Mosquitto::ca_cert_pem_path`]).
    pub const fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Makes the TLS and secure WebSocket listeners require a client certificate
    /// signed by the CA (`require_certificate true`): mutual TLS, with
    /// [`Mosquitto::client_cert_path`] and [`Mosquitto::client_key_path`]. Adds
    /// the TLS listener if neither is on.
    pub const fn require_certificate(mut self) -> Self {
        self.settings.require_certificate = true;
        self
    }

    /// Adds a WebSocket listener ([`Mosquitto::ws_port`], `protocol websockets`).
    pub const fn websockets(mut self) -> Self {
        self.websockets = true;
        self
    }

    /// Adds a secure WebSocket listener ([`Mosquitto::wss_port`]) with the same
    /// certificates as [`MosquittoBuilder::tls`].
    pub const fn secure_websockets(mut self) -> Self {
        self.secure_websockets = true;
        self
    }

    /// Turns persistence on (`persistence true`), in a file in the temporary
    /// directory that [`Mosquitto::restart`] reuses; see the
    /// [`mosquitto` module docs](crate::mosquitto#persistence-and-signals) for
    /// what survives which signal.
    pub const fn persistence(mut self) -> Self {
        self.settings.persistence = true;
        self
    }

    /// Sets `max_inflight_messages`: how many QoS 1 and 2 messages mosquitto has
    /// in flight to each client (20 by default; 0 is unlimited).
    pub const fn max_inflight_messages(mut self, n: u16) -> Self {
        self.settings.max_inflight_messages = Some(n);
        self
    }

    /// Sets `max_queued_messages`: how many messages mosquitto queues per client
    /// beyond those in flight (1000 by default; 0 is unlimited).
    pub const fn max_queued_messages(mut self, n: u32) -> Self {
        self.settings.max_queued_messages = Some(n);
        self
    }

    /// Sets `allow_anonymous` (true by default here; mosquitto 2's own default
    /// is false).
    pub const fn allow_anonymous(mut self, allow: bool) -> Self {
        self.settings.allow_anonymous = allow;
        self
    }

    /// Adds a user to a password file (`password_file`), hashed with
    /// `mosquitto_passwd`. Starting fails with [`ErrorKind::NotFound`] when
    /// `mosquitto_passwd` is not installed: check [`Mosquitto::passwd_available`]
    /// first. Combine with `allow_anonymous(false)` to refuse clients without a
    /// user name.
    pub fn user(mut self, name: &str, password: &str) -> Self {
        self.users.push((name.to_owned(), password.to_owned()));
        self
    }

    /// Uses `pki` instead of generating certificates, e.g. to share one CA
    /// between two brokers.
    pub fn pki(mut self, pki: TestPki) -> Self {
        self.pki = Some(pki);
        self
    }

    /// Whether to log every packet (`log_type all`, the default) or only errors,
    /// warnings, notices and information (for throughput measurements).
    pub const fn verbose_log(mut self, verbose: bool) -> Self {
        self.settings.verbose_log = verbose;
        self
    }

    /// Adds a line of configuration before the listeners (a global option such as
    /// `max_keepalive 30` or `max_packet_size 1024`).
    pub fn config_line(mut self, line: &str) -> Self {
        self.settings.extra.push(line.to_owned());
        self
    }

    /// How long to wait for the listeners on every start (10 s by default).
    pub const fn startup_timeout(mut self, timeout: Duration) -> Self {
        self.startup_timeout = timeout;
        self
    }

    /// Writes the configuration and starts mosquitto, returning once every
    /// listener accepts TCP connections.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] when mosquitto (or `mosquitto_passwd`, for
    /// [`MosquittoBuilder::user`]) is not installed; otherwise an error whose
    /// message includes mosquitto's log.
    pub fn start(self) -> io::Result<Mosquitto> {
        let tls = self.wants_tls();
        let binary = Mosquitto::binary().ok_or_else(|| {
            io::Error::new(ErrorKind::NotFound, format!("mosquitto not found (set {MOSQUITTO_ENV} or install it)"))
        })?;
        let dir = tempfile::Builder::new().prefix("mqtt-testkit-mosquitto-").tempdir()?;
        let pki_files = if tls || self.secure_websockets {
            let pki = self.pki.unwrap_or_else(TestPki::generate);
            Some((pki.write_to(dir.path())?, pki))
        } else {
            None
        };
        let password_file =
            if self.users.is_empty() { None } else { Some(write_password_file(dir.path(), &self.users)?) };
        let mut broker = Mosquitto {
            binary,
            config_path: dir.path().join("mosquitto.conf"),
            log_path: dir.path().join("mosquitto.log"),
            ports: Ports { mqtt: 0, tls: None, ws: None, wss: None },
            pki: pki_files,
            child: None,
            starts: 0,
            settings: self.settings,
            password_file,
            startup_timeout: self.startup_timeout,
            dir,
        };
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            broker.ports = pick_ports(tls, self.websockets, self.secure_websockets)?;
            broker.write_config()?;
            match broker.spawn() {
                Ok(()) => return Ok(broker),
                // Another process took one of the ports between our probe and
                // mosquitto's bind: pick new ones.
                Err(e) if e.to_string().contains("Address already in use") => last_error = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("mosquitto did not start")))
    }

    /// Whether there is a TLS listener: asked for, or implied by
    /// `require_certificate` without a secure WebSocket listener.
    const fn wants_tls(&self) -> bool {
        self.tls || (self.settings.require_certificate && !self.secure_websockets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_defaults_and_options() {
        let b = Mosquitto::builder();
        assert!(!b.tls && !b.websockets && !b.secure_websockets);
        assert!(b.settings.allow_anonymous && b.settings.verbose_log && !b.settings.persistence);
        let b = Mosquitto::builder().require_certificate();
        assert!(b.wants_tls() && b.settings.require_certificate);
        let b = Mosquitto::builder().require_certificate().secure_websockets();
        assert!(!b.wants_tls() && b.secure_websockets);
        assert!(Mosquitto::builder().tls().secure_websockets().require_certificate().wants_tls());
        let b = Mosquitto::builder()
            .persistence()
            .max_inflight_messages(2)
            .max_queued_messages(3)
            .allow_anonymous(false)
            .user("u", "p")
            .verbose_log(false)
            .config_line("max_keepalive 10");
        assert_eq!(b.settings.max_inflight_messages, Some(2));
        assert_eq!(b.settings.max_queued_messages, Some(3));
        assert!(b.settings.persistence && !b.settings.allow_anonymous && !b.settings.verbose_log);
        assert_eq!(b.users, [("u".to_owned(), "p".to_owned())]);
        assert_eq!(b.settings.extra, ["max_keepalive 10"]);
    }
}
