//! QoS 0, 1 and 2 message exchanges in both directions, the outgoing window
//! (max inflight and the server's Receive Maximum), the publish queue, our own
//! Receive Maximum, and manual acknowledgements.
//!
//! Statement numbers are MQTT 5.0's unless a test says otherwise; the 3.1.1
//! counterpart is named in the test's comment.

mod sim;

use core::num::NonZeroU16;
use std::collections::HashSet;

use bytes::Bytes;
use mqtt_proto::{
    Ack, CloseReason, CommandError, ConnAckProperties, Event, Packet, ProtocolVersion, ProtocolViolation, QoS, QosPid,
    ReasonCode, SubAck,
};
use sim::*;

/// The PUBLISH packets among `packets`, as (id, dup, topic) — panics on any other packet.
fn publishes(packets: &[Packet]) -> Vec<(u16, bool, String)> {
    packets
        .iter()
        .map(|p| match p {
            Packet::Publish(p) => (p.qos.packet_id().map_or(0, |id| id.get()), p.dup, p.topic.as_str().to_owned()),
            other => panic!("expected only PUBLISH, got {other:?}"),
        })
        .collect()
}

fn receive_maximum(n: u16) -> ConnAckProperties {
    ConnAckProperties { receive_maximum: NonZeroU16::new(n), ..Default::default() }
}

fn ack_with(id: u16, reason_code: ReasonCode) -> Ack {
    Ack { packet_id: pid(id), reason_code, properties: Default::default() }
}

fn messages(events: &[Event]) -> Vec<(String, Bytes, QoS)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some((m.topic.as_str().to_owned(), m.payload.clone(), m.qos)),
            _ => None,
        })
        .collect()
}

// ---- Outgoing ----

/// MQTT-2.2.1-3 (3.1.1: MQTT-2.3.1-2), MQTT-3.3.1-2, MQTT-4.3.2-2, MQTT-4.3.3-2:
/// QoS 0 goes out without an id; QoS 1 and 2 get fresh ids, returned at once,
/// and go out with DUP 0.
#[test]
fn mqtt_2_2_1_3_publish_returns_packet_id_at_once_and_sends_it() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        let q0 = sim.client.publish(topic("t/0"), Bytes::from_static(b"zero"), QoS::AtMostOnce, false).unwrap();
        assert_eq!(q0, None, "{version:?}: QoS 0 has no packet id");
        let q1 = sim.publish("t/1", b"one", Q1);
        let q2 = sim.publish("t/2", b"two", Q2);
        assert_ne!(q1, q2);
        let sent = sim.recv();
        let [Packet::Publish(p0), Packet::Publish(p1), Packet::Publish(p2)] = sent.as_slice() else {
            panic!("{version:?}: {sent:?}")
        };
        assert_eq!((p0.qos, p0.dup, p0.payload.as_ref()), (QosPid::AtMostOnce, false, &b"zero"[..]));
        assert_eq!((p1.qos, p1.dup, p1.topic.as_str()), (QosPid::AtLeastOnce(q1), false, "t/1"));
        assert_eq!((p2.qos, p2.dup, p2.topic.as_str()), (QosPid::ExactlyOnce(q2), false, "t/2"));
        assert_eq!(sim.client.session().inflight(), 2);
        assert!(sim.take_events().is_empty(), "nothing is reported before the acknowledgements");
    }
}

/// MQTT-4.3.2-3: a QoS 1 publish is unacknowledged until PUBACK, which completes
/// it (Event::Published). A second PUBACK for the same id is ignored.
#[test]
fn mqtt_4_3_2_3_puback_reports_published() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        let id = sim.publish("t", b"m", Q1);
        sim.recv();
        sim.send(puback(id.get()));
        assert_eq!(published(&sim.take_events()), [(id.get(), ReasonCode::Success)], "{version:?}");
        assert_eq!(sim.client.session().inflight(), 0);
        sim.send(puback(id.get()));
        assert!(sim.take_events().is_empty(), "{version:?}: a late duplicate PUBACK is ignored");
        assert!(sim.recv().is_empty());
        assert!(sim.client.is_connected());
    }
}

/// MQTT 5: a PUBACK with a failure code completes the publish with that reason
/// (MQTT-4.4.0-2: it counts as acknowledged and is not retransmitted).
#[test]
fn mqtt_4_4_0_2_v5_puback_failure_is_reported_in_published() {
    let mut sim = Sim::connected(ProtocolVersion::V5);
    let id = sim.publish("t", b"m", Q1);
    sim.recv();
    sim.send(Packet::PubAck(ack_with(id.get(), ReasonCode::NotAuthorized)));
    assert_eq!(published(&sim.take_events()), [(id.get(), ReasonCode::NotAuthorized)]);
    assert_eq!(sim.client.session().inflight(), 0);
}

/// MQTT-4.3.3-4 (3.1.1: MQTT-4.3.3-1): PUBREC is answered with PUBREL carrying
/// the same id; PUBCOMP completes the exchange (Event::Published).
#[test]
fn mqtt_4_3_3_4_pubrec_answered_with_pubrel_then_pubcomp_reports_published() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        let id = sim.publish("t", b"m", Q2);
        sim.recv();
        sim.send(pubrec(id.get()));
        let sent = sim.recv();
        assert!(matches!(sent.as_slice(), [Packet::PubRel(a)] if a.packet_id == id), "{version:?}: {sent:?}");
        assert!(sim.take_events().is_empty(), "{version:?}: not complete before PUBCOMP");
        assert_eq!(sim.client.session().inflight(), 1, "PUBREL still holds its place in the window");
        sim.send(pubcomp(id.get()));
        assert_eq!(published(&sim.take_events()), [(id.get(), ReasonCode::Success)], "{version:?}");
        assert_eq!(sim.client.session().inflight(), 0);
        assert!(sim.recv().is_empty());
    }
}

/// MQTT-4.3.3-5: the PUBREL stays unacknowledged until PUBCOMP, so a
/// retransmitted PUBREC is answered with PUBREL again, and the message is
/// reported once.
#[test]
fn mqtt_4_3_3_5_duplicate_pubrec_answered_with_pubrel_again() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        let id = sim.publish("t", b"m", Q2);
        sim.recv();
        sim.send(pubrec(id.get()));
        assert!(matches!(sim.recv().as_slice(), [Packet::PubRel(a)] if a.packet_id == id));
        sim.send(pubrec(id.get()));
        let sent = sim.recv();
        assert!(
            matches!(sent.as_slice(), [Packet::PubRel(a)] if a.packet_id == id && a.reason_code == ReasonCode::Success),
            "{version:?}: {sent:?}"
        );
        assert!(sim.take_events().is_empty());
        sim.send(pubcomp(id.get()));
        assert_eq!(published(&sim.take_events()), [(id.get(), ReasonCode::Success)]);
        // A PUBCOMP for a completed exchange is ignored.
        sim.send(pubcomp(id.get()));
        assert!(sim.take_events().is_empty());
        assert!(sim.client.is_connected());
    }
}

/// MQTT 5 (MQTT-4.3.3-4, MQTT-4.4.0-2): a PUBREC with a failure code ends the
/// exchange: Published with that reason, no PUBREL, and the window slot and the
/// id are free again.
#[test]
fn mqtt_4_4_0_2_v5_pubrec_failure_ends_exchange_without_pubrel() {
    let mut sim = Sim::connected_with(options(ProtocolVersion::V5).with_max_inflight(1), connack_ok(false));
    let id = sim.publish("t", b"m", Q2);
    let next = sim.publish("t", b"next", Q2);
    assert_eq!(publishes(&sim.recv()), [(id.get(), false, "t".into())], "window of one");
    sim.send(Packet::PubRec(ack_with(id.get(), ReasonCode::QuotaExceeded)));
    assert_eq!(published(&sim.take_events()), [(id.get(), ReasonCode::QuotaExceeded)]);
    // No PUBREL; the queued publish takes the freed slot.
    assert_eq!(publishes(&sim.recv()), [(next.get(), false, "t".into())]);
    // A PUBCOMP for the refused id does not complete anything.
    sim.send(pubcomp(id.get()));
    assert!(sim.take_events().is_empty());
}

/// MQTT-3.3.4-7 / MQTT-4.9.0-2: the window is the smaller of Options::max_inflight
/// and the server's Receive Maximum; publishes beyond it wait in the queue, not
/// transmitted, and go out in order as acknowledgements free the window.
#[test]
fn mqtt_3_3_4_7_window_is_smaller_of_max_inflight_and_receive_maximum() {
    let setups = [
        // Our limit is smaller (every version).
        (ProtocolVersion::V3_1, 2, None),
        (ProtocolVersion::V3_1_1, 2, None),
        (ProtocolVersion::V5, 2, Some(10)),
        // The server's Receive Maximum is smaller.
        (ProtocolVersion::V5, 20, Some(2)),
    ];
    for (version, max_inflight, server_max) in setups {
        let connack = match server_max {
            Some(n) => connack_props(receive_maximum(n)),
            None => connack_ok(false),
        };
        let mut sim = Sim::connected_with(options(version).with_max_inflight(max_inflight), connack);
        let ids: Vec<u16> = (0..4).map(|i| sim.publish("t", b"m", if i % 2 == 0 { Q1 } else { Q2 }).get()).collect();
        let sent: Vec<u16> = publishes(&sim.recv()).into_iter().map(|p| p.0).collect();
        assert_eq!(sent, ids[..2], "{version:?} {max_inflight} {server_max:?}: two in flight");
        assert_eq!((sim.client.session().inflight(), sim.client.session().queued()), (2, 2));
        // A PUBREC does not free the window: the exchange continues until PUBCOMP.
        sim.send(pubrec(ids[1]));
        assert!(matches!(sim.recv().as_slice(), [Packet::PubRel(_)]));
        sim.send(puback(ids[0]));
        assert_eq!(publishes(&sim.recv()), [(ids[2], false, "t".into())], "third goes out when the first completes");
        sim.send(pubcomp(ids[1]));
        assert_eq!(publishes(&sim.recv()), [(ids[3], false, "t".into())], "fourth after the second");
        sim.send(puback(ids[2]));
        sim.send(pubrec(ids[3]));
        sim.send(pubcomp(ids[3]));
        let done: Vec<u16> = published(&sim.take_events()).into_iter().map(|(id, _)| id).collect();
        assert_eq!(done, ids);
        assert_eq!(sim.client.session().inflight() + sim.client.session().queued(), 0);
    }
}

/// QoS 0 publishes are not held back by a full window (the send quota only
/// limits QoS 1 and 2, MQTT-4.9.0-2).
#[test]
fn qos0_is_not_held_back_by_a_full_window() {
    let mut sim = Sim::connected_with(options(ProtocolVersion::V5).with_max_inflight(1), connack_ok(false));
    sim.publish("t", b"one", Q1);
    sim.publish("t", b"two", Q1);
    sim.client.publish(topic("t"), Bytes::from_static(b"zero"), QoS::AtMostOnce, false).unwrap();
    let sent = publishes(&sim.recv());
    assert_eq!(sent, [(1, false, "t".into()), (0, false, "t".into())]);
}

/// Options::max_queued bounds the publishes waiting for the window: one more is
/// refused with QueueFull, and nothing is sent or queued for it.
#[test]
fn queue_limit_gives_queue_full() {
    for version in ALL_VERSIONS {
        let options = options(version).with_max_inflight(1).with_max_queued(2);
        let mut sim = Sim::connected_with(options, connack_ok(false));
        let first = sim.publish("t", b"1", Q1);
        sim.publish("t", b"2", Q1);
        sim.publish("t", b"3", Q2);
        let refused = sim.client.publish(topic("t"), Bytes::from_static(b"4"), Q1, false);
        assert_eq!(refused, Err(CommandError::QueueFull), "{version:?}");
        assert_eq!(publishes(&sim.recv()), [(first.get(), false, "t".into())]);
        assert_eq!((sim.client.session().inflight(), sim.client.session().queued()), (1, 2));
        // Room again once the queue moves.
        sim.send(puback(first.get()));
        assert!(sim.client.publish(topic("t"), Bytes::from_static(b"4"), Q1, false).is_ok());
    }
}

/// QoS 1 and 2 publishes made before CONNACK get their ids at once, stay
/// queued (only CONNECT goes out), and are sent in order after CONNACK, within
/// the window the CONNACK sets.
#[test]
fn publishes_before_connack_are_queued_and_sent_after_connack() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::new(options(version));
        let a = sim.publish("a", b"1", Q1);
        let b = sim.publish("b", b"2", Q2);
        let c = sim.publish("c", b"3", Q1);
        assert_eq!(sim.client.session().queued(), 3);
        assert!(matches!(sim.recv().as_slice(), [Packet::Connect(_)]), "{version:?}: only CONNECT before CONNACK");
        let connack = if version.is_v5() { connack_props(receive_maximum(2)) } else { connack_ok(false) };
        sim.send(connack);
        assert!(matches!(sim.take_events().as_slice(), [Event::Connected(_)]));
        let sent = publishes(&sim.recv());
        if version.is_v5() {
            assert_eq!(sent, [(a.get(), false, "a".into()), (b.get(), false, "b".into())], "Receive Maximum 2");
            sim.send(puback(a.get()));
            assert_eq!(publishes(&sim.recv()), [(c.get(), false, "c".into())]);
        } else {
            let expected = [(a.get(), false, "a".into()), (b.get(), false, "b".into()), (c.get(), false, "c".into())];
            assert_eq!(sent, expected, "{version:?}");
        }
    }
}

/// QoS 0 cannot wait: before CONNACK it is NotConnected, after close Closed.
#[test]
fn qos0_before_connack_is_not_connected() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::new(options(version));
        let r = sim.client.publish(topic("t"), Bytes::from_static(b"m"), QoS::AtMostOnce, false);
        assert_eq!(r, Err(CommandError::NotConnected), "{version:?}");
        assert!(matches!(sim.recv().as_slice(), [Packet::Connect(_)]));
        sim.send(connack_ok(false));
        sim.client.disconnect();
        let r = sim.client.publish(topic("t"), Bytes::from_static(b"m"), QoS::AtMostOnce, false);
        assert_eq!(r, Err(CommandError::Closed), "{version:?}");
    }
}

/// MQTT-2.2.1-3 (3.1.1: MQTT-2.3.1-2): an id is never given to a new packet while
/// an earlier exchange still uses it, across the whole id space and its
/// wrap-around, and SUBSCRIBE ids do not collide with publishes in flight.
#[test]
fn mqtt_2_2_1_3_ids_never_reused_while_in_use() {
    let mut sim = Sim::connected(ProtocolVersion::V3_1_1);
    let held = sim.publish("held", b"never acknowledged", Q2);
    sim.recv();
    sim.send(pubrec(held.get()));
    sim.recv();
    let sub = sim.client.subscribe([(filter("s"), Q1)], Default::default()).unwrap();
    let mut in_use: HashSet<u16> = [held.get(), sub.get()].into();
    for _ in 0..70_000u32 {
        let id = sim.publish("t", b"m", Q1);
        assert!(in_use.insert(id.get()), "id {id:?} handed out while in use");
        sim.recv();
        sim.send(puback(id.get()));
        in_use.remove(&id.get());
    }
    let events = sim.take_events();
    assert_eq!(events.len(), 70_000);
    // The held exchange is intact.
    sim.send(pubcomp(held.get()));
    assert_eq!(published(&sim.take_events()), [(held.get(), ReasonCode::Success)]);
}

/// MQTT-2.2.1-3: the id returned for a publish waiting in the queue is in use:
/// a SUBSCRIBE made meanwhile, even after the id space wrapped around, does not
/// get it, and the queued publish goes out under its id.
#[test]
fn mqtt_2_2_1_3_queued_publish_id_not_given_to_subscribe() {
    let mut sim = Sim::connected_with(options(ProtocolVersion::V3_1_1).with_max_inflight(1), connack_ok(false));
    let first = sim.publish("t", b"in flight", Q1);
    let queued = sim.publish("t", b"queued", Q1);
    sim.recv();
    let mut last = None;
    for _ in 0..u16::MAX {
        let sub = sim.client.subscribe([(filter("s"), Q1)], Default::default()).unwrap();
        assert_ne!(sub, queued, "SUBSCRIBE got the id of a queued publish");
        assert_ne!(sub, first);
        sim.recv();
        sim.send(Packet::SubAck(SubAck {
            packet_id: sub,
            reason_codes: vec![ReasonCode::GrantedQoS1],
            properties: Default::default(),
        }));
        last = Some(sub);
    }
    assert!(last.is_some());
    // One SUBSCRIBE in flight while the queued publish is released.
    let sub = sim.client.subscribe([(filter("s"), Q1)], Default::default()).unwrap();
    sim.recv();
    sim.take_events();
    sim.send(puback(first.get()));
    let events = sim.take_events();
    assert_eq!(published(&events), [(first.get(), ReasonCode::Success)], "{events:?}");
    let sent = sim.recv();
    assert_eq!(publishes(&sent), [(queued.get(), false, "t".into())]);
    assert_ne!(sub, queued);
}

// ---- Incoming ----

/// MQTT-4.3.1 (QoS 0): delivered, nothing sent back.
#[test]
fn incoming_qos0_delivered_without_acknowledgement() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        sim.send(server_publish("a/b", b"zero", QosPid::AtMostOnce));
        let events = sim.take_events();
        assert_eq!(messages(&events), [("a/b".into(), Bytes::from_static(b"zero"), QoS::AtMostOnce)]);
        assert!(sim.recv().is_empty(), "{version:?}");
    }
}

/// MQTT-4.3.2-4 (3.1.1: MQTT-4.3.2-2): a QoS 1 message is delivered and answered
/// with PUBACK carrying its id; MQTT-4.3.2-5: after PUBACK the same id is a new
/// message, whatever its DUP flag.
#[test]
fn mqtt_4_3_2_4_incoming_qos1_answered_with_puback() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        sim.send(server_publish("a/b", b"one", QosPid::AtLeastOnce(pid(9))));
        let events = sim.take_events();
        let [Event::Message(m)] = events.as_slice() else { panic!("{version:?}: {events:?}") };
        assert_eq!((m.qos, m.packet_id, m.dup), (QoS::AtLeastOnce, Some(pid(9)), false));
        assert!(matches!(sim.recv().as_slice(), [Packet::PubAck(a)] if a.packet_id == pid(9)));
        let Packet::Publish(mut again) = server_publish("a/b", b"again", QosPid::AtLeastOnce(pid(9))) else {
            unreachable!()
        };
        again.dup = true;
        sim.send(Packet::Publish(again));
        assert_eq!(messages(&sim.take_events()).len(), 1, "{version:?}: delivered as a new message");
        assert!(matches!(sim.recv().as_slice(), [Packet::PubAck(a)] if a.packet_id == pid(9)));
    }
}

/// MQTT-4.3.3-8, MQTT-4.3.3-11 (3.1.1: MQTT-4.3.3-2): a QoS 2 message is
/// delivered on PUBLISH and answered with PUBREC; PUBREL is answered with
/// PUBCOMP; nothing is delivered again.
#[test]
fn mqtt_4_3_3_8_incoming_qos2_pubrec_pubrel_pubcomp() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        sim.send(server_publish("a/b", b"two", QosPid::ExactlyOnce(pid(3))));
        assert_eq!(messages(&sim.take_events()), [("a/b".into(), Bytes::from_static(b"two"), QoS::ExactlyOnce)]);
        assert!(matches!(sim.recv().as_slice(), [Packet::PubRec(a)] if a.packet_id == pid(3)), "{version:?}");
        sim.send(pubrel(3));
        let sent = sim.recv();
        assert!(
            matches!(sent.as_slice(), [Packet::PubComp(a)] if a.packet_id == pid(3) && a.reason_code == ReasonCode::Success),
            "{version:?}: {sent:?}"
        );
        assert!(sim.take_events().is_empty(), "{version:?}: delivered once, on PUBLISH");
    }
}

/// MQTT-4.3.3-10 (3.1.1: MQTT-4.3.3-2): until PUBREL, a retransmitted PUBLISH
/// with the same id (DUP set) is acknowledged with PUBREC again and not delivered
/// again.
#[test]
fn mqtt_4_3_3_10_qos2_retransmission_before_pubrel_acknowledged_not_delivered_again() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        sim.send(server_publish("a/b", b"once", QosPid::ExactlyOnce(pid(5))));
        assert_eq!(messages(&sim.take_events()).len(), 1);
        assert!(matches!(sim.recv().as_slice(), [Packet::PubRec(a)] if a.packet_id == pid(5)));
        for _ in 0..2 {
            let Packet::Publish(mut dup) = server_publish("a/b", b"once", QosPid::ExactlyOnce(pid(5))) else {
                unreachable!()
            };
            dup.dup = true;
            sim.send(Packet::Publish(dup));
            assert!(sim.take_events().is_empty(), "{version:?}: not delivered twice");
            assert!(matches!(sim.recv().as_slice(), [Packet::PubRec(a)] if a.packet_id == pid(5)), "{version:?}");
        }
        sim.send(pubrel(5));
        assert!(matches!(sim.recv().as_slice(), [Packet::PubComp(a)] if a.packet_id == pid(5)));
    }
}

/// MQTT-4.3.3-12 (3.1.1: MQTT-4.3.3-2): after PUBCOMP, a PUBLISH with the same id
/// is a new message.
#[test]
fn mqtt_4_3_3_12_after_pubrel_same_id_is_new_message() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        sim.send(server_publish("a/b", b"first", QosPid::ExactlyOnce(pid(5))));
        sim.send(pubrel(5));
        sim.recv();
        sim.take_events();
        sim.send(server_publish("a/b", b"second", QosPid::ExactlyOnce(pid(5))));
        assert_eq!(
            messages(&sim.take_events()),
            [("a/b".into(), Bytes::from_static(b"second"), QoS::ExactlyOnce)],
            "{version:?}"
        );
        assert!(matches!(sim.recv().as_slice(), [Packet::PubRec(a)] if a.packet_id == pid(5)));
    }
}

/// MQTT-4.3.3-11: a PUBREL is always answered with PUBCOMP; for an id we do not
/// hold, MQTT 5 says 0x92 Packet Identifier not found (3.x has no reason codes).
#[test]
fn mqtt_4_3_3_11_pubrel_for_unknown_id_answered_with_pubcomp() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        sim.send(pubrel(42));
        let sent = sim.recv();
        let [Packet::PubComp(a)] = sent.as_slice() else { panic!("{version:?}: {sent:?}") };
        assert_eq!(a.packet_id, pid(42));
        let expected = if version.is_v5() { ReasonCode::PacketIdentifierNotFound } else { ReasonCode::Success };
        assert_eq!(a.reason_code, expected, "{version:?}");
        assert!(sim.client.is_connected());
        assert!(sim.take_events().is_empty());
    }
}

/// MQTT-3.3.4-9: the server must not exceed our Receive Maximum; a QoS 1 or 2
/// publish beyond it closes the connection with DISCONNECT 0x93.
#[test]
fn mqtt_3_3_4_9_receive_maximum_exceeded_disconnects_0x93() {
    for third in [QosPid::AtLeastOnce(pid(3)), QosPid::ExactlyOnce(pid(3))] {
        let mut options = options(ProtocolVersion::V5).with_manual_acks(true);
        options.properties.receive_maximum = NonZeroU16::new(2);
        let mut sim = Sim::connected_with(options, connack_ok(false));
        sim.send(server_publish("t", b"1", QosPid::AtLeastOnce(pid(1))));
        sim.send(server_publish("t", b"2", QosPid::ExactlyOnce(pid(2))));
        assert_eq!(messages(&sim.take_events()).len(), 2);
        assert!(sim.recv().is_empty(), "manual acks: nothing acknowledged yet");
        sim.send(server_publish("t", b"3", third));
        let sent = sim.recv();
        assert!(
            matches!(sent.as_slice(), [Packet::Disconnect(d)] if d.reason_code == ReasonCode::ReceiveMaximumExceeded),
            "{sent:?}"
        );
        let (before, reason) = sim.take_closed();
        assert!(before.is_empty(), "the excess message is not delivered: {before:?}");
        assert_eq!(reason, CloseReason::ProtocolError(ProtocolViolation::ReceiveMaximumExceeded));
    }
}

/// Our Receive Maximum counts messages not yet acknowledged: acknowledging one
/// (PUBACK sent) makes room, and QoS 0 never counts.
#[test]
fn receive_maximum_quota_refills_on_acknowledgement() {
    let mut options = options(ProtocolVersion::V5).with_manual_acks(true);
    options.properties.receive_maximum = NonZeroU16::new(1);
    let mut sim = Sim::connected_with(options, connack_ok(false));
    sim.send(server_publish("t", b"1", QosPid::AtLeastOnce(pid(1))));
    sim.send(server_publish("t", b"zero", QosPid::AtMostOnce));
    sim.client.ack(pid(1)).unwrap();
    assert!(matches!(sim.recv().as_slice(), [Packet::PubAck(_)]));
    sim.send(server_publish("t", b"2", QosPid::ExactlyOnce(pid(2))));
    sim.client.ack(pid(2)).unwrap();
    assert!(matches!(sim.recv().as_slice(), [Packet::PubRec(_)]));
    // Still counted until PUBCOMP.
    sim.send(server_publish("t", b"3", QosPid::AtLeastOnce(pid(3))));
    assert!(
        matches!(sim.recv().as_slice(), [Packet::Disconnect(d)] if d.reason_code == ReasonCode::ReceiveMaximumExceeded)
    );
}

/// MQTT 3.x has no Receive Maximum: many unacknowledged messages are fine.
#[test]
fn v3_has_no_receive_maximum() {
    for version in [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1] {
        let mut sim = Sim::connected_with(options(version).with_manual_acks(true), connack_ok(false));
        for id in 1..=100 {
            sim.send(server_publish("t", b"m", QosPid::AtLeastOnce(pid(id))));
        }
        assert_eq!(messages(&sim.take_events()).len(), 100);
        assert!(sim.client.is_connected());
    }
}

// ---- Manual acknowledgements ----

/// Options::manual_acks: no PUBACK or PUBREC until `ack(id)`.
#[test]
fn manual_acks_hold_acknowledgement_until_ack() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected_with(options(version).with_manual_acks(true), connack_ok(false));
        sim.send(server_publish("t", b"1", QosPid::AtLeastOnce(pid(1))));
        sim.send(server_publish("t", b"2", QosPid::ExactlyOnce(pid(2))));
        let events = sim.take_events();
        let ids: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                Event::Message(m) => m.packet_id,
                _ => None,
            })
            .collect();
        assert_eq!(ids, [pid(1), pid(2)], "Message carries the id to ack");
        assert!(sim.recv().is_empty(), "{version:?}: nothing acknowledged yet");
        sim.client.ack(pid(1)).unwrap();
        assert!(matches!(sim.recv().as_slice(), [Packet::PubAck(a)] if a.packet_id == pid(1)));
        sim.client.ack(pid(2)).unwrap();
        assert!(matches!(sim.recv().as_slice(), [Packet::PubRec(a)] if a.packet_id == pid(2)));
        sim.send(pubrel(2));
        assert!(matches!(sim.recv().as_slice(), [Packet::PubComp(a)] if a.packet_id == pid(2)));
    }
}

/// MQTT-4.6.0-2: PUBACKs go out in the order the messages arrived, even when the
/// application acknowledges them out of order.
#[test]
fn mqtt_4_6_0_2_pubacks_in_arrival_order_when_acked_out_of_order() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected_with(options(version).with_manual_acks(true), connack_ok(false));
        for id in [10, 11, 12] {
            sim.send(server_publish("t", b"m", QosPid::AtLeastOnce(pid(id))));
        }
        sim.client.ack(pid(12)).unwrap();
        sim.client.ack(pid(11)).unwrap();
        assert!(sim.recv().is_empty(), "{version:?}: held behind message 10");
        sim.client.ack(pid(10)).unwrap();
        let order: Vec<u16> = sim
            .recv()
            .iter()
            .map(|p| match p {
                Packet::PubAck(a) => a.packet_id.get(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(order, [10, 11, 12], "{version:?}");
    }
}

/// MQTT-4.6.0-3: PUBRECs go out in the order the messages arrived.
#[test]
fn mqtt_4_6_0_3_pubrecs_in_arrival_order_when_acked_out_of_order() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected_with(options(version).with_manual_acks(true), connack_ok(false));
        for id in [20, 21, 22] {
            sim.send(server_publish("t", b"m", QosPid::ExactlyOnce(pid(id))));
        }
        sim.client.ack(pid(22)).unwrap();
        assert!(sim.recv().is_empty());
        sim.client.ack(pid(20)).unwrap();
        assert!(matches!(sim.recv().as_slice(), [Packet::PubRec(a)] if a.packet_id == pid(20)));
        sim.client.ack(pid(21)).unwrap();
        let order: Vec<u16> = sim
            .recv()
            .iter()
            .map(|p| match p {
                Packet::PubRec(a) => a.packet_id.get(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(order, [21, 22], "{version:?}");
    }
}

/// A retransmitted QoS 2 PUBLISH that the application has not acknowledged yet
/// gets no early PUBREC and is not delivered again; the PUBREC follows `ack`.
#[test]
fn manual_ack_qos2_retransmission_before_ack_waits() {
    let mut sim = Sim::connected_with(options(ProtocolVersion::V5).with_manual_acks(true), connack_ok(false));
    sim.send(server_publish("t", b"m", QosPid::ExactlyOnce(pid(4))));
    let Packet::Publish(mut dup) = server_publish("t", b"m", QosPid::ExactlyOnce(pid(4))) else { unreachable!() };
    dup.dup = true;
    sim.send(Packet::Publish(dup));
    assert_eq!(messages(&sim.take_events()).len(), 1);
    assert!(sim.recv().is_empty());
    sim.client.ack(pid(4)).unwrap();
    assert!(matches!(sim.recv().as_slice(), [Packet::PubRec(a)] if a.packet_id == pid(4)));
}

/// `ack` of an id no message awaits — never received, QoS 0, or already acked —
/// is UnknownPacketId; after close it is Closed.
#[test]
fn ack_of_unknown_id_is_unknown_packet_id() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected_with(options(version).with_manual_acks(true), connack_ok(false));
        assert_eq!(sim.client.ack(pid(1)), Err(CommandError::UnknownPacketId), "{version:?}");
        sim.send(server_publish("t", b"m", QosPid::AtLeastOnce(pid(1))));
        sim.client.ack(pid(1)).unwrap();
        assert_eq!(sim.client.ack(pid(1)), Err(CommandError::UnknownPacketId), "acked twice");
        assert_eq!(sim.recv().len(), 1, "one PUBACK");
        sim.client.disconnect();
        assert_eq!(sim.client.ack(pid(1)), Err(CommandError::Closed));
    }
}

/// Without manual acks, `ack` has nothing to acknowledge.
#[test]
fn ack_in_automatic_mode_is_unknown_packet_id() {
    let mut sim = Sim::connected(ProtocolVersion::V3_1_1);
    sim.send(server_publish("t", b"m", QosPid::AtLeastOnce(pid(1))));
    assert!(matches!(sim.recv().as_slice(), [Packet::PubAck(_)]));
    assert_eq!(sim.client.ack(pid(1)), Err(CommandError::UnknownPacketId));
}

/// A PUBACK or PUBREC for an exchange that is not a publish (a SUBSCRIBE id) does
/// not complete anything; the SUBACK still does.
#[test]
fn puback_for_subscribe_id_is_ignored() {
    let mut sim = Sim::connected(ProtocolVersion::V3_1_1);
    let sub = sim.client.subscribe([(filter("s"), Q1)], Default::default()).unwrap();
    sim.recv();
    sim.send(puback(sub.get()));
    assert!(sim.take_events().is_empty());
    sim.send(Packet::SubAck(SubAck {
        packet_id: sub,
        reason_codes: vec![ReasonCode::GrantedQoS1],
        properties: Default::default(),
    }));
    assert!(matches!(sim.take_events().as_slice(), [Event::Subscribed(s)] if s.packet_id == sub));
}
