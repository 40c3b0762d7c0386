//! The quickstart: what the paho-mqtt Python example does, in Rust.
//!
//! Connects, subscribes to "hello" and to [("temperature", 0), ("humidity", 0)],
//! waits for both SUBACKs, publishes three messages, prints each message it
//! receives, then disconnects and prints the result.
//!
//! ```sh
//! cargo run -p mqtt-blocking --example quickstart                       # embedded broker
//! cargo run -p mqtt-blocking --example quickstart -- --broker 127.0.0.1:1883
//! ```
//!
//! Without `--broker` it starts an embedded broker (rumqttd, a dev-dependency)
//! in this process on a free loopback port.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use mqtt_blocking::{Client, ClientOptions, CloseReason, QoS};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (host, port) = match broker_arg()? {
        Some(addr) => addr,
        None => {
            let port = start_embedded_broker()?;
            ("127.0.0.1".to_owned(), port)
        }
    };

    let client = Client::new(ClientOptions::new("").keepalive(60));
    let (subacks, subacked) = mpsc::channel();
    let (messages, received) = mpsc::channel();
    let (disconnects, disconnected) = mpsc::channel();

    client.on_connect(|_, _flags, rc, _props| {
        println!("Connection returned with result code: {}", rc.as_u8());
    });
    client.on_subscribe(move |_, _id, _granted| {
        let _ = subacks.send(());
    });
    client.on_message(move |_, m| {
        println!("Received message, topic: {} payload: {}", m.topic, String::from_utf8_lossy(&m.payload));
        let _ = messages.send(());
    });
    client.on_disconnect(move |_, reason| {
        let rc = match reason {
            CloseReason::Disconnected => 0,
            CloseReason::ServerDisconnected { reason_code, .. } => reason_code.as_u8(),
            _ => 1,
        };
        println!("Disconnection returned result: {rc}");
        let _ = disconnects.send(());
    });

    client.connect(&host, port)?;
    client.loop_start()?;

    client.subscribe(("hello", QoS::AtMostOnce))?;
    client.subscribe([("temperature", QoS::AtMostOnce), ("humidity", QoS::AtMostOnce)])?;
    for _ in 0..2 {
        subacked.recv_timeout(Duration::from_secs(10))?;
    }

    client.publish("hello", "Hello world!", QoS::AtMostOnce, false)?;
    client.publish("temperature", "24.0", QoS::AtMostOnce, false)?;
    client.publish("humidity", "65%", QoS::AtMostOnce, false)?;
    for _ in 0..3 {
        received.recv_timeout(Duration::from_secs(10))?;
    }

    client.disconnect()?;
    disconnected.recv_timeout(Duration::from_secs(10))?;
    client.loop_stop()?;
    Ok(())
}

/// `--broker host:port`, if given.
fn broker_arg() -> Result<Option<(String, u16)>, Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(arg) = args.next() else { return Ok(None) };
    let value = match arg.as_str() {
        "--broker" => args.next().ok_or("--broker needs host:port")?,
        other => match other.strip_prefix("--broker=") {
            Some(v) => v.to_owned(),
            None => return Err(format!("unknown argument {other:?}; usage: quickstart [--broker host:port]").into()),
        },
    };
    let (host, port) = value.rsplit_once(':').ok_or("--broker needs host:port")?;
    Ok(Some((host.trim_matches(['[', ']']).to_owned(), port.parse()?)))
}

/// Starts rumqttd in this process on a free loopback port and waits until it
/// accepts connections.
fn start_embedded_broker() -> Result<u16, Box<dyn std::error::Error>> {
    use std::collections::HashMap;

    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let listen: SocketAddr = ([127, 0, 0, 1], port).into();
    let server = rumqttd::ServerSettings {
        name: "v4".to_owned(),
        listen,
        tls: None,
        next_connection_delay_ms: 1,
        connections: rumqttd::ConnectionSettings {
            connection_timeout_ms: 60_000,
            max_payload_size: 1024 * 1024,
            max_inflight_count: 100,
            auth: None,
            external_auth: None,
            dynamic_filters: true,
        },
    };
    let config = rumqttd::Config {
        id: 0,
        router: rumqttd::RouterConfig {
            max_connections: 100,
            max_outgoing_packet_count: 200,
            max_segment_size: 1024 * 1024,
            max_segment_count: 10,
            ..Default::default()
        },
        v4: Some(HashMap::from([("v4".to_owned(), server)])),
        ..Default::default()
    };
    let mut broker = rumqttd::Broker::new(config);
    std::thread::Builder::new().name("embedded-broker".into()).spawn(move || {
        if let Err(e) = broker.start() {
            eprintln!("embedded broker stopped: {e}");
        }
    })?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(listen).is_err() {
        if Instant::now() > deadline {
            return Err("the embedded broker did not start".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(port)
}
