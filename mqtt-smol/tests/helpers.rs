//! The one-shot helpers (paho's `publish.single` / `multiple`, `subscribe.simple`
//! / `callback`) against the scripted broker: each runs its driver alongside
//! its work in one future, here under `smol::block_on` on a helper thread.

mod common;

use std::ops::ControlFlow;
use std::thread;
use std::time::Duration;

use bytes::Bytes;
use common::{WAIT, ms};
use mqtt_proto::{Packet, PacketType, Publish};
use mqtt_smol::publish::OutMessage;
use mqtt_smol::{ClientOptions, PacketId, ProtocolVersion, QoS, ReasonCode, publish, subscribe};
use mqtt_testkit::{Conn, ScriptedBroker, packets};

const LOCALHOST: &str = "127.0.0.1";

fn options(version: ProtocolVersion) -> ClientOptions {
    ClientOptions::new("helper").protocol(version).connect_timeout(Duration::from_secs(5))
}

fn id_of(p: &Publish) -> PacketId {
    p.qos.packet_id().expect("QoS 1 or 2 has a packet id")
}

#[track_caller]
fn expect_ack(conn: &mut Conn, kind: PacketType, id: PacketId) {
    match conn.expect(kind) {
        Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => {
            assert_eq!(a.packet_id, id, "{kind} for the wrong packet id");
        }
        other => panic!("expected {kind}, got {other:?}"),
    }
}

/// `publish::single`: connect, publish, wait for the PUBACK (MQTT-4.3.2),
/// then DISCONNECT.
#[test]
fn publish_single_helper() {
    let broker = ScriptedBroker::start();
    let port = broker.port();
    let helper = thread::spawn(move || {
        smol::block_on(publish::single(
            "one/shot",
            "hi",
            QoS::AtLeastOnce,
            true,
            LOCALHOST,
            port,
            options(ProtocolVersion::V3_1_1),
        ))
    });
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(false);
    let p = conn.expect_publish();
    assert_eq!((p.topic.as_str(), &p.payload[..], p.retain), ("one/shot", &b"hi"[..], true));
    // Not done before the PUBACK.
    conn.expect_nothing(ms(50));
    conn.send(&packets::puback(id_of(&p).get()));
    let _ = conn.expect_disconnect();
    conn.expect_closed(WAIT);
    helper.join().expect("no panic").expect("publish::single");
}

/// `publish::multiple`: every message in order, each QoS flow completed, then
/// DISCONNECT.
#[test]
fn publish_multiple_helper() {
    let broker = ScriptedBroker::start();
    let port = broker.port();
    let helper = thread::spawn(move || {
        let messages = [
            OutMessage::new("m/0", "zero", QoS::AtMostOnce, false),
            OutMessage::new("m/1", "one", QoS::AtLeastOnce, false),
            OutMessage::new("m/2", "two", QoS::ExactlyOnce, false),
        ];
        smol::block_on(publish::multiple(messages, LOCALHOST, port, options(ProtocolVersion::V5)))
    });
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(false);
    let sent: Vec<_> = (0..3).map(|_| conn.expect_publish()).collect();
    assert_eq!(sent.iter().map(|p| p.topic.as_str()).collect::<Vec<_>>(), ["m/0", "m/1", "m/2"]);
    conn.send(&packets::puback(id_of(&sent[1]).get()));
    let id = id_of(&sent[2]);
    conn.send(&packets::pubrec(id.get()));
    expect_ack(&mut conn, PacketType::PubRel, id);
    conn.send(&packets::pubcomp(id.get()));
    assert_eq!(conn.expect_disconnect().reason_code, ReasonCode::Success);
    helper.join().expect("no panic").expect("publish::multiple");
}

/// `subscribe::simple`: the first `count` messages, retained ones skipped when
/// asked, then DISCONNECT.
#[test]
fn subscribe_simple_helper() {
    let broker = ScriptedBroker::start();
    let port = broker.port();
    let helper = thread::spawn(move || {
        smol::block_on(subscribe::simple(
            ("news/#", QoS::AtLeastOnce),
            2,
            false,
            LOCALHOST,
            port,
            options(ProtocolVersion::V3_1_1),
        ))
    });
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(false);
    let sub = conn.ack_subscribe();
    assert_eq!(sub.subscriptions.to_vec()[0].filter.as_str(), "news/#");
    let mut retained = Publish::new(packets::topic("news/old"), Bytes::from_static(b"stale"));
    retained.retain = true;
    conn.send(&Packet::Publish(retained));
    conn.send(&packets::publish("news/a", b"first", QoS::AtMostOnce, 0));
    conn.send(&packets::publish("news/b", b"second", QoS::AtLeastOnce, 7));
    conn.send(&packets::publish("news/c", b"third", QoS::AtMostOnce, 0));
    expect_ack(&mut conn, PacketType::PubAck, packets::pid(7));
    let _ = conn.expect_disconnect();
    let got = helper.join().expect("no panic").expect("subscribe::simple");
    let got: Vec<_> = got.iter().map(|m| (m.topic.as_str().to_owned(), m.payload.clone())).collect();
    assert_eq!(
        got,
        [("news/a".to_owned(), Bytes::from_static(b"first")), ("news/b".to_owned(), Bytes::from_static(b"second"))]
    );
}

/// `subscribe::callback`: the callback sees each message until it breaks.
#[test]
fn subscribe_callback_helper() {
    let broker = ScriptedBroker::start();
    let port = broker.port();
    let helper = thread::spawn(move || {
        let mut seen = Vec::new();
        let result = smol::block_on(subscribe::callback(
            |_, m| {
                seen.push(String::from_utf8_lossy(&m.payload).into_owned());
                if m.payload == "stop" { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
            },
            [("a", QoS::AtMostOnce), ("b", QoS::AtMostOnce)],
            LOCALHOST,
            port,
            options(ProtocolVersion::V5),
        ));
        result.map(|()| seen)
    });
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(false);
    let sub = conn.ack_subscribe();
    assert_eq!(sub.subscriptions.len(), 2);
    for (topic, payload) in [("a", "1"), ("b", "2"), ("a", "stop")] {
        conn.send(&packets::publish(topic, payload.as_bytes(), QoS::AtMostOnce, 0));
    }
    let _ = conn.expect_disconnect();
    assert_eq!(helper.join().expect("no panic").expect("subscribe::callback"), ["1", "2", "stop"]);
}

/// A refused subscription (SUBACK 0x80, MQTT-3.9.3-2) ends `subscribe::simple`
/// with an error instead of waiting forever for messages that cannot come.
#[test]
fn subscribe_helper_reports_a_refused_subscription() {
    let broker = ScriptedBroker::start();
    let port = broker.port();
    let helper = thread::spawn(move || {
        smol::block_on(subscribe::simple(
            ("secret/#", QoS::AtMostOnce),
            1,
            false,
            LOCALHOST,
            port,
            options(ProtocolVersion::V3_1_1),
        ))
    });
    let mut conn = broker.accept(WAIT);
    let _ = conn.accept_connect(false);
    let sub = conn.expect_subscribe();
    conn.send(&packets::suback(sub.packet_id.get(), [ReasonCode::UnspecifiedError]));
    let _ = conn.expect_disconnect();
    match helper.join().expect("no panic") {
        Err(mqtt_smol::Error::SubscribeRefused(code)) => assert!(code.is_error()),
        other => panic!("expected SubscribeRefused, got {other:?}"),
    }
}
