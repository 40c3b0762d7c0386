//! Keep alive through the public API, with time as a value: PINGREQ after a
//! quiet keep alive period, the ping timeout, the MQTT 5 Server Keep Alive, and
//! `poll_timeout` / `handle_timeout` as a driver uses them.
//!
//! MQTT 3.1.1 numbers the PINGREQ rule MQTT-3.1.2-23; MQTT 5.0 numbers it
//! MQTT-3.1.2-20.

mod sim;

use core::time::Duration;

use bytes::Bytes;
use mqtt_proto::{
    CloseReason, ConnAckProperties, Disconnect, Event, Instant, Packet, ProtocolVersion, QoS, QosPid, ReasonCode,
};
use sim::*;

const V3: [ProtocolVersion; 2] = [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1];

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn at(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

/// Connected at time zero with `keep_alive` seconds and `ping_timeout`.
fn connected(version: ProtocolVersion, keep_alive: u16, ping_timeout: Duration) -> Sim {
    let mut opts = options(version).with_keep_alive(keep_alive);
    opts.ping_timeout = ping_timeout;
    Sim::connected_with(opts, connack_ok(false))
}

/// Calls `handle_timeout` at `ms` (whatever `poll_timeout` says) and drains.
fn timeout_at(sim: &mut Sim, ms: u64) {
    sim.now = at(ms);
    sim.client.handle_timeout(sim.now);
    sim.drain();
}

fn is_pingreq(sent: &[Packet]) -> bool {
    matches!(sent, [Packet::PingReq])
}

/// The PINGREQ rule for one version: not a millisecond early, exactly at the
/// keep alive, and again one keep alive after the last thing sent.
fn pingreq_after_keep_alive(version: ProtocolVersion) {
    let mut sim = connected(version, 10, secs(5));
    assert_eq!(sim.client.poll_timeout(), Some(at(10_000)), "{version}");
    timeout_at(&mut sim, 9_999);
    assert_eq!(sim.recv(), [], "{version}: not before the keep alive");
    timeout_at(&mut sim, 10_000);
    assert!(is_pingreq(&sim.recv()), "{version}: PINGREQ at the keep alive");
    assert_eq!(sim.client.poll_timeout(), Some(at(15_000)), "{version}: now the ping timeout");
    sim.now = at(10_500);
    sim.send(Packet::PingResp);
    assert!(sim.take_events().is_empty());
    assert_eq!(sim.client.poll_timeout(), Some(at(20_000)), "{version}: one keep alive after the PINGREQ");
    timeout_at(&mut sim, 20_000);
    assert!(is_pingreq(&sim.recv()), "{version}");
    assert!(sim.client.is_connected());
}

#[test]
fn mqtt_3_1_2_23_pingreq_after_keep_alive() {
    for version in V3 {
        pingreq_after_keep_alive(version);
    }
}

#[test]
fn mqtt_3_1_2_20_v5_pingreq_after_keep_alive() {
    pingreq_after_keep_alive(ProtocolVersion::V5);
}

#[test]
fn keep_alive_counts_from_the_connect_not_from_the_connack() {
    // The keep alive is the longest the client may stay silent: the CONNECT at
    // t=0 counts, so a CONNACK at t=4 s does not push the PINGREQ to t=14 s.
    for version in ALL_VERSIONS {
        let mut sim = Sim::new(options(version).with_keep_alive(10));
        sim.recv_connect();
        sim.now = at(4_000);
        sim.send(connack_ok(false));
        assert!(matches!(sim.take_events().as_slice(), [Event::Connected(_)]));
        assert_eq!(sim.client.poll_timeout(), Some(at(10_000)), "{version}");
    }
}

#[test]
fn sending_anything_resets_the_keep_alive() {
    for version in ALL_VERSIONS {
        let mut sim = connected(version, 10, secs(5));
        // A publish at t=6 s moves the PINGREQ to t=16 s.
        sim.now = at(6_000);
        sim.client.publish(topic("t"), Bytes::from_static(b"x"), QoS::AtMostOnce, false).unwrap();
        assert_eq!(sim.recv().len(), 1);
        assert_eq!(sim.client.poll_timeout(), Some(at(16_000)), "{version}");
        timeout_at(&mut sim, 10_000);
        assert_eq!(sim.recv(), [], "{version}: the publish counted");
        // An acknowledgement the client sends counts too.
        sim.now = at(12_000);
        sim.send(server_publish("t", b"y", QosPid::AtLeastOnce(pid(3))));
        assert!(matches!(sim.recv().as_slice(), [Packet::PubAck(_)]));
        assert_eq!(sim.client.poll_timeout(), Some(at(22_000)), "{version}");
        timeout_at(&mut sim, 22_000);
        assert!(is_pingreq(&sim.recv()), "{version}");
    }
}

#[test]
fn receiving_does_not_delay_the_pingreq() {
    // Keep alive is about what the client sends: a busy server does not keep
    // the client's side of the connection alive.
    for version in ALL_VERSIONS {
        let mut sim = connected(version, 10, secs(5));
        for ms in [2_000, 5_000, 9_000] {
            sim.now = at(ms);
            sim.send(server_publish("t", b"q0", QosPid::AtMostOnce));
            sim.send(Packet::PingResp); // unsolicited: ignored
        }
        assert_eq!(sim.take_events().len(), 3);
        assert_eq!(sim.client.poll_timeout(), Some(at(10_000)), "{version}");
        timeout_at(&mut sim, 10_000);
        assert!(is_pingreq(&sim.recv()), "{version}");
    }
}

#[test]
fn mqtt_3_2_2_21_v5_server_keep_alive_replaces_ours() {
    for (ours, servers, first_ping) in [(60, 5, Some(5_000)), (10, 120, Some(120_000)), (60, 0, None)] {
        let mut opts = options(ProtocolVersion::V5).with_keep_alive(ours);
        opts.ping_timeout = secs(3);
        let props = ConnAckProperties { server_keep_alive: Some(servers), ..Default::default() };
        let mut sim = Sim::connected_with(opts, connack_props(props));
        assert_eq!(sim.client.server_limits().keep_alive, servers);
        assert_eq!(sim.client.poll_timeout(), first_ping.map(at), "ours {ours}, server's {servers}");
        timeout_at(&mut sim, 4_999);
        assert_eq!(sim.recv(), []);
        match first_ping {
            Some(ms) => {
                timeout_at(&mut sim, ms);
                assert!(is_pingreq(&sim.recv()), "ours {ours}, server's {servers}");
            }
            None => {
                timeout_at(&mut sim, 86_400_000);
                assert_eq!(sim.recv(), [], "Server Keep Alive 0 turns keep alive off");
            }
        }
    }
}

#[test]
fn missing_pingresp_closes_with_keep_alive_timeout() {
    for version in ALL_VERSIONS {
        let mut sim = connected(version, 10, secs(3));
        timeout_at(&mut sim, 10_000);
        assert!(is_pingreq(&sim.recv()));
        assert_eq!(sim.client.poll_timeout(), Some(at(13_000)), "{version}");
        timeout_at(&mut sim, 12_999);
        assert_eq!(sim.recv(), [], "{version}: not before the ping timeout");
        assert!(sim.take_events().is_empty());
        timeout_at(&mut sim, 13_000);
        let sent = sim.recv();
        if version.is_v5() {
            // 0x8D Keep Alive timeout is a server-only code (MQTT-3.14.2-1, table
            // 3-10): the client says Unspecified error.
            let expected = Disconnect { reason_code: ReasonCode::UnspecifiedError, properties: Default::default() };
            assert_eq!(sent, [Packet::Disconnect(expected)], "v5: DISCONNECT 0x80 first");
        } else {
            assert_eq!(sent, [], "{version}: no DISCONNECT for an error before MQTT 5");
        }
        assert_eq!(sim.take_closed(), (vec![], CloseReason::KeepAliveTimeout), "{version}");
        assert_eq!(sim.client.poll_timeout(), None);
        // A late PINGRESP and later deadlines change nothing.
        sim.send(Packet::PingResp);
        timeout_at(&mut sim, 100_000);
        assert_eq!(sim.recv(), []);
        assert!(sim.take_events().is_empty());
        assert_eq!(sim.bytes_after_closed, 0);
    }
}

#[test]
fn pingresp_clears_the_ping_timeout() {
    for version in ALL_VERSIONS {
        let mut sim = connected(version, 10, secs(3));
        timeout_at(&mut sim, 10_000);
        assert!(is_pingreq(&sim.recv()));
        sim.now = at(12_999);
        sim.send(Packet::PingResp);
        assert_eq!(sim.client.poll_timeout(), Some(at(20_000)), "{version}");
        timeout_at(&mut sim, 13_000);
        timeout_at(&mut sim, 19_999);
        assert_eq!(sim.recv(), []);
        assert!(sim.take_events().is_empty(), "{version}: no timeout after PINGRESP");
        assert!(sim.client.is_connected());
    }
}

#[test]
fn keep_alive_zero_sends_no_pingreq_and_sets_no_deadline() {
    for version in ALL_VERSIONS {
        let mut sim = connected(version, 0, secs(3));
        assert_eq!(sim.client.poll_timeout(), None, "{version}");
        sim.client.publish(topic("t"), Bytes::new(), QoS::AtMostOnce, false).unwrap();
        assert_eq!(sim.recv().len(), 1);
        assert_eq!(sim.client.poll_timeout(), None, "{version}");
        for ms in [1_000, 60_000, 86_400_000] {
            timeout_at(&mut sim, ms);
        }
        assert_eq!(sim.recv(), [], "{version}");
        assert!(sim.take_events().is_empty());
    }
}

#[test]
fn handle_timeout_early_or_twice_does_nothing_extra() {
    for version in ALL_VERSIONS {
        let mut sim = connected(version, 10, secs(3));
        for ms in [0, 1, 5_000, 9_999, 9_999] {
            timeout_at(&mut sim, ms);
        }
        assert_eq!(sim.recv(), [], "{version}: early calls are spurious");
        // Twice at the deadline, without draining in between: one PINGREQ.
        sim.now = at(10_000);
        sim.client.handle_timeout(sim.now);
        sim.client.handle_timeout(sim.now);
        assert!(is_pingreq(&sim.recv()), "{version}");
        // And again while the PINGRESP is awaited.
        timeout_at(&mut sim, 10_000);
        timeout_at(&mut sim, 11_000);
        assert_eq!(sim.recv(), [], "{version}");
        assert!(sim.take_events().is_empty());
        // Twice at the ping timeout: one Closed (Sim checks it is delivered once).
        sim.now = at(13_000);
        sim.client.handle_timeout(sim.now);
        sim.client.handle_timeout(sim.now);
        assert_eq!(sim.take_closed().1, CloseReason::KeepAliveTimeout);
        timeout_at(&mut sim, 13_000);
        assert!(sim.take_events().is_empty());
    }
}

#[test]
fn no_pingreq_before_connack() {
    // Before CONNACK the only deadline is the connect timeout, even with a
    // shorter keep alive.
    for version in ALL_VERSIONS {
        let mut opts = options(version).with_keep_alive(2);
        opts.connect_timeout = secs(30);
        let mut sim = Sim::new(opts);
        sim.recv_connect();
        assert_eq!(sim.client.poll_timeout(), Some(at(30_000)), "{version}");
        timeout_at(&mut sim, 2_000);
        timeout_at(&mut sim, 29_000);
        assert_eq!(sim.recv(), [], "{version}");
    }
}

#[test]
fn poll_timeout_is_the_earliest_deadline_when_the_ping_timeout_is_longer_than_the_keep_alive() {
    // Keep alive 4 s, ping timeout 10 s: while the first PINGREQ awaits its
    // answer, the client must still send something every 4 s (MQTT-3.1.2-23),
    // so the next deadline is t=8 s, not the ping timeout at t=14 s.
    for version in ALL_VERSIONS {
        let mut sim = connected(version, 4, secs(10));
        timeout_at(&mut sim, 4_000);
        assert!(is_pingreq(&sim.recv()));
        assert_eq!(sim.client.poll_timeout(), Some(at(8_000)), "{version}");
        timeout_at(&mut sim, 8_000);
        assert!(is_pingreq(&sim.recv()), "{version}: still nothing else sent");
        assert_eq!(sim.client.poll_timeout(), Some(at(12_000)), "{version}");
        timeout_at(&mut sim, 12_000);
        assert!(is_pingreq(&sim.recv()), "{version}");
        // The first PINGREQ's timeout is not moved by the later ones.
        assert_eq!(sim.client.poll_timeout(), Some(at(14_000)), "{version}");
        timeout_at(&mut sim, 14_000);
        let (_, reason) = sim.take_closed();
        assert_eq!(reason, CloseReason::KeepAliveTimeout, "{version}");
    }
}

/// A tiny deterministic generator for the scripted runs below.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
}

#[test]
fn poll_timeout_always_matches_a_model_of_the_pending_deadlines() {
    // A driver that sleeps until `poll_timeout`, against a model: the next
    // deadline is the earlier of one keep alive after the last thing sent and
    // the ping timeout of the oldest unanswered PINGREQ.
    for version in ALL_VERSIONS {
        for (keep_alive, ping_timeout) in [(5u64, 2u64), (5, 10), (1, 1), (7, 7)] {
            for seed in 0..20 {
                let mut rng = Lcg(seed);
                let mut sim = connected(version, keep_alive as u16, secs(ping_timeout));
                let mut last_sent = 0u64;
                let mut awaiting: Option<u64> = None;
                let mut now = 0u64;
                for step in 0..200 {
                    let expected = match awaiting {
                        Some(sent) => (sent + ping_timeout * 1_000).min(last_sent + keep_alive * 1_000),
                        None => last_sent + keep_alive * 1_000,
                    };
                    let ctx = format!("{version} ka={keep_alive} pt={ping_timeout} seed={seed} step={step}");
                    assert_eq!(sim.client.poll_timeout(), Some(at(expected)), "{ctx}");
                    match rng.next(4) {
                        // Sleep, waking at every deadline on the way.
                        0 => {
                            let target = now + rng.next(8_000);
                            while expected_at(&sim).is_some_and(|t| t <= target) {
                                now = expected_at(&sim).unwrap_or(target);
                                timeout_at(&mut sim, now);
                                if !sim.client.is_connected() {
                                    break;
                                }
                                assert!(is_pingreq(&sim.recv()), "{ctx}");
                                last_sent = now;
                                awaiting.get_or_insert(now);
                                let _ = sim.take_events();
                            }
                            now = now.max(target);
                            sim.now = at(now);
                        }
                        // The application publishes.
                        1 => {
                            sim.client.publish(topic("t"), Bytes::new(), QoS::AtMostOnce, false).unwrap();
                            assert_eq!(sim.recv().len(), 1);
                            last_sent = now;
                        }
                        // The server answers a PINGREQ.
                        2 if awaiting.is_some() => {
                            sim.send(Packet::PingResp);
                            awaiting = None;
                        }
                        // The server sends something else.
                        _ => {
                            sim.send(server_publish("t", b"", QosPid::AtMostOnce));
                            assert!(matches!(sim.take_events().as_slice(), [Event::Message(_)]));
                        }
                    }
                    if !sim.client.is_connected() {
                        let closed = awaiting.is_some_and(|a| now >= a + ping_timeout * 1_000);
                        assert!(closed, "closed only by the ping timeout: {ctx}");
                        assert_eq!(sim.take_closed().1, CloseReason::KeepAliveTimeout);
                        assert_eq!(sim.client.poll_timeout(), None);
                        break;
                    }
                }
            }
        }
    }
}

fn expected_at(sim: &Sim) -> Option<u64> {
    sim.client.poll_timeout().map(|t| t.as_duration().as_millis() as u64)
}
