//! SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK (MQTT 3.8 to 3.11).

use alloc::vec::Vec;

use bytes::Bytes;
use mqtt_session::{PacketId, QoS};

use crate::list::List;
use crate::primitives::{Parser, Sink};
use crate::properties::{self, AckProperties, PropertySet, SubscribeProperties, UnsubscribeProperties};
use crate::publish::reason_code;
use crate::string::Buffer;
use crate::{DecodeError, EncodeError, PacketType, ProtocolVersion, ReasonCode, TopicFilter};

/// Retain Handling subscription option (MQTT 5 section 3.8.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum RetainHandling {
    /// 0: send retained messages when subscribing.
    #[default]
    SendAtSubscribe = 0x00,
    /// 1: send retained messages only if the subscription did not exist.
    SendAtSubscribeIfNew = 0x01,
    /// 2: do not send retained messages.
    DoNotSend = 0x02,
}

/// Subscription options (MQTT 5 section 3.8.3.1); before MQTT 5 only the QoS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct SubscriptionOptions {
    /// Maximum QoS the server may deliver with.
    pub qos: QoS,
    /// No Local: do not receive our own publications (MQTT 5).
    pub no_local: bool,
    /// Retain As Published: keep the RETAIN flag of forwarded messages (MQTT 5).
    pub retain_as_published: bool,
    /// Retain Handling (MQTT 5).
    pub retain_handling: RetainHandling,
}

impl SubscriptionOptions {
    /// Options with `qos` and the defaults for the rest.
    #[must_use]
    pub const fn new(qos: QoS) -> Self {
        Self { qos, no_local: false, retain_as_published: false, retain_handling: RetainHandling::SendAtSubscribe }
    }

    fn to_byte(self) -> u8 {
        self.qos.as_u8()
            | (u8::from(self.no_local) << 2)
            | (u8::from(self.retain_as_published) << 3)
            | ((self.retain_handling as u8) << 4)
    }

    pub(crate) fn from_byte(b: u8, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let reserved = if version.is_v5() { 0xC0 } else { 0xFC };
        if b & reserved != 0 {
            // MQTT-3.8.3-4 (3.1.1), MQTT-3.8.3-5 (5.0).
            return Err(DecodeError::InvalidSubscriptionOptions(b));
        }
        let qos = QoS::try_from(b & 0x03).map_err(|_| DecodeError::InvalidQoS)?;
        let retain_handling = match (b >> 4) & 0x03 {
            0 => RetainHandling::SendAtSubscribe,
            1 => RetainHandling::SendAtSubscribeIfNew,
            2 => RetainHandling::DoNotSend,
            _ => return Err(DecodeError::InvalidSubscriptionOptions(b)),
        };
        Ok(Self { qos, no_local: b & 0x04 != 0, retain_as_published: b & 0x08 != 0, retain_handling })
    }
}

impl From<QoS> for SubscriptionOptions {
    fn from(qos: QoS) -> Self {
        Self::new(qos)
    }
}

/// One topic filter of a SUBSCRIBE with its options.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Subscription<B: Buffer = Bytes> {
    /// The topic filter.
    pub filter: TopicFilter<B>,
    /// Its options.
    pub options: SubscriptionOptions,
}

impl<B: Buffer> From<(TopicFilter<B>, QoS)> for Subscription<B> {
    fn from((filter, qos): (TopicFilter<B>, QoS)) -> Self {
        Self { filter, options: SubscriptionOptions::new(qos) }
    }
}

impl<B: Buffer> From<(TopicFilter<B>, SubscriptionOptions)> for Subscription<B> {
    fn from((filter, options): (TopicFilter<B>, SubscriptionOptions)) -> Self {
        Self { filter, options }
    }
}

/// SUBSCRIBE (MQTT 3.8).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Subscribe<B: Buffer = Bytes> {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// The filters, at least one (MQTT-3.8.3-3).
    pub subscriptions: List<Subscription<B>, B>,
    /// MQTT 5 properties.
    pub properties: SubscribeProperties<B>,
}

impl<B: Buffer> Subscribe<B> {
    pub(crate) fn parse<'a, F>(p: &mut Parser<'a, F>) -> Result<Self, DecodeError>
    where
        F: Fn(&'a [u8]) -> B + Copy,
    {
        let packet_id = p.packet_id()?;
        let properties = if p.version.is_v5() { properties::decode(p)? } else { SubscribeProperties::default() };
        let payload = p.unread();
        let mut count = 0;
        while p.remaining() > 0 {
            let filter = p.topic_filter()?;
            let b = p.u8()?;
            let options = SubscriptionOptions::from_byte(b, p.version)?;
            if options.no_local && filter.is_shared() && p.version.is_v5() {
                // MQTT-3.8.3-4: No Local on a shared subscription is a protocol error.
                return Err(DecodeError::InvalidSubscriptionOptions(b));
            }
            count += 1;
        }
        if count == 0 {
            return Err(DecodeError::NoTopicFilters { packet: PacketType::Subscribe });
        }
        Ok(Self { packet_id, subscriptions: List::wire(p.buffer(payload), count), properties })
    }

    pub(crate) fn emit<S: Sink>(&self, version: ProtocolVersion, s: &mut S) -> Result<(), EncodeError> {
        if self.subscriptions.is_empty() {
            return Err(EncodeError::NoTopicFilters { packet: PacketType::Subscribe });
        }
        s.u16(self.packet_id.get());
        if version.is_v5() {
            properties::encode(&self.properties, s)?;
        } else if !self.properties.is_empty() {
            return Err(EncodeError::NotInVersion { version, what: "SUBSCRIBE properties" });
        }
        for sub in &self.subscriptions {
            if !version.is_v5() && sub.options != SubscriptionOptions::new(sub.options.qos) {
                return Err(EncodeError::NotInVersion { version, what: "subscription options other than QoS" });
            }
            if sub.options.no_local && sub.filter.is_shared() {
                // MQTT-3.8.3-4.
                let what = "No Local on a shared subscription";
                return Err(EncodeError::Forbidden { packet: PacketType::Subscribe, what });
            }
            s.string(sub.filter.as_bytes())?;
            s.u8(sub.options.to_byte());
        }
        Ok(())
    }
}

/// SUBACK (MQTT 3.9): one result per filter of the SUBSCRIBE, in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SubAck<B: Buffer = Bytes> {
    /// Packet identifier of the SUBSCRIBE.
    pub packet_id: PacketId,
    /// Granted QoS ([`ReasonCode::Success`] is QoS 0) or a failure, per filter.
    pub reason_codes: Vec<ReasonCode>,
    /// MQTT 5 properties.
    pub properties: AckProperties<B>,
}

impl<B: Buffer> SubAck<B> {
    pub(crate) fn parse<'a, F>(p: &mut Parser<'a, F>) -> Result<Self, DecodeError>
    where
        F: Fn(&'a [u8]) -> B + Copy,
    {
        let packet_id = p.packet_id()?;
        let properties = if p.version.is_v5() { properties::decode(p)? } else { AckProperties::default() };
        let reason_codes = codes(p)?;
        Ok(Self { packet_id, reason_codes, properties })
    }

    pub(crate) fn emit<S: Sink>(&self, version: ProtocolVersion, s: &mut S) -> Result<(), EncodeError> {
        s.u16(self.packet_id.get());
        emit_codes(&self.reason_codes, &self.properties, PacketType::SubAck, version, s)
    }
}

/// A non-empty list of reason codes up to the end of the packet.
fn codes<'a, B: Buffer, F: Fn(&'a [u8]) -> B>(p: &mut Parser<'a, F>) -> Result<Vec<ReasonCode>, DecodeError> {
    if p.remaining() == 0 {
        return Err(DecodeError::UnexpectedEnd { packet: p.packet });
    }
    let mut list = Vec::with_capacity(p.remaining());
    while p.remaining() > 0 {
        list.push(reason_code(p)?);
    }
    Ok(list)
}

fn emit_codes<B: Buffer, S: Sink>(
    codes: &[ReasonCode],
    props: &AckProperties<B>,
    packet: PacketType,
    version: ProtocolVersion,
    s: &mut S,
) -> Result<(), EncodeError> {
    if codes.is_empty() {
        // One code per topic filter, and there is at least one filter.
        return Err(EncodeError::Forbidden { packet, what: "an empty reason code list" });
    }
    if version.is_v5() {
        properties::encode(props, s)?;
    } else if !props.is_empty() {
        return Err(EncodeError::NotInVersion { version, what: "properties" });
    }
    for &code in codes {
        if !code.is_valid_for(packet, version) {
            return Err(EncodeError::InvalidReasonCode { packet, code: code.as_u8() });
        }
        s.u8(code.as_u8());
    }
    Ok(())
}

/// UNSUBSCRIBE (MQTT 3.10).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Unsubscribe<B: Buffer = Bytes> {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// The filters, at least one (MQTT-3.10.3-2).
    pub filters: List<TopicFilter<B>, B>,
    /// MQTT 5 properties.
    pub properties: UnsubscribeProperties<B>,
}

impl<B: Buffer> Unsubscribe<B> {
    pub(crate) fn parse<'a, F>(p: &mut Parser<'a, F>) -> Result<Self, DecodeError>
    where
        F: Fn(&'a [u8]) -> B + Copy,
    {
        let packet_id = p.packet_id()?;
        let properties = if p.version.is_v5() { properties::decode(p)? } else { UnsubscribeProperties::default() };
        let payload = p.unread();
        let mut count = 0;
        while p.remaining() > 0 {
            p.topic_filter()?;
            count += 1;
        }
        if count == 0 {
            return Err(DecodeError::NoTopicFilters { packet: PacketType::Unsubscribe });
        }
        Ok(Self { packet_id, filters: List::wire(p.buffer(payload), count), properties })
    }

    pub(crate) fn emit<S: Sink>(&self, version: ProtocolVersion, s: &mut S) -> Result<(), EncodeError> {
        if self.filters.is_empty() {
            return Err(EncodeError::NoTopicFilters { packet: PacketType::Unsubscribe });
        }
        s.u16(self.packet_id.get());
        if version.is_v5() {
            properties::encode(&self.properties, s)?;
        } else if !self.properties.is_empty() {
            return Err(EncodeError::NotInVersion { version, what: "UNSUBSCRIBE properties" });
        }
        for filter in &self.filters {
            s.string(filter.as_bytes())?;
        }
        Ok(())
    }
}

/// UNSUBACK (MQTT 3.11). MQTT 5 carries one result per filter; 3.x carries none.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnsubAck<B: Buffer = Bytes> {
    /// Packet identifier of the UNSUBSCRIBE.
    pub packet_id: PacketId,
    /// Results per filter (MQTT 5); empty before MQTT 5.
    pub reason_codes: Vec<ReasonCode>,
    /// MQTT 5 properties.
    pub properties: AckProperties<B>,
}

impl<B: Buffer> UnsubAck<B> {
    pub(crate) fn parse<'a, F>(p: &mut Parser<'a, F>) -> Result<Self, DecodeError>
    where
        F: Fn(&'a [u8]) -> B + Copy,
    {
        let packet_id = p.packet_id()?;
        if !p.version.is_v5() {
            p.finish()?;
            return Ok(Self { packet_id, reason_codes: Vec::new(), properties: AckProperties::default() });
        }
        let properties = properties::decode(p)?;
        let reason_codes = codes(p)?;
        Ok(Self { packet_id, reason_codes, properties })
    }

    pub(crate) fn emit<S: Sink>(&self, version: ProtocolVersion, s: &mut S) -> Result<(), EncodeError> {
        if !version.is_v5() && !self.reason_codes.is_empty() {
            return Err(EncodeError::NotInVersion { version, what: "UNSUBACK reason codes" });
        }
        s.u16(self.packet_id.get());
        if !version.is_v5() {
            return if self.properties.is_empty() {
                Ok(())
            } else {
                Err(EncodeError::NotInVersion { version, what: "properties" })
            };
        }
        emit_codes(&self.reason_codes, &self.properties, PacketType::UnsubAck, version, s)
    }
}
