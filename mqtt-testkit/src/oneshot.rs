//! The broker's side of the one-shot helper tests (paho's `publish.single` /
//! `publish.multiple`, `subscribe.simple` / `subscribe.callback`), the same
//! for both adapters: each adapter's test runs its helper through [`run`]
//! with one of these scripts and checks what the helper returned.

use std::ops::ControlFlow;
use std::thread;
use std::time::Duration;

use bytes::Bytes;
use mqtt_proto::{Message, Packet, PacketType, Publish, QoS, ReasonCode};

use crate::{Conn, DEFAULT_TIMEOUT, ScriptedBroker, packets};

/// Starts a scripted broker, runs `client(port)` on a thread of its own,
/// plays `script` as the broker on the client's connection, and returns what
/// `client` returned.
///
/// # Panics
///
/// When the client does not connect within [`DEFAULT_TIMEOUT`], when the
/// script fails, or when `client` panicked.
#[track_caller]
pub fn run<T: Send + 'static>(client: impl FnOnce(u16) -> T + Send + 'static, script: impl FnOnce(&mut Conn)) -> T {
    let broker = ScriptedBroker::start();
    let port = broker.port();
    let helper = thread::spawn(move || client(port));
    let mut conn = broker.accept(DEFAULT_TIMEOUT);
    let _ = conn.accept_connect(false);
    script(&mut conn);
    helper.join().expect("the helper does not panic")
}

/// `publish.single("one/shot", "hi", QoS 1, retain)`: the PUBLISH, nothing
/// more before its PUBACK (MQTT-4.3.2), then DISCONNECT and the close.
#[track_caller]
pub fn publish_single(conn: &mut Conn) {
    let p = conn.expect_publish();
    assert_eq!((p.topic.as_str(), &p.payload[..], p.retain), ("one/shot", &b"hi"[..], true));
    conn.expect_nothing(Duration::from_millis(50));
    conn.send(&packets::puback(packets::id_of(&p).get()));
    let _ = conn.expect_disconnect();
    conn.expect_closed(DEFAULT_TIMEOUT);
}

/// `publish.multiple` of [`MULTIPLE_MESSAGES`]: every message in order, each
/// QoS flow completed, then DISCONNECT with reason Success.
#[track_caller]
pub fn publish_multiple(conn: &mut Conn) {
    let sent: Vec<_> = (0..3).map(|_| conn.expect_publish()).collect();
    assert_eq!(sent.iter().map(|p| p.topic.as_str()).collect::<Vec<_>>(), ["m/0", "m/1", "m/2"]);
    conn.send(&packets::puback(packets::id_of(&sent[1]).get()));
    let id = packets::id_of(&sent[2]);
    conn.send(&packets::pubrec(id.get()));
    conn.expect_ack(PacketType::PubRel, id);
    conn.send(&packets::pubcomp(id.get()));
    assert_eq!(conn.expect_disconnect().reason_code, ReasonCode::Success);
}

/// The messages [`publish_multiple`] expects: topic, payload and QoS.
pub const MULTIPLE_MESSAGES: [(&str, &str, QoS); 3] =
    [("m/0", "zero", QoS::AtMostOnce), ("m/1", "one", QoS::AtLeastOnce), ("m/2", "two", QoS::ExactlyOnce)];

/// `subscribe.simple(("news/#", QoS 1), 2, retained = false)`: SUBACK, then a
/// retained message the helper must skip and three others, of which it takes
/// two (acknowledging the QoS 1 one); then DISCONNECT. Check what it returned
/// with [`check_simple`].
#[track_caller]
pub fn subscribe_simple(conn: &mut Conn) {
    let sub = conn.ack_subscribe();
    assert_eq!(sub.subscriptions.get(0).expect("one filter").filter.as_str(), "news/#");
    let mut retained = Publish::new(packets::topic("news/old"), Bytes::from_static(b"stale"));
    retained.retain = true;
    conn.send(&Packet::Publish(retained));
    conn.send(&packets::publish("news/a", b"first", QoS::AtMostOnce, 0));
    conn.send(&packets::publish("news/b", b"second", QoS::AtLeastOnce, 7));
    conn.send(&packets::publish("news/c", b"third", QoS::AtMostOnce, 0));
    conn.expect_ack(PacketType::PubAck, packets::pid(7));
    let _ = conn.expect_disconnect();
}

/// What `subscribe.simple` returned against [`subscribe_simple`]: the first
/// two messages that are not retained.
#[track_caller]
pub fn check_simple(got: &[Message]) {
    let got: Vec<_> = got.iter().map(|m| (m.topic.as_str(), &m.payload[..])).collect();
    assert_eq!(got, [("news/a", &b"first"[..]), ("news/b", &b"second"[..])]);
}

/// The subscriptions of the `subscribe.callback` test.
pub const CALLBACK_TOPICS: [(&str, QoS); 2] = [("a", QoS::AtMostOnce), ("b", QoS::AtMostOnce)];

/// The callback of the `subscribe.callback` test: notes each payload, and
/// stops at `stop`.
pub fn until_stop(seen: &mut Vec<String>, m: &Message) -> ControlFlow<()> {
    seen.push(String::from_utf8_lossy(&m.payload).into_owned());
    if m.payload == "stop" { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
}

/// What the `subscribe.callback` test's callback saw: every payload up to
/// and with `stop`.
pub const CALLBACK_SEEN: [&str; 3] = ["1", "2", "stop"];

/// `subscribe.callback` on [`CALLBACK_TOPICS`] with [`until_stop`]: SUBACK,
/// three messages (payloads 1, 2, stop), then DISCONNECT.
#[track_caller]
pub fn subscribe_callback(conn: &mut Conn) {
    let sub = conn.ack_subscribe();
    assert_eq!(sub.subscriptions.len(), 2);
    for (topic, payload) in [("a", "1"), ("b", "2"), ("a", "stop")] {
        conn.send(&packets::publish(topic, payload.as_bytes(), QoS::AtMostOnce, 0));
    }
    let _ = conn.expect_disconnect();
}

/// A `subscribe` helper whose subscription the broker refuses (SUBACK 0x80,
/// MQTT-3.9.3-2): the helper disconnects instead of waiting for messages that
/// cannot come.
#[track_caller]
pub fn subscribe_refused(conn: &mut Conn) {
    let sub = conn.expect_subscribe();
    conn.send(&packets::suback(sub.packet_id.get(), [ReasonCode::UnspecifiedError]));
    let _ = conn.expect_disconnect();
}
