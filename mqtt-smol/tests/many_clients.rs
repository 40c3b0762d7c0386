//! 200 clients connected at once, each subscribing and publishing, all on one
//! executor thread (an `async_executor::LocalExecutor` run by one
//! `smol::block_on`): drivers, connects, subscribes and the application tasks
//! share that thread.
//!
//! Against an embedded rumqttd (runs with plain `cargo test`), and against
//! mosquitto (ignored without it).

mod common;

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::rc::Rc;
use std::time::Duration;

use common::{WAIT, within};
use mqtt_smol::{ClientOptions, Event, ProtocolVersion, QoS};
use mqtt_testkit::Mosquitto;

/// How many clients run at once.
const CLIENTS: usize = 200;

/// Connects [`CLIENTS`] clients to `port`, each subscribing at QoS 1 to a topic
/// of its own, then each publishes at QoS 1 to the next one's topic; every
/// client must receive exactly its neighbour's message.
fn many_clients_on_one_thread(port: u16, tag: &str) {
    let ex = Rc::new(smol::LocalExecutor::new());
    let run = {
        let ex = ex.clone();
        async move {
            // Connect all at once.
            let connects: Vec<_> = (0..CLIENTS)
                .map(|i| {
                    let options = ClientOptions::new(&format!("many-{tag}-{i}"))
                        .protocol(ProtocolVersion::V3_1_1)
                        .connect_timeout(Duration::from_secs(30));
                    ex.spawn(mqtt_smol::connect(options, "127.0.0.1", port))
                })
                .collect();
            let mut clients = Vec::new();
            for (i, task) in connects.into_iter().enumerate() {
                let (client, driver, events) = task.await.unwrap_or_else(|e| panic!("client {i}: {e}"));
                ex.spawn(driver).detach();
                clients.push((client, events));
            }
            // Subscribe all, then wait for every SUBACK.
            let subscribes: Vec<_> = clients
                .iter()
                .enumerate()
                .map(|(i, (c, _))| c.subscribe((format!("many/{tag}/{i}"), QoS::AtLeastOnce)).expect("subscribe"))
                .collect();
            for s in subscribes {
                assert_eq!(s.await.expect("SUBACK").results, [Ok(QoS::AtLeastOnce)]);
            }
            assert!(clients.iter().all(|(c, _)| c.is_connected()), "all {CLIENTS} connected at once");
            // Publish to the neighbour, then wait for every PUBACK.
            let publishes: Vec<_> = clients
                .iter()
                .enumerate()
                .map(|(i, (c, _))| {
                    let to = (i + 1) % CLIENTS;
                    c.publish(&format!("many/{tag}/{to}"), format!("from {i}"), QoS::AtLeastOnce, false)
                        .expect("publish")
                })
                .collect();
            for p in publishes {
                p.await.expect("PUBACK");
            }
            // Each receives its neighbour's message, read by a task of its own.
            let readers: Vec<_> = clients
                .into_iter()
                .enumerate()
                .map(|(i, (client, mut events))| {
                    ex.spawn(async move {
                        let m = loop {
                            match events.recv().await {
                                Some(Event::Message(m)) => break m,
                                Some(_) => {}
                                None => panic!("client {i}: the events ended"),
                            }
                        };
                        let from = (i + CLIENTS - 1) % CLIENTS;
                        assert_eq!(m.topic.as_str(), format!("many/{tag}/{i}"));
                        assert_eq!(&m.payload[..], format!("from {from}").as_bytes());
                        client.disconnect().await.expect("disconnect");
                        i
                    })
                })
                .collect();
            let mut done = HashMap::new();
            for r in readers {
                done.insert(r.await, ());
            }
            assert_eq!(done.len(), CLIENTS);
        }
    };
    within("200 clients to connect, subscribe, publish, receive and disconnect", ex.run(run));
}

#[test]
fn two_hundred_clients_on_one_executor_thread_rumqttd() {
    let port = start_rumqttd();
    many_clients_on_one_thread(port, "rumqttd");
}

#[test]
#[ignore = "needs mosquitto"]
fn two_hundred_clients_on_one_executor_thread_mosquitto() {
    let broker = Mosquitto::builder().start().expect("start mosquitto");
    many_clients_on_one_thread(broker.port(), "mosquitto");
}

/// Starts rumqttd in this process on a free loopback port, for more than
/// [`CLIENTS`] connections, and waits until it accepts connections.
fn start_rumqttd() -> u16 {
    let port = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let listen: SocketAddr = ([127, 0, 0, 1], port).into();
    let server = rumqttd::ServerSettings {
        name: "v4".to_owned(),
        listen,
        tls: None,
        next_connection_delay_ms: 0,
        connections: rumqttd::ConnectionSettings {
            connection_timeout_ms: 60_000,
            max_payload_size: 64 * 1024,
            max_inflight_count: 100,
            auth: None,
            external_auth: None,
            dynamic_filters: true,
        },
    };
    let config = rumqttd::Config {
        id: 0,
        router: rumqttd::RouterConfig {
            max_connections: 4 * CLIENTS,
            max_outgoing_packet_count: 200,
            max_segment_size: 1024 * 1024,
            max_segment_count: 10,
            ..Default::default()
        },
        v4: Some(HashMap::from([("v4".to_owned(), server)])),
        ..Default::default()
    };
    let mut broker = rumqttd::Broker::new(config);
    std::thread::Builder::new()
        .name("embedded-broker".into())
        .spawn(move || {
            if let Err(e) = broker.start() {
                eprintln!("embedded broker stopped: {e}");
            }
        })
        .expect("spawn the broker");
    let deadline = std::time::Instant::now() + WAIT;
    while TcpStream::connect(listen).is_err() {
        assert!(std::time::Instant::now() < deadline, "the embedded broker did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
    port
}
