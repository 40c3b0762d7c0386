//! Short constructors for the packets a test broker sends, panicking on invalid
//! input (a zero packet id, an invalid topic) so scripts stay one line each.
//!
//! ```
//! use mqtt_proto::{Packet, PacketType, QoS, ReasonCode};
//! use mqtt_testkit::packets;
//!
//! assert_eq!(packets::puback(7).packet_type(), PacketType::PubAck);
//! let suback = packets::suback(1, [ReasonCode::GrantedQoS1]);
//! let Packet::SubAck(s) = suback else { unreachable!() };
//! assert_eq!(s.packet_id.get(), 1);
//! ```

use bytes::Bytes;
use mqtt_proto::{
    Ack, ConnAck, Disconnect, Packet, PacketId, Publish, QoS, QosPid, ReasonCode, SubAck, TopicFilter, TopicName,
    UnsubAck,
};

/// A packet id; panics on 0.
#[must_use]
#[track_caller]
pub fn pid(id: u16) -> PacketId {
    PacketId::new(id).unwrap_or_else(|| panic!("packet id 0 is not a packet id"))
}

/// The packet id of a QoS 1 or 2 PUBLISH; panics on QoS 0.
#[must_use]
#[track_caller]
pub fn id_of(p: &Publish) -> PacketId {
    p.qos.packet_id().expect("a QoS 1 or 2 PUBLISH has a packet id")
}

/// A topic name; panics if invalid.
#[must_use]
#[track_caller]
pub fn topic(name: &str) -> TopicName {
    TopicName::try_from(name).unwrap_or_else(|e| panic!("invalid topic name {name:?}: {e}"))
}

/// A topic filter; panics if invalid.
#[must_use]
#[track_caller]
pub fn filter(f: &str) -> TopicFilter {
    TopicFilter::try_from(f).unwrap_or_else(|e| panic!("invalid topic filter {f:?}: {e}"))
}

/// CONNACK with `session_present` and `code` (a 3.x return code is written for
/// the matching MQTT 5 code, e.g. [`ReasonCode::NotAuthorized`] is 5), no properties.
#[must_use]
pub fn connack(session_present: bool, code: ReasonCode) -> Packet {
    Packet::from(ConnAck { session_present, reason_code: code, properties: Default::default() })
}

/// A PUBLISH of `payload` to `topic_name` with `qos` and packet id `id` (ignored
/// for QoS 0), not retained, not DUP.
#[must_use]
#[track_caller]
pub fn publish(topic_name: &str, payload: &[u8], qos: QoS, id: u16) -> Packet {
    let mut p = Publish::new(topic(topic_name), Bytes::copy_from_slice(payload));
    p.qos = if qos == QoS::AtMostOnce { QosPid::AtMostOnce } else { QosPid::new(qos, pid(id)) };
    Packet::Publish(p)
}

/// PUBACK for `id`.
#[must_use]
#[track_caller]
pub fn puback(id: u16) -> Packet {
    Packet::PubAck(Ack::new(pid(id)))
}

/// PUBREC for `id`.
#[must_use]
#[track_caller]
pub fn pubrec(id: u16) -> Packet {
    Packet::PubRec(Ack::new(pid(id)))
}

/// PUBREL for `id`.
#[must_use]
#[track_caller]
pub fn pubrel(id: u16) -> Packet {
    Packet::PubRel(Ack::new(pid(id)))
}

/// PUBCOMP for `id`.
#[must_use]
#[track_caller]
pub fn pubcomp(id: u16) -> Packet {
    Packet::PubComp(Ack::new(pid(id)))
}

/// An acknowledgement of type `kind` (PUBACK, PUBREC, PUBREL or PUBCOMP) for `id`
/// with an MQTT 5 reason code.
///
/// # Panics
///
/// If `kind` is not one of the four acknowledgements.
#[must_use]
#[track_caller]
pub fn ack_with(kind: mqtt_proto::PacketType, id: u16, code: ReasonCode) -> Packet {
    use mqtt_proto::PacketType as T;
    let mut ack = Ack::new(pid(id));
    ack.reason_code = code;
    match kind {
        T::PubAck => Packet::PubAck(ack),
        T::PubRec => Packet::PubRec(ack),
        T::PubRel => Packet::PubRel(ack),
        T::PubComp => Packet::PubComp(ack),
        other => panic!("{other} is not a PUBLISH acknowledgement"),
    }
}

/// SUBACK for `id` with one code per filter ([`ReasonCode::Success`] is
/// "granted QoS 0").
#[must_use]
#[track_caller]
pub fn suback(id: u16, codes: impl IntoIterator<Item = ReasonCode>) -> Packet {
    Packet::SubAck(SubAck {
        packet_id: pid(id),
        reason_codes: codes.into_iter().collect(),
        properties: Default::default(),
    })
}

/// The SUBACK code granting `qos`.
#[must_use]
pub const fn granted(qos: QoS) -> ReasonCode {
    match qos {
        QoS::AtMostOnce => ReasonCode::Success,
        QoS::AtLeastOnce => ReasonCode::GrantedQoS1,
        QoS::ExactlyOnce => ReasonCode::GrantedQoS2,
    }
}

/// UNSUBACK for `id`: pass no codes for MQTT 3.x, one per filter for MQTT 5.
#[must_use]
#[track_caller]
pub fn unsuback(id: u16, codes: impl IntoIterator<Item = ReasonCode>) -> Packet {
    Packet::UnsubAck(UnsubAck {
        packet_id: pid(id),
        reason_codes: codes.into_iter().collect(),
        properties: Default::default(),
    })
}

/// PINGRESP.
#[must_use]
pub const fn pingresp() -> Packet {
    Packet::PingResp
}

/// DISCONNECT with `code` (MQTT 5; before 5 the code must be Success and is not
/// written).
#[must_use]
pub fn disconnect(code: ReasonCode) -> Packet {
    Packet::Disconnect(Disconnect { reason_code: code, properties: Default::default() })
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;
    use mqtt_proto::{Codec, ProtocolVersion};

    use super::*;

    fn wire(version: ProtocolVersion, packet: &Packet) -> Vec<u8> {
        let mut buf = BytesMut::new();
        Codec::new(version).encode(packet, &mut buf).unwrap();
        buf.to_vec()
    }

    #[test]
    fn bytes_match_the_specification() {
        let v311 = ProtocolVersion::V3_1_1;
        assert_eq!(wire(v311, &connack(true, ReasonCode::Success)), [0x20, 0x02, 0x01, 0x00]);
        assert_eq!(wire(v311, &connack(false, ReasonCode::NotAuthorized)), [0x20, 0x02, 0x00, 0x05]);
        assert_eq!(wire(v311, &puback(0x0102)), [0x40, 0x02, 0x01, 0x02]);
        assert_eq!(wire(v311, &pubrel(1)), [0x62, 0x02, 0x00, 0x01]);
        assert_eq!(wire(v311, &suback(3, [granted(QoS::AtLeastOnce)])), [0x90, 0x03, 0x00, 0x03, 0x01]);
        assert_eq!(wire(v311, &unsuback(4, [])), [0xB0, 0x02, 0x00, 0x04]);
        assert_eq!(wire(v311, &pingresp()), [0xD0, 0x00]);
        assert_eq!(
            wire(v311, &publish("a", b"x", QoS::AtLeastOnce, 5)),
            [0x32, 0x06, 0x00, 0x01, b'a', 0x00, 0x05, b'x']
        );
        assert_eq!(wire(v311, &publish("a", b"x", QoS::AtMostOnce, 0)), [0x30, 0x04, 0x00, 0x01, b'a', b'x']);
        let v5 = ProtocolVersion::V5;
        assert_eq!(wire(v5, &connack(false, ReasonCode::Success)), [0x20, 0x03, 0x00, 0x00, 0x00]);
        assert_eq!(wire(v5, &disconnect(ReasonCode::ServerShuttingDown)), [0xE0, 0x01, 0x8B]);
        let nack = ack_with(mqtt_proto::PacketType::PubAck, 1, ReasonCode::QuotaExceeded);
        assert_eq!(wire(v5, &nack), [0x40, 0x03, 0x00, 0x01, 0x97]);
    }

    #[test]
    #[should_panic(expected = "packet id 0")]
    fn zero_packet_id_panics() {
        let _ = puback(0);
    }
}
