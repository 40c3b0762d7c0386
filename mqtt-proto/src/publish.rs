//! PUBLISH and its acknowledgements PUBACK, PUBREC, PUBREL, PUBCOMP (MQTT 3.3 to 3.7).

use alloc::boxed::Box;
use core::hash::{Hash, Hasher};
use core::num::NonZeroU16;

use bytes::Bytes;
use mqtt_session::{PacketId, QoS};

use crate::primitives::{Parser, Sink};
use crate::properties::{self, AckProperties, PropertySet, PublishProperties};
use crate::string::Buffer;
use crate::{DecodeError, EncodeError, PacketType, ProtocolVersion, ReasonCode, TopicName};

/// A QoS together with the packet identifier it needs: QoS 0 has none, QoS 1 and
/// 2 always have one, so "QoS 0 with an id" cannot be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QosPid {
    /// QoS 0.
    AtMostOnce,
    /// QoS 1 with its packet identifier.
    AtLeastOnce(PacketId),
    /// QoS 2 with its packet identifier.
    ExactlyOnce(PacketId),
}

impl QosPid {
    /// The QoS.
    #[must_use]
    pub const fn qos(self) -> QoS {
        match self {
            Self::AtMostOnce => QoS::AtMostOnce,
            Self::AtLeastOnce(_) => QoS::AtLeastOnce,
            Self::ExactlyOnce(_) => QoS::ExactlyOnce,
        }
    }

    /// The packet identifier, for QoS 1 and 2.
    #[must_use]
    pub const fn packet_id(self) -> Option<PacketId> {
        match self {
            Self::AtMostOnce => None,
            Self::AtLeastOnce(id) | Self::ExactlyOnce(id) => Some(id),
        }
    }

    /// The QoS with `id` where it needs one.
    #[must_use]
    pub const fn new(qos: QoS, id: PacketId) -> Self {
        match qos {
            QoS::AtMostOnce => Self::AtMostOnce,
            QoS::AtLeastOnce => Self::AtLeastOnce(id),
            QoS::ExactlyOnce => Self::ExactlyOnce(id),
        }
    }
}

/// PUBLISH: an application message (MQTT 3.3).
///
/// A decoded payload (and topic) is a slice of the receive buffer: no bytes are
/// copied.
///
/// # Examples
///
/// ```
/// use bytes::{Bytes, BytesMut};
/// use mqtt_proto::{Codec, Packet, ProtocolVersion, Publish, QosPid, TopicName};
///
/// let publish = Publish::new(TopicName::from_static("a/b").unwrap(), Bytes::from_static(b"hi"));
/// let codec = Codec::new(ProtocolVersion::V3_1_1);
/// let mut buf = BytesMut::new();
/// codec.encode(&Packet::Publish(publish.clone()), &mut buf).unwrap();
/// assert_eq!(&buf[..], b"\x30\x07\x00\x03a/bhi");
/// assert_eq!(codec.decode(&mut buf).unwrap(), Some(Packet::Publish(publish)));
/// ```
///
/// The MQTT 5 properties are boxed, and absent when empty: they are rare on the
/// hot path, and a small `Publish` decodes faster. [`Publish::properties_mut`]
/// creates them on first use. An empty box and `None` compare equal.
#[derive(Clone, Debug)]
pub struct Publish<B: Buffer = Bytes> {
    /// DUP: this may be a redelivery.
    pub dup: bool,
    /// QoS and packet identifier.
    pub qos: QosPid,
    /// RETAIN.
    pub retain: bool,
    /// Topic name; empty only in a v5 PUBLISH that uses a topic alias.
    pub topic: TopicName<B>,
    /// Application payload.
    pub payload: B,
    /// MQTT 5 properties; `None` when there are none.
    pub properties: Option<Box<PublishProperties<B>>>,
}

impl<B: Buffer> PartialEq for Publish<B> {
    fn eq(&self, other: &Self) -> bool {
        self.dup == other.dup
            && self.qos == other.qos
            && self.retain == other.retain
            && self.topic == other.topic
            && self.payload == other.payload
            && self.properties() == other.properties()
    }
}

impl<B: Buffer> Eq for Publish<B> {}

impl<B: Buffer> Hash for Publish<B> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.dup.hash(state);
        self.qos.hash(state);
        self.retain.hash(state);
        self.topic.hash(state);
        self.payload.hash(state);
        self.properties().hash(state);
    }
}

impl<B: Buffer> Publish<B> {
    /// A QoS 0, not retained PUBLISH without properties.
    #[must_use]
    pub fn new(topic: TopicName<B>, payload: B) -> Self {
        Self { dup: false, qos: QosPid::AtMostOnce, retain: false, topic, payload, properties: None }
    }

    /// The MQTT 5 properties, or `None` when there are none.
    #[must_use]
    pub fn properties(&self) -> Option<&PublishProperties<B>> {
        self.properties.as_deref().filter(|p| !p.is_empty())
    }

    /// The MQTT 5 properties for changing, created empty when absent.
    pub fn properties_mut(&mut self) -> &mut PublishProperties<B> {
        self.properties.get_or_insert_with(Box::default)
    }

    /// The same PUBLISH with `properties` (boxed only when not empty).
    #[must_use]
    pub fn with_properties(mut self, properties: PublishProperties<B>) -> Self {
        self.properties = (!properties.is_empty()).then(|| Box::new(properties));
        self
    }

    #[inline(always)]
    pub(crate) fn parse<'a, F>(flags: u8, p: &mut Parser<'a, F>) -> Result<Self, DecodeError>
    where
        F: Fn(&'a [u8]) -> B + Copy,
    {
        let mut publish = Self::parse_head(flags, p)?;
        publish.payload = p.rest();
        Ok(publish)
    }

    /// Everything but the payload, which is left empty: the rest of the body.
    #[inline(always)]
    pub(crate) fn parse_head<'a, F>(flags: u8, p: &mut Parser<'a, F>) -> Result<Self, DecodeError>
    where
        F: Fn(&'a [u8]) -> B + Copy,
    {
        let dup = flags & 0x08 != 0;
        let retain = flags & 0x01 != 0;
        let v5 = p.version.is_v5();
        let topic = p.topic_name(v5)?;
        let qos = match (flags >> 1) & 0x03 {
            0 => QosPid::AtMostOnce,
            1 => QosPid::AtLeastOnce(p.packet_id()?),
            2 => QosPid::ExactlyOnce(p.packet_id()?),
            _ => return Err(DecodeError::InvalidQoS),
        };
        let properties = if v5 {
            let props: PublishProperties<B> = properties::decode(p)?;
            if topic.is_empty() && props.topic_alias.is_none() {
                return Err(DecodeError::EmptyTopic);
            }
            (!props.is_empty()).then(|| Box::new(props))
        } else {
            None
        };
        Ok(Self { dup, qos, retain, topic, payload: B::default(), properties })
    }

    /// The remaining length of a PUBLISH without properties whose fields are
    /// valid, or `None` when a full measuring pass is needed to validate and count.
    #[inline(always)]
    pub(crate) fn plain_len(&self, version: ProtocolVersion) -> Option<usize> {
        let topic = self.topic.as_bytes().len();
        let plain = !self.dup && topic > 0 && topic <= usize::from(u16::MAX);
        if !plain || self.properties.as_ref().is_some_and(|p| !p.is_empty()) {
            return None;
        }
        let id = if self.qos.packet_id().is_some() { 2 } else { 0 };
        // MQTT 5 writes an empty property block: one byte, 0.
        let props = usize::from(version.is_v5());
        Some(2 + topic + id + props + self.payload.as_ref().len())
    }

    #[inline(always)]
    pub(crate) fn flags(&self) -> u8 {
        (u8::from(self.dup) << 3) | (self.qos.qos().as_u8() << 1) | u8::from(self.retain)
    }

    #[inline]
    pub(crate) fn emit<S: Sink>(&self, version: ProtocolVersion, s: &mut S) -> Result<(), EncodeError> {
        self.emit_aliased(version, None, s)
    }

    /// Writes the body, with `alias` as the Topic Alias when given (in place of
    /// one the properties hold).
    pub(crate) fn emit_aliased<S: Sink>(
        &self,
        version: ProtocolVersion,
        alias: Option<NonZeroU16>,
        s: &mut S,
    ) -> Result<(), EncodeError> {
        let props = self.properties.as_deref();
        let has_alias = alias.is_some() || props.is_some_and(|p| p.topic_alias.is_some());
        if self.topic.is_empty() && (!version.is_v5() || !has_alias) {
            return Err(EncodeError::EmptyTopic);
        }
        if self.dup && self.qos == QosPid::AtMostOnce {
            // MQTT-3.3.1-2.
            return Err(EncodeError::Forbidden { packet: PacketType::Publish, what: "DUP with QoS 0" });
        }
        s.string(self.topic.as_bytes())?;
        if let Some(id) = self.qos.packet_id() {
            s.u16(id.get());
        }
        if version.is_v5() {
            match (props, alias) {
                (_, Some(alias)) => properties::encode_publish_with_alias(props, alias, s)?,
                (Some(p), None) => properties::encode(p, s)?,
                (None, None) => s.u8(0),
            }
        } else if alias.is_some() || props.is_some_and(|p| !p.is_empty()) {
            return Err(EncodeError::NotInVersion { version, what: "PUBLISH properties" });
        }
        s.raw(self.payload.as_ref());
        Ok(())
    }
}

/// PUBACK, PUBREC, PUBREL or PUBCOMP: the acknowledgements of a QoS 1 or 2
/// PUBLISH (MQTT 3.4 to 3.7). [`Packet`](crate::Packet) says which one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ack<B: Buffer = Bytes> {
    /// The packet identifier of the PUBLISH being acknowledged.
    pub packet_id: PacketId,
    /// The result (MQTT 5); always [`ReasonCode::Success`] before MQTT 5.
    pub reason_code: ReasonCode,
    /// MQTT 5 properties.
    pub properties: AckProperties<B>,
}

impl<B: Buffer> Ack<B> {
    /// A successful acknowledgement of `packet_id` without properties.
    #[must_use]
    pub fn new(packet_id: PacketId) -> Self {
        Self { packet_id, reason_code: ReasonCode::Success, properties: AckProperties::default() }
    }

    pub(crate) fn parse<'a, F>(p: &mut Parser<'a, F>) -> Result<Self, DecodeError>
    where
        F: Fn(&'a [u8]) -> B + Copy,
    {
        let packet_id = p.packet_id()?;
        let mut ack = Self::new(packet_id);
        if p.version.is_v5() && p.remaining() > 0 {
            // MQTT 5 3.4.2.1: the reason code and property length may be omitted.
            ack.reason_code = reason_code(p)?;
            if p.remaining() > 0 {
                ack.properties = properties::decode(p)?;
            }
        }
        p.finish()?;
        Ok(ack)
    }

    pub(crate) fn emit<S: Sink>(
        &self,
        packet: PacketType,
        version: ProtocolVersion,
        s: &mut S,
    ) -> Result<(), EncodeError> {
        s.u16(self.packet_id.get());
        short_form_tail(self.reason_code, &self.properties, packet, version, s)
    }
}

/// Reads a reason code and checks the packet may carry it.
pub(crate) fn reason_code<'a, B: Buffer, F: Fn(&'a [u8]) -> B>(
    p: &mut Parser<'a, F>,
) -> Result<ReasonCode, DecodeError> {
    let code = p.u8()?;
    ReasonCode::try_from(code)
        .ok()
        .filter(|c| c.is_valid_for(p.packet, p.version))
        .ok_or(DecodeError::InvalidReasonCode { packet: p.packet, code })
}

/// Writes a reason code and properties in the shortest form MQTT 5 allows:
/// nothing for Success without properties, the code alone without properties.
/// Before MQTT 5 only Success without properties can be written (as nothing).
pub(crate) fn short_form_tail<B: Buffer, P: PropertySet<B>, S: Sink>(
    code: ReasonCode,
    props: &P,
    packet: PacketType,
    version: ProtocolVersion,
    s: &mut S,
) -> Result<(), EncodeError> {
    if !code.is_valid_for(packet, version) {
        return Err(if version.is_v5() {
            EncodeError::InvalidReasonCode { packet, code: code.as_u8() }
        } else {
            EncodeError::NotInVersion { version, what: "reason codes" }
        });
    }
    let empty = props.is_empty();
    if !version.is_v5() {
        if !empty {
            return Err(EncodeError::NotInVersion { version, what: "properties" });
        }
        return Ok(());
    }
    if code == ReasonCode::Success && empty {
        return Ok(());
    }
    s.u8(code.as_u8());
    // AUTH has no form with the reason code alone (MQTT 5 section 3.15.2.1).
    if !empty || packet == PacketType::Auth {
        properties::encode(props, s)?;
    }
    Ok(())
}
