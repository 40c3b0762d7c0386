//! The session across network connections: `into_session` and
//! `Connection::resume`, resending (MQTT 4.4), Clean Start, Session Present, and
//! incoming QoS 2 state.
//!
//! Statement numbers are MQTT 5.0's unless a test says otherwise; the 3.1.1
//! counterpart is named in the test's comment.

mod sim;

use core::num::NonZeroU16;

use bytes::Bytes;
use mqtt_proto::{
    CloseReason, CommandError, ConnAckProperties, Connection, Event, Packet, PacketId, ProtocolVersion,
    ProtocolViolation, QoS, QosPid, ReasonCode, SubAck,
};
use sim::*;

/// What the client sent, in a form that compares easily: PUBLISH as
/// ("PUBLISH", id, dup, topic, alias), PUBREL as ("PUBREL", id, ..).
#[derive(Debug, PartialEq, Eq)]
enum Sent {
    Publish { id: u16, dup: bool, topic: String, alias: Option<u16> },
    PubRel(u16),
}

fn sent(packets: &[Packet]) -> Vec<Sent> {
    packets
        .iter()
        .map(|p| match p {
            Packet::Publish(p) => Sent::Publish {
                id: p.qos.packet_id().map_or(0, |id| id.get()),
                dup: p.dup,
                topic: p.topic.as_str().to_owned(),
                alias: p.properties().and_then(|x| x.topic_alias).map(|a| a.get()),
            },
            Packet::PubRel(a) => Sent::PubRel(a.packet_id.get()),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

fn publish(id: PacketId, dup: bool, topic: &str) -> Sent {
    Sent::Publish { id: id.get(), dup, topic: topic.to_owned(), alias: None }
}

fn receive_maximum(n: u16) -> ConnAckProperties {
    ConnAckProperties { receive_maximum: NonZeroU16::new(n), ..Default::default() }
}

fn connected_event(events: &[Event]) -> bool {
    match events.first() {
        Some(Event::Connected(c)) => c.session_present,
        other => panic!("expected Connected first, got {other:?} in {events:?}"),
    }
}

/// MQTT-4.4.0-1 (3.1.1: MQTT-4.4.0-1), MQTT-3.3.1-1, MQTT-4.6.0-1: on a resumed
/// session (Clean Start 0, Session Present 1), unacknowledged PUBLISH packets are
/// resent with DUP set and their original ids, and PUBREL for those that got
/// PUBREC, in the original order. MQTT 3.1 has no Session Present flag: a server
/// keeps the session when Clean Session is 0.
#[test]
fn mqtt_4_4_0_1_resume_resends_unacked_publish_with_dup_and_pubrel_in_order() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        let a = sim.publish("a", b"1", Q1);
        let b = sim.publish("b", b"2", Q2);
        let c = sim.publish("c", b"3", Q2);
        let d = sim.publish("d", b"4", Q1);
        assert_eq!(sim.recv().len(), 4);
        sim.send(pubrec(b.get()));
        assert_eq!(sent(&sim.recv()), [Sent::PubRel(b.get())]);
        assert_eq!(sim.client.session().pending_ids().collect::<Vec<_>>(), [a, b, c, d]);

        let mut sim = sim.reconnect(options(version));
        let connect = sim.recv_connect();
        assert!(!connect.clean_start, "{version:?}: resume asks for the session (Clean Start 0)");
        assert!(sim.recv().is_empty(), "{version:?}: nothing is resent before CONNACK");
        sim.send(connack_ok(true));
        let events = sim.take_events();
        assert!(connected_event(&events), "{version:?}: session present");
        let resent = sim.recv();
        assert_eq!(
            sent(&resent),
            [publish(a, true, "a"), Sent::PubRel(b.get()), publish(c, true, "c"), publish(d, true, "d")],
            "{version:?}"
        );
        // Payloads and QoS are the original ones.
        let Packet::Publish(p) = &resent[2] else { unreachable!() };
        assert_eq!((p.qos, p.payload.as_ref()), (QosPid::ExactlyOnce(c), &b"3"[..]));

        sim.send(puback(a.get()));
        sim.send(pubcomp(b.get()));
        sim.send(pubrec(c.get()));
        assert_eq!(sent(&sim.recv()), [Sent::PubRel(c.get())]);
        sim.send(pubcomp(c.get()));
        sim.send(puback(d.get()));
        let done: Vec<u16> = published(&sim.take_events()).into_iter().map(|(id, _)| id).collect();
        assert_eq!(done, [a.get(), b.get(), c.get(), d.get()], "{version:?}");
        assert!(sim.client.session().is_empty());
    }
}

/// A PUBREC retransmitted by the server after the resume is answered with PUBREL
/// again, and the message completes once.
#[test]
fn duplicate_pubrec_after_resume_answered_with_pubrel() {
    let mut sim = Sim::connected(ProtocolVersion::V5);
    let id = sim.publish("t", b"m", Q2);
    sim.recv();
    let mut sim = sim.reconnect(options(ProtocolVersion::V5));
    sim.recv_connect();
    sim.send(connack_ok(true));
    sim.take_events();
    assert_eq!(sent(&sim.recv()), [publish(id, true, "t")]);
    sim.send(pubrec(id.get()));
    sim.send(pubrec(id.get()));
    assert_eq!(sent(&sim.recv()), [Sent::PubRel(id.get()), Sent::PubRel(id.get())]);
    sim.send(pubcomp(id.get()));
    assert_eq!(published(&sim.take_events()), [(id.get(), ReasonCode::Success)]);
}

/// MQTT-4.4.0-1 with MQTT-3.3.4-7: the resend goes through the window of the new
/// connection. When its Receive Maximum is smaller, only that many are resent at
/// first, the rest follow (in order, still with DUP) as acknowledgements arrive,
/// and new publishes wait behind them.
#[test]
fn mqtt_4_4_0_1_resend_goes_through_smaller_receive_maximum() {
    let mut sim = Sim::connected(ProtocolVersion::V5);
    let a = sim.publish("a", b"1", Q1);
    let b = sim.publish("b", b"2", Q2);
    let c = sim.publish("c", b"3", Q1);
    let d = sim.publish("d", b"4", Q1);
    assert_eq!(sim.recv().len(), 4);
    sim.send(pubrec(b.get()));
    sim.recv();
    let mut sim = sim.reconnect(options(ProtocolVersion::V5));
    sim.recv_connect();
    sim.send(connack_with(true, receive_maximum(2)));
    assert!(connected_event(&sim.take_events()));
    assert_eq!(sent(&sim.recv()), [publish(a, true, "a"), Sent::PubRel(b.get())], "two of four resent");
    assert_eq!(sim.client.session().inflight(), 4, "all four still belong to the session");
    let e = sim.publish("e", b"5", Q1);
    assert!(sim.recv().is_empty(), "a new publish waits behind the resend");
    sim.send(puback(a.get()));
    assert_eq!(sent(&sim.recv()), [publish(c, true, "c")]);
    sim.send(pubcomp(b.get()));
    assert_eq!(sent(&sim.recv()), [publish(d, true, "d")]);
    sim.send(puback(c.get()));
    assert_eq!(sent(&sim.recv()), [publish(e, false, "e")], "the new publish goes out without DUP");
    sim.send(puback(d.get()));
    sim.send(puback(e.get()));
    let done: Vec<u16> = published(&sim.take_events()).into_iter().map(|(id, _)| id).collect();
    assert_eq!(done, [a, b, c, d, e].map(PacketId::get));
}

/// MQTT-3.3.2-7: topic alias mappings do not outlive the network connection. A
/// PUBLISH sent with a topic alias on the old connection is resent with its full
/// topic, and without an alias when the new server allows none (MQTT-3.2.2-18).
#[test]
fn mqtt_3_3_2_7_resend_replaces_topic_alias_with_full_topic() {
    let mut options = options(ProtocolVersion::V5);
    options.topic_alias_outgoing = true;
    let aliases = ConnAckProperties { topic_alias_maximum: Some(5), ..Default::default() };
    let mut sim = Sim::connected_with(options.clone(), connack_props(aliases.clone()));
    let first = sim.publish("long/topic/name", b"1", Q1);
    let second = sim.publish("long/topic/name", b"2", Q2);
    let on_wire = sent(&sim.recv());
    assert_eq!(
        on_wire,
        [
            Sent::Publish { id: first.get(), dup: false, topic: "long/topic/name".into(), alias: Some(1) },
            Sent::Publish { id: second.get(), dup: false, topic: String::new(), alias: Some(1) },
        ],
        "the second used the alias alone"
    );

    // New server: no topic aliases.
    let mut resumed = sim.reconnect(options.clone());
    resumed.recv_connect();
    resumed.send(connack_with(true, ConnAckProperties::default()));
    resumed.take_events();
    assert_eq!(
        sent(&resumed.recv()),
        [publish(first, true, "long/topic/name"), publish(second, true, "long/topic/name")]
    );

    // New server with aliases: every resent PUBLISH names its topic or uses an
    // alias defined earlier on this connection.
    let mut resumed = resumed.reconnect(options);
    resumed.recv_connect();
    resumed.send(connack_with(true, aliases));
    resumed.take_events();
    let again = sent(&resumed.recv());
    assert_eq!(again.len(), 2);
    let Sent::Publish { topic, alias, dup: true, .. } = &again[0] else { panic!("{again:?}") };
    assert_eq!(topic, "long/topic/name", "the first resend carries the full topic: {again:?}");
    let defined = *alias;
    let Sent::Publish { topic, alias, dup: true, .. } = &again[1] else { panic!("{again:?}") };
    assert!(topic == "long/topic/name" || (topic.is_empty() && alias.is_some() && *alias == defined), "{again:?}");
}

/// Session Present 0 on a resume (the server lost the session): Connected with
/// session_present false, then the messages the server had acknowledged with
/// PUBREC are reported Published (it took ownership), and the messages it never
/// acknowledged are sent again as new messages (DUP 0; our documented choice:
/// nothing is lost). No PUBREL is sent for a session the server does not have.
/// Incoming QoS 2 state is dropped with it (MQTT-3.2.2-5).
#[test]
fn session_not_present_on_resume_resends_as_new_messages() {
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let mut sim = Sim::connected(version);
        let a = sim.publish("a", b"1", Q1);
        let b = sim.publish("b", b"2", Q2);
        let c = sim.publish("c", b"3", Q2);
        sim.recv();
        sim.send(pubrec(b.get()));
        sim.recv();
        sim.send(server_publish("in", b"held", QosPid::ExactlyOnce(pid(9))));
        sim.recv();

        let mut sim = sim.reconnect(options(version));
        sim.recv_connect();
        sim.send(connack_ok(false));
        let events = sim.take_events();
        assert!(!connected_event(&events), "{version:?}");
        assert_eq!(published(&events), [(b.get(), ReasonCode::Success)], "{version:?}: {events:?}");
        assert_eq!(sent(&sim.recv()), [publish(a, false, "a"), publish(c, false, "c")], "{version:?}");
        sim.send(puback(a.get()));
        sim.send(pubrec(c.get()));
        assert_eq!(sent(&sim.recv()), [Sent::PubRel(c.get())]);
        sim.send(pubcomp(c.get()));
        assert_eq!(published(&sim.take_events()), [(a.get(), ReasonCode::Success), (c.get(), ReasonCode::Success)]);
        // The held incoming id is new again.
        sim.send(server_publish("in", b"new", QosPid::ExactlyOnce(pid(9))));
        let events = sim.take_events();
        assert!(matches!(events.as_slice(), [Event::Message(m)] if m.payload == "new"), "{version:?}: {events:?}");
    }
}

/// Clean Start applies to the first connection only by default; a resumed
/// connection asks for the session (Clean Start 0). Options::clean_start and
/// Options::clean_start_on_resume change either.
#[test]
fn clean_start_applies_to_first_connection_only_by_default() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::new(options(version));
        assert!(sim.recv_connect().clean_start, "{version:?}: first connection");
        sim.send(connack_ok(false));
        let mut sim = sim.reconnect(options(version));
        assert!(!sim.recv_connect().clean_start, "{version:?}: resumed connection");

        let mut sim = Sim::new(options(version).with_clean_start(false));
        assert!(!sim.recv_connect().clean_start, "{version:?}: clean_start false");
        let mut resume = options(version);
        resume.clean_start_on_resume = true;
        sim.send(connack_ok(false));
        let mut sim = sim.reconnect(resume);
        assert!(sim.recv_connect().clean_start, "{version:?}: clean_start_on_resume true");
    }
}

/// Options::clean_start_on_resume: the server starts a new session, so messages
/// not yet acknowledged go out as new ones; a Session Present 1 answer to Clean
/// Start 1 is a protocol error (MQTT-3.2.2-4).
#[test]
fn clean_start_on_resume_sends_pending_as_new_messages() {
    let mut resume = options(ProtocolVersion::V5);
    resume.clean_start_on_resume = true;

    let mut sim = Sim::connected(ProtocolVersion::V5);
    let a = sim.publish("a", b"1", Q1);
    sim.recv();
    let mut sim = sim.reconnect(resume.clone());
    assert!(sim.recv_connect().clean_start);
    sim.send(connack_ok(false));
    assert!(!connected_event(&sim.take_events()));
    assert_eq!(sent(&sim.recv()), [publish(a, false, "a")]);

    let mut sim = sim.reconnect(resume);
    sim.recv_connect();
    sim.send(connack_ok(true));
    let sent_after = sim.recv();
    assert!(
        matches!(sent_after.as_slice(), [Packet::Disconnect(d)] if d.reason_code == ReasonCode::ProtocolError),
        "nothing resent, DISCONNECT 0x82: {sent_after:?}"
    );
    let (before, reason) = sim.take_closed();
    assert!(before.is_empty());
    assert_eq!(reason, CloseReason::ProtocolError(ProtocolViolation::SessionPresentOnCleanStart));
    assert_eq!(sim.client.session().inflight(), 1, "the message is still in the session");
}

/// MQTT-4.3.3-10 across connections: the ids of incoming QoS 2 messages awaiting
/// PUBREL are session state (MQTT 4.1), so a PUBLISH the server retransmits
/// after the resume is acknowledged with PUBREC and not delivered again; PUBREL
/// then completes it, after which the id is new (MQTT-4.3.3-12).
#[test]
fn mqtt_4_3_3_10_incoming_qos2_deduplicated_across_resume() {
    for version in ALL_VERSIONS {
        let mut sim = Sim::connected(version);
        sim.send(server_publish("t", b"once", QosPid::ExactlyOnce(pid(7))));
        assert_eq!(sim.take_events().len(), 1);
        assert!(matches!(sim.recv().as_slice(), [Packet::PubRec(_)]));

        let mut sim = sim.reconnect(options(version));
        sim.recv_connect();
        sim.send(connack_ok(true));
        sim.take_events();
        let Packet::Publish(mut again) = server_publish("t", b"once", QosPid::ExactlyOnce(pid(7))) else {
            unreachable!()
        };
        again.dup = true;
        sim.send(Packet::Publish(again));
        assert!(sim.take_events().is_empty(), "{version:?}: not delivered twice");
        assert!(matches!(sim.recv().as_slice(), [Packet::PubRec(a)] if a.packet_id == pid(7)), "{version:?}");
        sim.send(pubrel(7));
        let comp = sim.recv();
        assert!(
            matches!(comp.as_slice(), [Packet::PubComp(a)] if a.reason_code == ReasonCode::Success),
            "{version:?}: {comp:?}"
        );
        sim.send(server_publish("t", b"next", QosPid::ExactlyOnce(pid(7))));
        assert_eq!(sim.take_events().len(), 1, "{version:?}");
    }
}

/// A PUBREL the server resends after the resume for a message we held is
/// answered with PUBCOMP (MQTT-4.4.0-1 on the server's side).
#[test]
fn pubrel_resent_by_server_after_resume_completes_held_message() {
    let mut sim = Sim::connected(ProtocolVersion::V5);
    sim.send(server_publish("t", b"m", QosPid::ExactlyOnce(pid(3))));
    sim.recv();
    let mut sim = sim.reconnect(options(ProtocolVersion::V5));
    sim.recv_connect();
    sim.send(connack_ok(true));
    sim.send(pubrel(3));
    let comp = sim.recv();
    assert!(matches!(comp.as_slice(), [Packet::PubComp(a)] if a.reason_code == ReasonCode::Success), "{comp:?}");
}

/// QoS 1 and 2 publishes made while the connection is closed are kept in the
/// session and sent after the resume's CONNACK, after any resend and before
/// publishes made on the new connection; QoS 0 cannot wait (Closed).
#[test]
fn publishes_made_while_closed_are_sent_after_resume() {
    for (version, session_present) in
        [(ProtocolVersion::V3_1_1, true), (ProtocolVersion::V3_1_1, false), (ProtocolVersion::V5, true)]
    {
        let mut sim = Sim::connected(version);
        let old = sim.publish("old", b"0", Q1);
        sim.recv();
        sim.eof();
        assert_eq!(
            sim.client.publish(topic("q0"), Bytes::from_static(b"x"), QoS::AtMostOnce, false),
            Err(CommandError::Closed)
        );
        let a = sim.publish("a", b"1", Q1);
        let b = sim.publish("b", b"2", Q2);
        assert_ne!(a, old);
        assert_eq!(sim.client.session().queued(), 2);
        let now = sim.now;
        let client = Connection::resume(options(version), sim.client.into_session(), now).unwrap();
        let mut sim = Sim::with_client(client, version, now);
        sim.recv_connect();
        let c = sim.publish("c", b"3", Q1);
        sim.send(connack_ok(session_present));
        sim.take_events();
        assert_eq!(
            sent(&sim.recv()),
            [
                publish(old, session_present, "old"),
                publish(a, false, "a"),
                publish(b, false, "b"),
                publish(c, false, "c")
            ],
            "{version:?} session present {session_present}"
        );
    }
}

/// MQTT-4.4.0-1 resends only PUBLISH and PUBREL: a SUBSCRIBE unanswered when the
/// connection ended is not resent, and a late SUBACK for it is ignored.
#[test]
fn mqtt_4_4_0_1_subscribe_is_not_resent_on_resume() {
    let mut sim = Sim::connected(ProtocolVersion::V3_1_1);
    let sub = sim.client.subscribe([(filter("a"), Q1)], Default::default()).unwrap();
    sim.recv();
    let mut sim = sim.reconnect(options(ProtocolVersion::V3_1_1));
    sim.recv_connect();
    sim.send(connack_ok(true));
    assert!(connected_event(&sim.take_events()));
    assert!(sim.recv().is_empty(), "nothing resent");
    sim.send(Packet::SubAck(SubAck {
        packet_id: sub,
        reason_codes: vec![ReasonCode::GrantedQoS1],
        properties: Default::default(),
    }));
    assert!(sim.take_events().is_empty());
    assert!(sim.client.is_connected());
}

/// The Session getters follow the session through connections.
#[test]
fn session_reports_inflight_queued_and_pending_ids() {
    let mut sim = Sim::connected_with(options(ProtocolVersion::V5).with_max_inflight(2), connack_ok(false));
    assert!(sim.client.session().is_empty());
    let ids: Vec<_> = (0..3).map(|_| sim.publish("t", b"m", Q1)).collect();
    sim.recv();
    let session = sim.client.session();
    assert_eq!((session.inflight(), session.queued()), (2, 1));
    assert_eq!(session.pending_ids().collect::<Vec<_>>(), ids);
    sim.send(server_publish("t", b"m", QosPid::ExactlyOnce(pid(1))));
    let mut sim = sim.reconnect(options(ProtocolVersion::V5).with_max_inflight(2));
    let session = sim.client.session();
    assert_eq!((session.inflight(), session.queued()), (2, 1));
    assert!(!session.is_empty());
    sim.recv_connect();
    sim.send(connack_ok(true));
    sim.take_events();
    assert_eq!(sent(&sim.recv()), [publish(ids[0], true, "t"), publish(ids[1], true, "t")]);
}
