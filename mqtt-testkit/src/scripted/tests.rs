//! The scripted broker against a raw-socket "client" that writes encoded packets.

use std::io::{Read, Write};

use bytes::{Bytes, BytesMut};
use mqtt_proto::{
    Codec, Connect, MqttStr, Packet, ProtocolVersion, QoS, QosPid, SubAck, Subscribe, Subscription, UnsubAck,
    Unsubscribe,
};

use super::*;
use crate::packets::{filter, pid, publish};

const SHORT: Duration = Duration::from_millis(50);

/// A raw client: a socket and the codec it speaks.
struct Client {
    stream: TcpStream,
    codec: Codec,
    rx: BytesMut,
}

impl Client {
    fn connect(broker: &ScriptedBroker, version: ProtocolVersion) -> Self {
        let stream = TcpStream::connect(broker.addr()).unwrap();
        stream.set_read_timeout(Some(DEFAULT_TIMEOUT)).unwrap();
        Self { stream, codec: Codec::new(version), rx: BytesMut::new() }
    }

    fn send(&mut self, packet: &Packet) {
        let mut buf = BytesMut::new();
        self.codec.encode(packet, &mut buf).unwrap();
        self.stream.write_all(&buf).unwrap();
    }

    fn send_connect(&mut self) {
        let connect = Connect::new(self.codec.version(), MqttStr::try_from("c").unwrap());
        self.send(&Packet::from(connect));
    }

    fn recv(&mut self) -> Packet {
        loop {
            if let Some(p) = self.codec.decode(&mut self.rx).unwrap() {
                return p;
            }
            let mut buf = [0u8; 1024];
            let n = self.stream.read(&mut buf).unwrap();
            assert!(n > 0, "broker closed");
            self.rx.extend_from_slice(&buf[..n]);
        }
    }

    fn read_eof(&mut self) -> bool {
        let mut buf = [0u8; 16];
        matches!(self.stream.read(&mut buf), Ok(0))
    }
}

/// A broker, a connected client of `version`, and its accepted `Conn` after
/// the CONNECT/CONNACK exchange.
fn connected(version: ProtocolVersion) -> (ScriptedBroker, Client, Conn) {
    let broker = ScriptedBroker::start();
    let mut client = Client::connect(&broker, version);
    client.send_connect();
    let mut conn = broker.accept(DEFAULT_TIMEOUT);
    let connect = conn.accept_connect(false);
    assert_eq!(connect.protocol, version);
    assert!(matches!(client.recv(), Packet::ConnAck(_)));
    (broker, client, conn)
}

#[test]
fn connect_sets_the_version_for_every_protocol() {
    for version in [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let broker = ScriptedBroker::start();
        let mut client = Client::connect(&broker, version);
        client.send_connect();
        let mut conn = broker.accept(DEFAULT_TIMEOUT);
        let connect = conn.expect_connect();
        assert_eq!((connect.protocol, conn.version()), (version, version));
        conn.send_connack(false, ReasonCode::Success);
        let expected: &[u8] = if version.is_v5() { &[0x20, 0x03, 0x00, 0x00, 0x00] } else { &[0x20, 0x02, 0x00, 0x00] };
        let mut got = vec![0u8; expected.len()];
        client.stream.read_exact(&mut got).unwrap();
        assert_eq!(got, expected, "{version}");
    }
}

#[test]
fn ack_subscribe_grants_the_requested_qos() {
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let (_broker, mut client, mut conn) = connected(version);
        let subs: Vec<Subscription> =
            vec![(filter("a/#"), QoS::AtLeastOnce).into(), (filter("b"), QoS::ExactlyOnce).into()];
        client.send(&Packet::Subscribe(Subscribe {
            packet_id: pid(9),
            subscriptions: subs.into(),
            properties: Default::default(),
        }));
        let subscribe = conn.ack_subscribe();
        assert_eq!(subscribe.subscriptions.len(), 2);
        let Packet::SubAck(SubAck { packet_id, reason_codes, .. }) = client.recv() else { panic!("not a SUBACK") };
        assert_eq!(packet_id.get(), 9);
        assert_eq!(reason_codes, [ReasonCode::GrantedQoS1, ReasonCode::GrantedQoS2]);
    }
}

#[test]
fn ack_unsubscribe_follows_the_version() {
    for (version, codes) in [(ProtocolVersion::V3_1_1, 0), (ProtocolVersion::V5, 2)] {
        let (_broker, mut client, mut conn) = connected(version);
        client.send(&Packet::Unsubscribe(Unsubscribe {
            packet_id: pid(3),
            filters: vec![filter("a"), filter("b")].into(),
            properties: Default::default(),
        }));
        let _ = conn.ack_unsubscribe();
        let Packet::UnsubAck(UnsubAck { packet_id, reason_codes, .. }) = client.recv() else { panic!("not UNSUBACK") };
        assert_eq!((packet_id.get(), reason_codes.len()), (3, codes), "{version}");
    }
}

#[test]
fn publish_both_ways() {
    let (_broker, mut client, mut conn) = connected(ProtocolVersion::V5);
    client.send(&publish("t", b"up", QoS::AtLeastOnce, 1));
    let up = conn.expect_publish();
    assert_eq!((up.topic.as_str(), &up.payload[..], up.qos), ("t", &b"up"[..], QosPid::AtLeastOnce(pid(1))));
    conn.send(&packets::puback(1));
    assert_eq!(client.recv(), packets::puback(1));
    conn.send(&publish("t", b"down", QoS::AtMostOnce, 0));
    let Packet::Publish(down) = client.recv() else { panic!("not a PUBLISH") };
    assert_eq!(down.payload, Bytes::from_static(b"down"));
}

#[test]
fn raw_bytes_both_ways() {
    let (_broker, mut client, mut conn) = connected(ProtocolVersion::V3_1_1);
    client.stream.write_all(&[0xC0, 0x00, 0xE0]).unwrap();
    conn.expect_bytes_eq(&[0xC0, 0x00], DEFAULT_TIMEOUT);
    assert_eq!(conn.expect_bytes(DEFAULT_TIMEOUT), [0xE0]);
    conn.send_raw(&[0xD0]);
    conn.send_raw(&[0x00]);
    assert_eq!(client.recv(), Packet::PingResp);
}

#[test]
fn a_packet_split_across_writes_is_reassembled() {
    let (_broker, mut client, mut conn) = connected(ProtocolVersion::V3_1_1);
    client.stream.write_all(&[0xC0]).unwrap();
    let err = conn.try_packet(SHORT).unwrap_err();
    assert!(matches!(&err, ConnError::TimedOut { partial, .. } if partial == &[0xC0]), "{err}");
    client.stream.write_all(&[0x00]).unwrap();
    assert_eq!(conn.expect_packet(DEFAULT_TIMEOUT), Packet::PingReq);
}

#[test]
fn malformed_bytes_are_a_decode_error() {
    let (_broker, mut client, mut conn) = connected(ProtocolVersion::V3_1_1);
    client.stream.write_all(&[0x00, 0x00]).unwrap(); // reserved packet type 0
    let err = conn.try_packet(DEFAULT_TIMEOUT).unwrap_err();
    assert!(matches!(&err, ConnError::Decode { bytes, .. } if bytes == &[0x00, 0x00]), "{err}");
}

#[test]
fn close_is_reported_with_partial_bytes() {
    let (_broker, mut client, mut conn) = connected(ProtocolVersion::V3_1_1);
    client.stream.write_all(&[0x30, 0x05]).unwrap();
    drop(client);
    let err = conn.try_packet(DEFAULT_TIMEOUT).unwrap_err();
    assert!(matches!(&err, ConnError::Closed { partial } if partial == &[0x30, 0x05]), "{err}");
    assert!(conn.is_closed());
}

#[test]
fn expect_closed_and_is_closed() {
    let (_broker, client, mut conn) = connected(ProtocolVersion::V3_1_1);
    assert!(!conn.is_closed());
    drop(client);
    conn.expect_closed(DEFAULT_TIMEOUT);
    assert!(conn.is_closed());
}

#[test]
fn is_closed_keeps_bytes_that_arrived() {
    let (_broker, mut client, mut conn) = connected(ProtocolVersion::V3_1_1);
    client.stream.write_all(&[0xC0, 0x00]).unwrap();
    // Wait for the bytes to be readable without consuming them.
    assert_eq!(conn.stream().peek(&mut [0u8; 2]).unwrap(), 2);
    assert!(!conn.is_closed());
    assert_eq!(conn.expect_packet(DEFAULT_TIMEOUT), Packet::PingReq);
}

#[test]
#[should_panic(expected = "to close the connection, but it sent PingReq")]
fn expect_closed_panics_on_a_packet() {
    let (_broker, mut client, mut conn) = connected(ProtocolVersion::V3_1_1);
    client.stream.write_all(&[0xC0, 0x00]).unwrap();
    conn.expect_closed(DEFAULT_TIMEOUT);
}

#[test]
#[should_panic(expected = "to close the connection within")]
fn expect_closed_panics_when_still_open() {
    let (_broker, _client, mut conn) = connected(ProtocolVersion::V3_1_1);
    conn.expect_closed(SHORT);
}

#[test]
fn expect_nothing_passes_on_silence() {
    let (_broker, _client, mut conn) = connected(ProtocolVersion::V3_1_1);
    let start = Instant::now();
    conn.expect_nothing(SHORT);
    assert!(start.elapsed() >= SHORT);
}

#[test]
#[should_panic(expected = "expected silence for")]
fn expect_nothing_panics_on_a_packet() {
    let (_broker, mut client, mut conn) = connected(ProtocolVersion::V3_1_1);
    client.stream.write_all(&[0xC0, 0x00]).unwrap();
    conn.expect_nothing(DEFAULT_TIMEOUT);
}

#[test]
#[should_panic(expected = "closed after")]
fn expect_nothing_panics_on_close() {
    let (_broker, client, mut conn) = connected(ProtocolVersion::V3_1_1);
    drop(client);
    conn.expect_nothing(DEFAULT_TIMEOUT);
}

#[test]
#[should_panic(expected = "nothing arrived within")]
fn expect_packet_panics_on_timeout() {
    let (_broker, _client, mut conn) = connected(ProtocolVersion::V3_1_1);
    let _ = conn.expect_packet(SHORT);
}

#[test]
#[should_panic(expected = "expected PUBLISH, got PingReq")]
fn expect_panics_on_the_wrong_packet() {
    let (_broker, mut client, mut conn) = connected(ProtocolVersion::V3_1_1);
    client.stream.write_all(&[0xC0, 0x00]).unwrap();
    let _ = conn.expect_publish();
}

#[test]
fn drop_connection_closes_the_clients_socket() {
    let (_broker, mut client, conn) = connected(ProtocolVersion::V3_1_1);
    conn.drop_connection();
    assert!(client.read_eof());
}

#[test]
fn shutdown_write_is_a_half_close() {
    let (_broker, mut client, mut conn) = connected(ProtocolVersion::V3_1_1);
    conn.shutdown_write();
    assert!(client.read_eof());
    client.stream.write_all(&[0xE0, 0x00]).unwrap();
    assert_eq!(conn.expect_disconnect(), Disconnect::default());
}

#[test]
fn connections_are_accepted_in_order() {
    let broker = ScriptedBroker::start();
    let first = TcpStream::connect(broker.addr()).unwrap();
    let a = broker.accept(DEFAULT_TIMEOUT);
    let second = TcpStream::connect(broker.addr()).unwrap();
    let b = broker.accept(DEFAULT_TIMEOUT);
    assert_eq!(a.peer_addr(), first.local_addr().unwrap());
    assert_eq!(b.peer_addr(), second.local_addr().unwrap());
    broker.expect_no_connection(SHORT);
}

#[test]
#[should_panic(expected = "no client connected")]
fn accept_panics_on_timeout() {
    let broker = ScriptedBroker::start();
    let _ = broker.accept(SHORT);
}

#[test]
#[should_panic(expected = "expected no connection")]
fn expect_no_connection_panics_on_a_connection() {
    let broker = ScriptedBroker::start();
    let _client = TcpStream::connect(broker.addr()).unwrap();
    broker.expect_no_connection(DEFAULT_TIMEOUT);
}

#[test]
fn listens_on_loopback_and_stops_listening_when_dropped() {
    let broker = ScriptedBroker::start();
    let addr = broker.addr();
    assert_eq!(addr.ip(), std::net::Ipv4Addr::LOCALHOST);
    drop(broker);
    assert!(TcpStream::connect_timeout(&addr, SHORT).is_err(), "still listening after drop");
}

#[test]
fn send_in_the_declared_version() {
    let (_broker, mut client, mut conn) = connected(ProtocolVersion::V3_1);
    // MQTT 3.1 has no Session Present flag: the byte is written as 0.
    conn.send_connack(true, ReasonCode::Success);
    assert_eq!(client.recv(), packets::connack(false, ReasonCode::Success));
}

#[test]
fn hex_is_short_and_readable() {
    assert_eq!(Hex(&[0x10, 0x0d, 0xff]).to_string(), "[10 0d ff]");
    assert!(Hex(&[0u8; 300]).to_string().ends_with("... (300 bytes)]"));
}
