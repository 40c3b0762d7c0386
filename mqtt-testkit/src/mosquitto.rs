//! A real mosquitto broker for interoperability tests, on ephemeral 127.0.0.1
//! ports, with a generated configuration in a temporary directory.
//!
//! ```no_run
//! use mqtt_testkit::Mosquitto;
//!
//! # fn main() -> std::io::Result<()> {
//! if !Mosquitto::available() {
//!     return Ok(()); // not installed: nothing to test against
//! }
//! let mut broker = Mosquitto::builder().tls().websockets().persistence().start()?;
//! let plain = broker.addr(); // 127.0.0.1:<port>
//! let tls_port = broker.tls_port(); // trusts broker.ca_cert_pem_path()
//! // ... test ...
//! broker.kill()?; // SIGKILL: only what was autosaved survives
//! broker.restart()?; // same ports, same persistence file
//! # let _ = (plain, tls_port);
//! # Ok(())
//! # }
//! ```
//!
//! # Persistence and signals
//!
//! With [`MosquittoBuilder::persistence`], sessions, subscriptions and queued or
//! in-flight QoS 1 and 2 messages are kept in `mosquitto.db` in the temporary
//! directory and survive [`Mosquitto::restart`]:
//!
//! - [`Mosquitto::stop`] sends SIGTERM: mosquitto saves the database as it exits,
//!   so everything survives.
//! - [`Mosquitto::kill`] sends SIGKILL: only what was saved before survives. The
//!   configuration saves after every change mosquitto counts
//!   (`autosave_on_changes true`, `autosave_interval 1`), on the next pass of its
//!   main loop, which runs *after* it has answered the packet that caused the
//!   change: a client that got its PUBACK or SUBACK can still lose the race
//!   with SIGKILL. For a deterministic crash test call
//!   [`Mosquitto::persist_now`] (SIGUSR1, and waits until the save is complete)
//!   before killing.
//!
//! # Logs
//!
//! mosquitto logs to stderr (`log_dest stderr`; `log_type all` unless
//! [`MosquittoBuilder::verbose_log`] turns it down), captured with its stdout in
//! `mosquitto.log` in the temporary directory across restarts: see
//! [`Mosquitto::log`]. Startup errors include it. (Not `log_dest stdout`:
//! redirected to a file, mosquitto's stdout is block-buffered, so lines show up
//! late or, after SIGKILL, never.)

mod builder;
mod config;

pub use builder::MosquittoBuilder;

use std::env;
use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use mqtt_proto::{Codec, Connect, MqttStr, Packet, PacketType, ProtocolVersion};
use tempfile::TempDir;

use self::config::{PERSISTENCE_FILE, Ports, Settings};
use crate::certs::{PkiFiles, TestPki};

/// The environment variable naming the mosquitto binary to use, overriding the
/// search of `PATH`, `/usr/sbin` and `/usr/local/sbin`.
pub const MOSQUITTO_ENV: &str = "MQTT_TESTKIT_MOSQUITTO";

/// How long a start waits for every listener to accept connections.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long [`Mosquitto::stop`] waits after SIGTERM before SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// Port races (another process took a port we picked) are retried this often.
const START_ATTEMPTS: usize = 3;
/// How often waits poll the process, the ports or the log.
const POLL: Duration = Duration::from_millis(10);

/// A running (or stopped) mosquitto with its temporary directory; see the
/// [module docs](self).
///
/// Dropping it kills the process (SIGKILL) and deletes the directory.
pub struct Mosquitto {
    binary: PathBuf,
    dir: TempDir,
    config_path: PathBuf,
    log_path: PathBuf,
    ports: Ports,
    pki: Option<(PkiFiles, TestPki)>,
    child: Option<Child>,
    starts: usize,
    settings: Settings,
    password_file: Option<PathBuf>,
    startup_timeout: Duration,
}

impl Mosquitto {
    /// Options for a new broker: plain TCP only, anonymous clients allowed.
    pub fn builder() -> MosquittoBuilder {
        MosquittoBuilder {
            tls: false,
            websockets: false,
            secure_websockets: false,
            settings: Settings { allow_anonymous: true, verbose_log: true, ..Settings::default() },
            users: Vec::new(),
            pki: None,
            startup_timeout: STARTUP_TIMEOUT,
        }
    }

    /// Starts a broker with the default options (`builder().start()`).
    ///
    /// # Errors
    ///
    /// As [`MosquittoBuilder::start`].
    pub fn start() -> io::Result<Self> {
        Self::builder().start()
    }

    /// Whether a mosquitto binary is installed, so a test can skip when not.
    #[must_use]
    pub fn available() -> bool {
        Self::binary().is_some()
    }

    /// The mosquitto binary: `$MQTT_TESTKIT_MOSQUITTO`, else `mosquitto` on `PATH`,
    /// in `/usr/sbin` or in `/usr/local/sbin`.
    #[must_use]
    pub fn binary() -> Option<PathBuf> {
        if let Some(path) = env::var_os(MOSQUITTO_ENV) {
            let path = PathBuf::from(path);
            return path.is_file().then_some(path);
        }
        find_program("mosquitto", &["/usr/sbin", "/usr/local/sbin"])
    }

    /// Whether `mosquitto_passwd` is installed, which [`MosquittoBuilder::user`]
    /// needs.
    #[must_use]
    pub fn passwd_available() -> bool {
        passwd_binary().is_some()
    }

    /// Stops mosquitto with SIGTERM (it saves its persistence database as it
    /// exits) and waits for it. Does nothing if it is not running.
    ///
    /// # Errors
    ///
    /// When the signal cannot be sent, or the process did not exit within 10 s
    /// (it is then killed).
    pub fn stop(&mut self) -> io::Result<()> {
        let Some(child) = self.child.as_mut() else { return Ok(()) };
        if child.try_wait()?.is_some() {
            self.child = None;
            return Ok(());
        }
        signal(child.id(), "TERM")?;
        let deadline = Instant::now() + STOP_TIMEOUT;
        while child.try_wait()?.is_none() {
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                self.child = None;
                return Err(io::Error::new(
                    ErrorKind::TimedOut,
                    format!("mosquitto did not exit within {STOP_TIMEOUT:?} of SIGTERM; killed it"),
                ));
            }
            std::thread::sleep(POLL);
        }
        self.child = None;
        Ok(())
    }

    /// Kills mosquitto with SIGKILL, as a crash would, and waits for it. It saves
    /// nothing more. Does nothing if it is not running.
    ///
    /// # Errors
    ///
    /// When the process cannot be killed or waited for.
    pub fn kill(&mut self) -> io::Result<()> {
        if let Some(mut child) = self.child.take() {
            if child.try_wait()?.is_none() {
                child.kill()?;
            }
            child.wait()?;
        }
        Ok(())
    }

    /// Starts mosquitto again with the same configuration, ports and persistence
    /// file, stopping it first (SIGTERM) if it is running.
    ///
    /// # Errors
    ///
    /// As [`Mosquitto::stop`], or when it does not start (the message includes
    /// the log).
    pub fn restart(&mut self) -> io::Result<()> {
        self.stop()?;
        self.spawn()
    }

    /// Makes mosquitto save its persistence database now and returns once the
    /// save is complete, so a following [`Mosquitto::kill`] loses nothing that
    /// happened before this call.
    ///
    /// How: it sends SIGUSR1 (mosquitto's "save now"), waits for a save to start
    /// in the log after this call began (mosquitto logs "Saving in-memory
    /// database" *before* writing), then completes an MQTT CONNECT/CONNACK on the
    /// plain port. mosquitto is single-threaded and saves between passes of its
    /// main loop, so the CONNACK comes after the save finished.
    ///
    /// # Errors
    ///
    /// When persistence is off, mosquitto is not running, or the save or the
    /// CONNACK does not come within 10 s.
    pub fn persist_now(&mut self) -> io::Result<()> {
        const SAVING: &str = "Saving in-memory database";
        if !self.settings.persistence {
            return Err(io::Error::other("persistence is off: use MosquittoBuilder::persistence"));
        }
        let pid = self.pid().ok_or_else(|| io::Error::other("mosquitto is not running"))?;
        // Any save logged past this point started after this call began.
        let log_bytes = || fs::read(&self.log_path).unwrap_or_default();
        let mark = log_bytes().len();
        signal(pid, "USR1")?;
        let deadline = Instant::now() + STOP_TIMEOUT;
        while !log_bytes().get(mark..).is_some_and(|new| new.windows(SAVING.len()).any(|w| w == SAVING.as_bytes())) {
            if Instant::now() >= deadline {
                return Err(io::Error::new(ErrorKind::TimedOut, "mosquitto did not log a save after SIGUSR1"));
            }
            std::thread::sleep(POLL);
        }
        self.main_loop_round_trip(deadline)
    }

    /// The plain MQTT listener's port.
    #[must_use]
    pub const fn port(&self) -> u16 {
        self.ports.mqtt
    }

    /// The plain MQTT listener's address, `127.0.0.1:port()`.
    #[must_use]
    pub const fn addr(&self) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, self.ports.mqtt))
    }

    /// The TLS listener's port.
    ///
    /// # Panics
    ///
    /// If the broker was built without [`MosquittoBuilder::tls`].
    #[must_use]
    #[track_caller]
    pub fn tls_port(&self) -> u16 {
        self.ports.tls.expect("no TLS listener: build with MosquittoBuilder::tls()")
    }

    /// The WebSocket listener's port (path `/`, subprotocol `mqtt`).
    ///
    /// # Panics
    ///
    /// If the broker was built without [`MosquittoBuilder::websockets`].
    #[must_use]
    #[track_caller]
    pub fn ws_port(&self) -> u16 {
        self.ports.ws.expect("no WebSocket listener: build with MosquittoBuilder::websockets()")
    }

    /// The secure WebSocket listener's port.
    ///
    /// # Panics
    ///
    /// If the broker was built without [`MosquittoBuilder::secure_websockets`].
    #[must_use]
    #[track_caller]
    pub fn wss_port(&self) -> u16 {
        self.ports.wss.expect("no secure WebSocket listener: build with MosquittoBuilder::secure_websockets()")
    }

    /// The generated certificates (also as DER, for rustls).
    ///
    /// # Panics
    ///
    /// If the broker has neither a TLS nor a secure WebSocket listener.
    #[must_use]
    #[track_caller]
    pub fn pki(&self) -> &TestPki {
        &self.pki_pair().1
    }

    /// The CA certificate's PEM file: what a client trusts.
    ///
    /// # Panics
    ///
    /// As [`Mosquitto::pki`].
    #[must_use]
    #[track_caller]
    pub fn ca_cert_pem_path(&self) -> &Path {
        &self.pki_pair().0.ca_cert
    }

    /// The client certificate's PEM file, for mutual TLS.
    ///
    /// # Panics
    ///
    /// As [`Mosquitto::pki`].
    #[must_use]
    #[track_caller]
    pub fn client_cert_path(&self) -> &Path {
        &self.pki_pair().0.client_cert
    }

    /// The client's private key PEM file (PKCS#8), for mutual TLS.
    ///
    /// # Panics
    ///
    /// As [`Mosquitto::pki`].
    #[must_use]
    #[track_caller]
    pub fn client_key_path(&self) -> &Path {
        &self.pki_pair().0.client_key
    }

    /// The temporary directory holding the configuration, log, certificates
    /// and persistence file.
    #[must_use]
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The generated `mosquitto.conf`.
    #[must_use]
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// The captured log file (stdout and stderr of every start).
    #[must_use]
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The captured log so far (empty if it cannot be read).
    #[must_use]
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// The persistence file, when persistence is on (it exists once mosquitto
    /// has saved).
    #[must_use]
    pub fn persistence_path(&self) -> Option<PathBuf> {
        self.settings.persistence.then(|| self.dir.path().join(PERSISTENCE_FILE))
    }

    /// The process id, while it runs.
    #[must_use]
    pub fn pid(&mut self) -> Option<u32> {
        self.is_running().then(|| self.child.as_ref().map(Child::id)).flatten()
    }

    /// Whether the process is running (reaps it if it exited).
    #[must_use]
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut().map(Child::try_wait) {
            Some(Ok(None)) => true,
            Some(_) => {
                self.child = None;
                false
            }
            None => false,
        }
    }

    #[track_caller]
    fn pki_pair(&self) -> &(PkiFiles, TestPki) {
        self.pki.as_ref().expect("no certificates: build with MosquittoBuilder::tls() or secure_websockets()")
    }

    /// A CONNECT/CONNACK exchange on the plain port (clean session, so it
    /// changes nothing mosquitto persists): proof that mosquitto finished what
    /// it was doing between main-loop passes, such as a save.
    fn main_loop_round_trip(&self, deadline: Instant) -> io::Result<()> {
        let mut stream = TcpStream::connect_timeout(&self.addr(), Duration::from_secs(1))?;
        stream.set_read_timeout(Some(deadline.saturating_duration_since(Instant::now()).max(POLL)))?;
        let codec = Codec::new(ProtocolVersion::V3_1_1);
        let client_id = MqttStr::try_from("mqtt-testkit-probe").map_err(io::Error::other)?;
        let mut out = BytesMut::new();
        codec
            .encode(&Packet::from(Connect::new(ProtocolVersion::V3_1_1, client_id)), &mut out)
            .map_err(io::Error::other)?;
        stream.write_all(&out)?;
        let mut rx = BytesMut::new();
        let mut buf = [0u8; 64];
        loop {
            if let Some(packet) = codec.decode(&mut rx).map_err(io::Error::other)? {
                if packet.packet_type() != PacketType::ConnAck {
                    return Err(io::Error::other(format!("expected CONNACK from mosquitto, got {packet:?}")));
                }
                // DISCONNECT, so no will and no "closed its connection" noise.
                let _ = stream.write_all(&[0xE0, 0x00]);
                return Ok(());
            }
            match stream.read(&mut buf)? {
                0 => return Err(io::Error::new(ErrorKind::UnexpectedEof, "mosquitto closed the probe connection")),
                n => rx.extend_from_slice(&buf[..n]),
            }
        }
    }

    fn write_config(&self) -> io::Result<()> {
        let text = config::render(
            &self.settings,
            self.ports,
            self.dir.path(),
            self.pki.as_ref().map(|(files, _)| files),
            self.password_file.as_deref(),
        );
        fs::write(&self.config_path, text)
    }

    /// Starts the process and waits until every listener accepts connections.
    fn spawn(&mut self) -> io::Result<()> {
        self.starts += 1;
        let mut log = OpenOptions::new().create(true).append(true).open(&self.log_path)?;
        writeln!(log, "--- mqtt-testkit: start #{} of {} ---", self.starts, self.binary.display())?;
        let stderr = log.try_clone()?;
        let child = Command::new(&self.binary)
            .arg("-c")
            .arg(&self.config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(stderr))
            .spawn()?;
        self.child = Some(child);
        let result = self.wait_ready();
        if result.is_err() {
            let _ = self.kill();
        }
        result
    }

    fn wait_ready(&mut self) -> io::Result<()> {
        let deadline = Instant::now() + self.startup_timeout;
        let ports = [Some(self.ports.mqtt), self.ports.tls, self.ports.ws, self.ports.wss];
        for port in ports.into_iter().flatten() {
            let addr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port));
            loop {
                let status = match self.child.as_mut() {
                    Some(child) => child.try_wait()?,
                    None => return Err(io::Error::other("mosquitto is not running")),
                };
                if let Some(status) = status {
                    self.child = None;
                    return Err(io::Error::other(format!(
                        "mosquitto exited ({status}) before listening on port {port}; log:\n{}",
                        self.log()
                    )));
                }
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    break;
                }
                if Instant::now() >= deadline {
                    return Err(io::Error::new(
                        ErrorKind::TimedOut,
                        format!(
                            "mosquitto did not listen on {addr} within {:?}; log:\n{}",
                            self.startup_timeout,
                            self.log()
                        ),
                    ));
                }
                std::thread::sleep(POLL);
            }
        }
        Ok(())
    }
}

impl core::fmt::Debug for Mosquitto {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Mosquitto")
            .field("ports", &self.ports)
            .field("dir", &self.dir.path())
            .field("pid", &self.child.as_ref().map(Child::id))
            .field("persistence", &self.settings.persistence)
            .finish_non_exhaustive()
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

/// Free ports on 127.0.0.1: all held at once so they differ, then released for
/// mosquitto to bind.
fn pick_ports(tls: bool, ws: bool, wss: bool) -> io::Result<Ports> {
    let mut held = Vec::new();
    let mut next = || -> io::Result<u16> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = listener.local_addr()?.port();
        held.push(listener);
        Ok(port)
    };
    let mqtt = next()?;
    let tls = if tls { Some(next()?) } else { None };
    let ws = if ws { Some(next()?) } else { None };
    let wss = if wss { Some(next()?) } else { None };
    Ok(Ports { mqtt, tls, ws, wss })
}

/// Writes `name:password` lines and hashes them in place with `mosquitto_passwd -U`.
fn write_password_file(dir: &Path, users: &[(String, String)]) -> io::Result<PathBuf> {
    let tool = passwd_binary().ok_or_else(|| {
        io::Error::new(ErrorKind::NotFound, "mosquitto_passwd not found: MosquittoBuilder::user needs it")
    })?;
    let path = dir.join("passwd");
    let mut file = File::create(&path)?;
    for (name, password) in users {
        if name.contains(':') || name.contains('\n') || password.contains('\n') {
            return Err(io::Error::new(
                ErrorKind::InvalidInput,
                format!("unusable user name or password for {name:?}"),
            ));
        }
        writeln!(file, "{name}:{password}")?;
    }
    drop(file);
    let output = Command::new(tool).arg("-U").arg(&path).stdin(Stdio::null()).output()?;
    if !output.status.success() {
        return Err(io::Error::other(format!(
            "mosquitto_passwd -U failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(path)
}

fn passwd_binary() -> Option<PathBuf> {
    find_program("mosquitto_passwd", &["/usr/bin", "/usr/local/bin"])
}

/// `name` on `PATH`, else in one of `extra`.
fn find_program(name: &str, extra: &[&str]) -> Option<PathBuf> {
    let path = env::var_os("PATH").unwrap_or_default();
    env::split_paths(&path).chain(extra.iter().map(PathBuf::from)).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// Sends `SIG<name>` to `pid` with the shell's `kill` (no unsafe code, no libc).
fn signal(pid: u32, name: &str) -> io::Result<()> {
    let status = Command::new("sh").arg("-c").arg(format!("kill -s {name} {pid}")).stdin(Stdio::null()).status()?;
    if status.success() { Ok(()) } else { Err(io::Error::other(format!("kill -s {name} {pid} failed ({status})"))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picked_ports_are_distinct_and_free() {
        let ports = pick_ports(true, true, true).unwrap();
        let all = [ports.mqtt, ports.tls.unwrap(), ports.ws.unwrap(), ports.wss.unwrap()];
        for (i, a) in all.iter().enumerate() {
            assert_ne!(*a, 0);
            assert!(all[i + 1..].iter().all(|b| b != a), "{all:?}");
            TcpListener::bind((Ipv4Addr::LOCALHOST, *a)).expect("released");
        }
        let plain = pick_ports(false, false, false).unwrap();
        assert_eq!((plain.tls, plain.ws, plain.wss), (None, None, None));
    }

    #[test]
    fn find_program_searches_extra_dirs() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("mqtt-testkit-fake-tool"), "").unwrap();
        let extra = dir.path().to_str().unwrap();
        assert_eq!(find_program("mqtt-testkit-fake-tool", &[extra]), Some(dir.path().join("mqtt-testkit-fake-tool")));
        assert_eq!(find_program("mqtt-testkit-no-such-tool", &[extra]), None);
    }

    #[test]
    fn a_missing_binary_is_not_found() {
        // Only meaningful where mosquitto is absent; elsewhere `available` agrees
        // with `binary`.
        assert_eq!(Mosquitto::available(), Mosquitto::binary().is_some());
        if !Mosquitto::available() {
            let err = Mosquitto::start().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound);
        }
    }
}
