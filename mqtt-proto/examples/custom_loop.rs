//! Drives a [`Connection`] from a plain blocking `std::net::TcpStream` loop: no
//! adapter, no threads, no async runtime.
//!
//! It connects, subscribes to a topic of its own, publishes one message at each
//! QoS (0, 1, 2) to it, prints the messages that come back and every event,
//! unsubscribes and disconnects cleanly.
//!
//! ```text
//! cargo run -p mqtt-proto --example custom_loop -- [--broker host:port] [--v5 | --v311 | --v31]
//! ```
//!
//! The broker defaults to 127.0.0.1:1883 and the protocol to MQTT 5.
//!
//! The loop follows the drain rule of [`Connection`]: after every input or
//! command, write out everything `poll_transmit` gives, then handle every
//! `poll_event` (handling an event may issue commands, whose bytes are written
//! before waiting), then wait for bytes from the broker until `poll_timeout`.

use core::error::Error;
use core::time::Duration;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;

use bytes::{Bytes, BytesMut};
use mqtt_proto::{Connection, Event, Instant, Options, PacketId, ProtocolVersion, QoS, TopicFilter, TopicName};

/// How long the example waits for its messages before giving up.
const GIVE_UP_AFTER: Duration = Duration::from_secs(10);

struct Args {
    broker: String,
    version: ProtocolVersion,
}

impl Args {
    fn parse() -> Result<Self, String> {
        let mut args = Self { broker: "127.0.0.1:1883".into(), version: ProtocolVersion::V5 };
        let mut it = std::env::args().skip(1);
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "--broker" => args.broker = it.next().ok_or("--broker needs host:port")?,
                "--v5" => args.version = ProtocolVersion::V5,
                "--v311" => args.version = ProtocolVersion::V3_1_1,
                "--v31" => args.version = ProtocolVersion::V3_1,
                "-h" | "--help" => {
                    println!("usage: custom_loop [--broker host:port] [--v5 | --v311 | --v31]");
                    std::process::exit(0);
                }
                other => return Err(format!("unknown argument {other:?} (try --help)")),
            }
        }
        Ok(args)
    }
}

/// What the application does in response to events: the script of the example.
struct App {
    topic: String,
    /// Ids of the QoS 1 and 2 publishes not completed yet.
    outstanding: Vec<PacketId>,
    published: bool,
    received: usize,
    finishing: bool,
    closed: bool,
}

impl App {
    /// Handles one event, issuing commands on `conn`.
    fn on_event(&mut self, conn: &mut Connection, event: Event) -> Result<(), Box<dyn Error>> {
        match event {
            Event::Connected(c) => {
                let limits = conn.server_limits();
                println!(
                    "connected (session present: {}, keep alive {} s, receive maximum {}, maximum QoS {})",
                    c.session_present,
                    limits.keep_alive,
                    limits.receive_maximum,
                    limits.maximum_qos.as_u8()
                );
                let filter = TopicFilter::try_from(self.topic.as_str())?;
                let id = conn.subscribe([(filter, QoS::ExactlyOnce)], Default::default())?;
                println!("subscribe {} at QoS 2 -> packet id {id}", self.topic);
            }
            Event::Subscribed(s) => {
                println!("subscribed (packet id {}): {:?}", s.packet_id, s.results);
                if !self.published {
                    self.published = true;
                    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
                        let payload = Bytes::from(format!("hello at QoS {}", qos.as_u8()));
                        let topic = TopicName::try_from(self.topic.as_str())?;
                        let id = conn.publish(topic, payload, qos, false)?;
                        match id {
                            Some(id) => {
                                println!("publish QoS {} -> packet id {id}", qos.as_u8());
                                self.outstanding.push(id);
                            }
                            None => println!("publish QoS 0 -> sent"),
                        }
                    }
                }
            }
            Event::Message(m) => {
                self.received += 1;
                println!(
                    "message on {} (QoS {}, retain {}, dup {}): {}",
                    m.topic,
                    m.qos.as_u8(),
                    m.retain,
                    m.dup,
                    String::from_utf8_lossy(&m.payload)
                );
            }
            Event::Published(p) => {
                println!("published packet id {} ({})", p.packet_id, p.reason_code);
                self.outstanding.retain(|&id| id != p.packet_id);
            }
            Event::Unsubscribed(u) => {
                println!("unsubscribed (packet id {}): {:?}", u.packet_id, u.results);
                conn.disconnect();
            }
            Event::Closed(reason) => {
                println!("closed: {reason}");
                self.closed = true;
            }
            other => println!("event: {other:?}"),
        }
        if self.published && self.outstanding.is_empty() && self.received == 3 && !self.finishing {
            self.finish(conn)?;
        }
        Ok(())
    }

    /// Unsubscribes; the UNSUBACK then leads to the disconnect.
    fn finish(&mut self, conn: &mut Connection) -> Result<(), Box<dyn Error>> {
        self.finishing = true;
        let id = conn.unsubscribe([TopicFilter::try_from(self.topic.as_str())?], Default::default())?;
        println!("unsubscribe {} -> packet id {id}", self.topic);
        Ok(())
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse()?;
    let start = std::time::Instant::now();
    // The connection reads no clock: the driver measures time and passes it in.
    let now = || Instant::from_duration(start.elapsed());
    let give_up = Instant::from_duration(GIVE_UP_AFTER);

    let mut stream = TcpStream::connect(&args.broker)?;
    stream.set_nodelay(true)?;
    println!("TCP connected to {} ({:?})", args.broker, args.version);
    let client_id = format!("custom-loop-{}", std::process::id());
    let options = Options::new(args.version, &client_id)?.with_keep_alive(30);
    let mut conn = Connection::new(options, now())?;
    let mut app = App {
        topic: format!("mqtt-proto/examples/custom_loop/{}", std::process::id()),
        outstanding: Vec::new(),
        published: false,
        received: 0,
        finishing: false,
        closed: false,
    };

    let mut out = BytesMut::with_capacity(4096);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        // The drain rule: bytes first, then events. Handling an event may issue
        // a command, which queues more bytes: repeat until nothing is pending.
        loop {
            while conn.poll_transmit(now(), &mut out).is_some() {}
            if !out.is_empty() {
                stream.write_all(&out)?;
                out.clear();
            }
            while let Some(event) = conn.poll_event() {
                app.on_event(&mut conn, event)?;
            }
            if !conn.has_pending_transmit() {
                break;
            }
        }
        if app.closed {
            // Closed comes last; what it queued (DISCONNECT) is written above.
            return Ok(());
        }
        // Then the deadline: wait for bytes until the connection's next deadline
        // (or the application's own).
        let deadline = conn.poll_timeout().map_or(give_up, |t| t.min(give_up));
        let wait = deadline.saturating_duration_since(now()).max(Duration::from_millis(1));
        stream.set_read_timeout(Some(wait))?;
        match stream.read(&mut buf) {
            Ok(0) => conn.handle_eof(now()),
            Ok(n) => conn.handle_bytes(&buf[..n], now()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                // Safe to call early or spuriously.
                conn.handle_timeout(now());
                if now() >= give_up && !app.finishing {
                    println!("gave up waiting after {GIVE_UP_AFTER:?}");
                    app.finishing = true;
                    conn.disconnect();
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
}
