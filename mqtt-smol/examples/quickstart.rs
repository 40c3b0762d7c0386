//! The quickstart of mqtt-blocking (what the paho-mqtt Python example does),
//! on the async client: the same steps, the same printed lines.
//!
//! Connects, subscribes to "hello" and to [("temperature", 0), ("humidity", 0)],
//! waits for both SUBACKs, publishes three messages, prints each message it
//! receives, then disconnects and prints the result.
//!
//! ```sh
//! cargo run -p mqtt-smol --example quickstart                       # embedded broker
//! cargo run -p mqtt-smol --example quickstart -- --broker 127.0.0.1:1883
//! ```
//!
//! Without `--broker` it starts an embedded broker (rumqttd, a dev-dependency)
//! in this process on a free loopback port.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use futures_lite::StreamExt;
use mqtt_smol::{ClientOptions, CloseReason, Event, QoS};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (host, port) = match broker_arg()? {
        Some(addr) => addr,
        None => {
            let port = start_embedded_broker()?;
            ("127.0.0.1".to_owned(), port)
        }
    };

    smol::block_on(async {
        let (client, driver, mut events) =
            mqtt_smol::connect(ClientOptions::new("").keepalive(60), &host, port).await?;
        // The driver does the network work on the executor; this task reads
        // the events.
        let driver = smol::spawn(driver);

        // The first event is the CONNACK of the connection `connect` made.
        if let Some(Event::Connected(_)) = events.next().await {
            println!("Connection returned with result code: 0");
        }

        let hello = client.subscribe(("hello", QoS::AtMostOnce))?;
        let weather = client.subscribe([("temperature", QoS::AtMostOnce), ("humidity", QoS::AtMostOnce)])?;
        hello.await?;
        weather.await?;

        client.publish("hello", "Hello world!", QoS::AtMostOnce, false)?;
        client.publish("temperature", "24.0", QoS::AtMostOnce, false)?;
        client.publish("humidity", "65%", QoS::AtMostOnce, false)?;
        let mut received = 0;
        while received < 3 {
            match events.next().await {
                Some(Event::Message(m)) => {
                    println!("Received message, topic: {} payload: {}", m.topic, String::from_utf8_lossy(&m.payload));
                    received += 1;
                }
                Some(_) => {}
                None => return Err("the client stopped before three messages came".into()),
            }
        }

        client.disconnect().await?;
        while let Some(event) = events.next().await {
            if let Event::Disconnected(reason) = event {
                let rc = match reason {
                    CloseReason::Disconnected => 0,
                    CloseReason::ServerDisconnected { reason_code, .. } => reason_code.as_u8(),
                    _ => 1,
                };
                println!("Disconnection returned result: {rc}");
                break;
            }
        }
        driver.await;
        Ok::<(), Box<dyn std::error::Error>>(())
    })
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
