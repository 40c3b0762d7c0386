//! The one-shot helpers (paho's `publish.single` / `multiple`, `subscribe.simple`
//! / `callback`) against the scripted broker: each runs its driver alongside
//! its work in one future, here under `smol::block_on` on a helper thread. The
//! broker's side is `mqtt_testkit::oneshot`, shared with mqtt-blocking's tests.

use std::time::Duration;

use mqtt_smol::publish::OutMessage;
use mqtt_smol::{ClientOptions, ProtocolVersion, QoS, publish, subscribe};
use mqtt_testkit::oneshot;

const LOCALHOST: &str = "127.0.0.1";

fn options(version: ProtocolVersion) -> ClientOptions {
    ClientOptions::new("helper").protocol(version).connect_timeout(Duration::from_secs(5))
}

/// `publish::single`: connect, publish, wait for the PUBACK (MQTT-4.3.2),
/// then DISCONNECT.
#[test]
fn publish_single_helper() {
    let result = oneshot::run(
        |port| {
            let options = options(ProtocolVersion::V3_1_1);
            smol::block_on(publish::single("one/shot", "hi", QoS::AtLeastOnce, true, LOCALHOST, port, options))
        },
        oneshot::publish_single,
    );
    result.expect("publish::single");
}

/// `publish::multiple`: every message in order, each QoS flow completed, then
/// DISCONNECT.
#[test]
fn publish_multiple_helper() {
    let result = oneshot::run(
        |port| {
            let messages = oneshot::MULTIPLE_MESSAGES.map(|(t, p, q)| OutMessage::new(t, p, q, false));
            smol::block_on(publish::multiple(messages, LOCALHOST, port, options(ProtocolVersion::V5)))
        },
        oneshot::publish_multiple,
    );
    result.expect("publish::multiple");
}

/// `subscribe::simple`: the first `count` messages, retained ones skipped when
/// asked, then DISCONNECT.
#[test]
fn subscribe_simple_helper() {
    let got = oneshot::run(
        |port| {
            let options = options(ProtocolVersion::V3_1_1);
            smol::block_on(subscribe::simple(("news/#", QoS::AtLeastOnce), 2, false, LOCALHOST, port, options))
        },
        oneshot::subscribe_simple,
    );
    oneshot::check_simple(&got.expect("subscribe::simple"));
}

/// `subscribe::callback`: the callback sees each message until it breaks.
#[test]
fn subscribe_callback_helper() {
    let seen = oneshot::run(
        |port| {
            let mut seen = Vec::new();
            let options = options(ProtocolVersion::V5);
            let result = smol::block_on(subscribe::callback(
                |_, m| oneshot::until_stop(&mut seen, m),
                oneshot::CALLBACK_TOPICS,
                LOCALHOST,
                port,
                options,
            ));
            result.map(|()| seen)
        },
        oneshot::subscribe_callback,
    );
    assert_eq!(seen.expect("subscribe::callback"), oneshot::CALLBACK_SEEN);
}

/// A refused subscription (SUBACK 0x80, MQTT-3.9.3-2) ends `subscribe::simple`
/// with an error instead of waiting forever for messages that cannot come.
#[test]
fn subscribe_helper_reports_a_refused_subscription() {
    let result = oneshot::run(
        |port| {
            let options = options(ProtocolVersion::V3_1_1);
            smol::block_on(subscribe::simple(("secret/#", QoS::AtMostOnce), 1, false, LOCALHOST, port, options))
        },
        oneshot::subscribe_refused,
    );
    match result {
        Err(mqtt_smol::Error::SubscribeRefused(code)) => assert!(code.is_error()),
        other => panic!("expected SubscribeRefused, got {other:?}"),
    }
}
