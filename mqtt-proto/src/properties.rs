//! MQTT 5 properties (MQTT 5 section 2.2.2): one struct per packet that carries
//! them, decoded by one loop that checks each property is known, allowed on the
//! packet, and not repeated unless the specification lets it repeat.

use core::num::{NonZeroU16, NonZeroU32};

use bytes::Bytes;
use mqtt_session::QoS;

use crate::list::List;
use crate::primitives::{Counter, Parser, Sink};
use crate::string::Buffer;
use crate::{DecodeError, EncodeError, MqttStr, TopicName};

/// Property identifiers (MQTT 5 section 2.2.2.2).
pub mod id {
    /// Payload Format Indicator (byte).
    pub const PAYLOAD_FORMAT_INDICATOR: u8 = 0x01;
    /// Message Expiry Interval (four-byte integer).
    pub const MESSAGE_EXPIRY_INTERVAL: u8 = 0x02;
    /// Content Type (string).
    pub const CONTENT_TYPE: u8 = 0x03;
    /// Response Topic (string).
    pub const RESPONSE_TOPIC: u8 = 0x08;
    /// Correlation Data (binary).
    pub const CORRELATION_DATA: u8 = 0x09;
    /// Subscription Identifier (variable byte integer).
    pub const SUBSCRIPTION_IDENTIFIER: u8 = 0x0B;
    /// Session Expiry Interval (four-byte integer).
    pub const SESSION_EXPIRY_INTERVAL: u8 = 0x11;
    /// Assigned Client Identifier (string).
    pub const ASSIGNED_CLIENT_IDENTIFIER: u8 = 0x12;
    /// Server Keep Alive (two-byte integer).
    pub const SERVER_KEEP_ALIVE: u8 = 0x13;
    /// Authentication Method (string).
    pub const AUTHENTICATION_METHOD: u8 = 0x15;
    /// Authentication Data (binary).
    pub const AUTHENTICATION_DATA: u8 = 0x16;
    /// Request Problem Information (byte).
    pub const REQUEST_PROBLEM_INFORMATION: u8 = 0x17;
    /// Will Delay Interval (four-byte integer).
    pub const WILL_DELAY_INTERVAL: u8 = 0x18;
    /// Request Response Information (byte).
    pub const REQUEST_RESPONSE_INFORMATION: u8 = 0x19;
    /// Response Information (string).
    pub const RESPONSE_INFORMATION: u8 = 0x1A;
    /// Server Reference (string).
    pub const SERVER_REFERENCE: u8 = 0x1C;
    /// Reason String (string).
    pub const REASON_STRING: u8 = 0x1F;
    /// Receive Maximum (two-byte integer).
    pub const RECEIVE_MAXIMUM: u8 = 0x21;
    /// Topic Alias Maximum (two-byte integer).
    pub const TOPIC_ALIAS_MAXIMUM: u8 = 0x22;
    /// Topic Alias (two-byte integer).
    pub const TOPIC_ALIAS: u8 = 0x23;
    /// Maximum QoS (byte).
    pub const MAXIMUM_QOS: u8 = 0x24;
    /// Retain Available (byte).
    pub const RETAIN_AVAILABLE: u8 = 0x25;
    /// User Property (string pair).
    pub const USER_PROPERTY: u8 = 0x26;
    /// Maximum Packet Size (four-byte integer).
    pub const MAXIMUM_PACKET_SIZE: u8 = 0x27;
    /// Wildcard Subscription Available (byte).
    pub const WILDCARD_SUBSCRIPTION_AVAILABLE: u8 = 0x28;
    /// Subscription Identifier Available (byte).
    pub const SUBSCRIPTION_IDENTIFIER_AVAILABLE: u8 = 0x29;
    /// Shared Subscription Available (byte).
    pub const SHARED_SUBSCRIPTION_AVAILABLE: u8 = 0x2A;
}

use id::*;

/// The wire type of each property.
#[derive(Clone, Copy)]
enum Kind {
    Byte,
    U16,
    U32,
    VarInt,
    Str,
    Bin,
    Pair,
}

const fn kind_of(property: u8) -> Option<Kind> {
    Some(match property {
        PAYLOAD_FORMAT_INDICATOR
        | REQUEST_PROBLEM_INFORMATION
        | REQUEST_RESPONSE_INFORMATION
        | MAXIMUM_QOS
        | RETAIN_AVAILABLE
        | WILDCARD_SUBSCRIPTION_AVAILABLE
        | SUBSCRIPTION_IDENTIFIER_AVAILABLE
        | SHARED_SUBSCRIPTION_AVAILABLE => Kind::Byte,
        SERVER_KEEP_ALIVE | RECEIVE_MAXIMUM | TOPIC_ALIAS_MAXIMUM | TOPIC_ALIAS => Kind::U16,
        MESSAGE_EXPIRY_INTERVAL | SESSION_EXPIRY_INTERVAL | WILL_DELAY_INTERVAL | MAXIMUM_PACKET_SIZE => Kind::U32,
        SUBSCRIPTION_IDENTIFIER => Kind::VarInt,
        CONTENT_TYPE
        | RESPONSE_TOPIC
        | ASSIGNED_CLIENT_IDENTIFIER
        | AUTHENTICATION_METHOD
        | RESPONSE_INFORMATION
        | SERVER_REFERENCE
        | REASON_STRING => Kind::Str,
        CORRELATION_DATA | AUTHENTICATION_DATA => Kind::Bin,
        USER_PROPERTY => Kind::Pair,
        _ => return None,
    })
}

/// A decoded property value.
pub(crate) enum Value<B: Buffer> {
    Byte(u8),
    U16(u16),
    U32(u32),
    Str(MqttStr<B>),
    Bin(B),
}

const fn bit(property: u8) -> u64 {
    1 << property
}

/// The properties of one packet (or of a will).
pub(crate) trait PropertySet<B: Buffer>: Default {
    /// Bit set of the identifiers this packet may carry.
    const ALLOWED: u64;
    /// Bit set of the identifiers that may appear more than once.
    const REPEATABLE: u64 = bit(USER_PROPERTY);

    fn set(&mut self, property: u8, value: Value<B>) -> Result<(), DecodeError>;
    /// The User Properties, which `decode` sets as a view of the block.
    fn user_properties_mut(&mut self) -> &mut List<UserProperty<B>, B>;
    /// The repeatable Subscription Identifiers (PUBLISH only), likewise.
    fn subscription_identifiers_mut(&mut self) -> Option<&mut List<NonZeroU32, B>> {
        None
    }
    fn emit<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError>;
    fn is_empty(&self) -> bool;
}

/// Reads a property block: its length, then its properties.
///
/// User Properties and repeatable Subscription Identifiers are validated and
/// counted here, then kept as views of the block: the lists cost no allocation.
pub(crate) fn decode<'a, B, F, P>(p: &mut Parser<'a, F>) -> Result<P, DecodeError>
where
    B: Buffer,
    F: Fn(&'a [u8]) -> B + Copy,
    P: PropertySet<B>,
{
    let len = p.varint()?;
    let mut props = P::default();
    if len == 0 {
        return Ok(props);
    }
    let mut sub = p.sub(len as usize)?;
    let block = sub.unread();
    let id_list = props.subscription_identifiers_mut().is_some();
    let (mut users, mut ids) = (0usize, 0usize);
    let mut seen = 0u64;
    while sub.remaining() > 0 {
        let raw = sub.varint()?;
        let property = u8::try_from(raw).map_err(|_| DecodeError::UnknownProperty(0xFF))?;
        let kind = kind_of(property).ok_or(DecodeError::UnknownProperty(property))?;
        let b = bit(property);
        if P::ALLOWED & b == 0 {
            return Err(DecodeError::PropertyNotAllowed { packet: sub.packet, property });
        }
        if seen & b != 0 && P::REPEATABLE & b == 0 {
            return Err(DecodeError::DuplicateProperty { packet: sub.packet, property });
        }
        seen |= b;
        let value = match kind {
            Kind::Byte => Value::Byte(sub.u8()?),
            Kind::U16 => Value::U16(sub.u16()?),
            Kind::U32 => Value::U32(sub.u32()?),
            Kind::VarInt if id_list => {
                if sub.varint()? == 0 {
                    return Err(invalid(property));
                }
                ids += 1;
                continue;
            }
            Kind::VarInt => Value::U32(sub.varint()?),
            Kind::Str => Value::Str(sub.string()?),
            Kind::Bin => Value::Bin(sub.binary()?),
            Kind::Pair => {
                sub.validate_string()?;
                sub.validate_string()?;
                users += 1;
                continue;
            }
        };
        props.set(property, value)?;
    }
    if users > 0 {
        *props.user_properties_mut() = List::wire(p.buffer(block), users);
    }
    if ids > 0 {
        if let Some(list) = props.subscription_identifiers_mut() {
            *list = List::wire(p.buffer(block), ids);
        }
    }
    Ok(props)
}

/// The number of bytes of the value of `property` at the start of `rest`, in a
/// property block that was validated before.
pub(crate) fn value_len(property: u8, rest: &[u8]) -> Option<usize> {
    let prefixed = |at: usize| -> Option<usize> {
        let len = rest.get(at..at + 2)?;
        Some(2 + usize::from(u16::from_be_bytes([len[0], len[1]])))
    };
    Some(match kind_of(property)? {
        Kind::Byte => 1,
        Kind::U16 => 2,
        Kind::U32 => 4,
        Kind::VarInt => rest.iter().take(4).position(|b| b & 0x80 == 0)? + 1,
        Kind::Str | Kind::Bin => prefixed(0)?,
        Kind::Pair => {
            let first = prefixed(0)?;
            first + prefixed(first)?
        }
    })
}

/// Writes a property block: its length, then its properties.
pub(crate) fn encode<B: Buffer, S: Sink, P: PropertySet<B>>(props: &P, s: &mut S) -> Result<(), EncodeError> {
    if props.is_empty() {
        s.u8(0);
        return Ok(());
    }
    let mut c = Counter::default();
    props.emit(&mut c)?;
    let len = u32::try_from(c.0).map_err(|_| EncodeError::PacketTooLarge { size: c.0, max: crate::MAX_PACKET_SIZE })?;
    s.varint(len)?;
    props.emit(s)
}

/// Writes a PUBLISH property block with `alias` as its Topic Alias in place of
/// any the properties hold, without touching them (the connection's automatic
/// aliases, which would otherwise cost a properties box per message).
pub(crate) fn encode_publish_with_alias<B: Buffer, S: Sink>(
    props: Option<&PublishProperties<B>>,
    alias: NonZeroU16,
    s: &mut S,
) -> Result<(), EncodeError> {
    let none = PublishProperties::default();
    let props = props.unwrap_or(&none);
    let mut c = Counter::default();
    props.emit_with_alias(Some(alias), &mut c)?;
    let len = u32::try_from(c.0).map_err(|_| EncodeError::PacketTooLarge { size: c.0, max: crate::MAX_PACKET_SIZE })?;
    s.varint(len)?;
    props.emit_with_alias(Some(alias), s)
}

fn invalid(property: u8) -> DecodeError {
    DecodeError::InvalidPropertyValue { property }
}

fn flag(property: u8, v: u8) -> Result<bool, DecodeError> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(invalid(property)),
    }
}

/// Values by kind, for the `set` implementations. A mismatch cannot happen
/// (kinds come from `kind_of`), and is reported as an invalid value if it did.
fn byte<B: Buffer>(property: u8, v: Value<B>) -> Result<u8, DecodeError> {
    match v {
        Value::Byte(b) => Ok(b),
        _ => Err(invalid(property)),
    }
}
fn u16_of<B: Buffer>(property: u8, v: Value<B>) -> Result<u16, DecodeError> {
    match v {
        Value::U16(x) => Ok(x),
        _ => Err(invalid(property)),
    }
}
fn u32_of<B: Buffer>(property: u8, v: Value<B>) -> Result<u32, DecodeError> {
    match v {
        Value::U32(x) => Ok(x),
        _ => Err(invalid(property)),
    }
}
fn str_of<B: Buffer>(property: u8, v: Value<B>) -> Result<MqttStr<B>, DecodeError> {
    match v {
        Value::Str(s) => Ok(s),
        _ => Err(invalid(property)),
    }
}
fn bin_of<B: Buffer>(property: u8, v: Value<B>) -> Result<B, DecodeError> {
    match v {
        Value::Bin(b) => Ok(b),
        _ => Err(invalid(property)),
    }
}
fn nonzero16(property: u8, v: Value<impl Buffer>) -> Result<NonZeroU16, DecodeError> {
    NonZeroU16::new(u16_of(property, v)?).ok_or(invalid(property))
}
fn nonzero32(property: u8, v: Value<impl Buffer>) -> Result<NonZeroU32, DecodeError> {
    NonZeroU32::new(u32_of(property, v)?).ok_or(invalid(property))
}

fn put_u8<S: Sink>(s: &mut S, property: u8, v: Option<u8>) {
    if let Some(v) = v {
        s.u8(property);
        s.u8(v);
    }
}
fn put_bool<S: Sink>(s: &mut S, property: u8, v: Option<bool>) {
    put_u8(s, property, v.map(u8::from));
}
fn put_u16<S: Sink>(s: &mut S, property: u8, v: Option<u16>) {
    if let Some(v) = v {
        s.u8(property);
        s.u16(v);
    }
}
fn put_u32<S: Sink>(s: &mut S, property: u8, v: Option<u32>) {
    if let Some(v) = v {
        s.u8(property);
        s.u32(v);
    }
}
fn put_str<S: Sink, B: Buffer>(s: &mut S, property: u8, v: Option<&MqttStr<B>>) -> Result<(), EncodeError> {
    if let Some(v) = v {
        s.u8(property);
        s.string(v.as_bytes())?;
    }
    Ok(())
}
fn put_bin<S: Sink, B: Buffer>(s: &mut S, property: u8, v: Option<&B>) -> Result<(), EncodeError> {
    if let Some(v) = v {
        s.u8(property);
        s.binary(v.as_ref())?;
    }
    Ok(())
}
fn put_user<S: Sink, B: Buffer>(s: &mut S, list: &List<UserProperty<B>, B>) -> Result<(), EncodeError> {
    for p in list {
        s.u8(USER_PROPERTY);
        s.string(p.name.as_bytes())?;
        s.string(p.value.as_bytes())?;
    }
    Ok(())
}

/// A User Property: a name and value pair. Their order and repetitions are kept.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct UserProperty<B: Buffer = Bytes> {
    /// The name.
    pub name: MqttStr<B>,
    /// The value.
    pub value: MqttStr<B>,
}

/// The Payload Format Indicator (MQTT 5 section 3.3.2.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum PayloadFormat {
    /// 0: unspecified bytes.
    #[default]
    Unspecified,
    /// 1: UTF-8 encoded character data.
    Utf8,
}

fn payload_format<B: Buffer>(v: Value<B>) -> Result<PayloadFormat, DecodeError> {
    match byte(PAYLOAD_FORMAT_INDICATOR, v)? {
        0 => Ok(PayloadFormat::Unspecified),
        1 => Ok(PayloadFormat::Utf8),
        _ => Err(invalid(PAYLOAD_FORMAT_INDICATOR)),
    }
}

fn put_format<S: Sink>(s: &mut S, v: Option<PayloadFormat>) {
    put_u8(
        s,
        PAYLOAD_FORMAT_INDICATOR,
        v.map(|f| match f {
            PayloadFormat::Unspecified => 0,
            PayloadFormat::Utf8 => 1,
        }),
    );
}

macro_rules! users {
    () => {
        fn user_properties_mut(&mut self) -> &mut List<UserProperty<B>, B> {
            &mut self.user_properties
        }
    };
}

macro_rules! is_default {
    () => {
        fn is_empty(&self) -> bool {
            *self == Self::default()
        }
    };
}

/// CONNECT properties (MQTT 5 section 3.1.2.11). Absent fields take the
/// specification's defaults.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ConnectProperties<B: Buffer = Bytes> {
    /// Session Expiry Interval in seconds; absent means 0.
    pub session_expiry_interval: Option<u32>,
    /// Receive Maximum; absent means 65,535.
    pub receive_maximum: Option<NonZeroU16>,
    /// Maximum Packet Size the client accepts; absent means no limit.
    pub maximum_packet_size: Option<NonZeroU32>,
    /// Topic Alias Maximum; absent means 0 (no aliases).
    pub topic_alias_maximum: Option<u16>,
    /// Request Response Information; absent means false.
    pub request_response_information: Option<bool>,
    /// Request Problem Information; absent means true.
    pub request_problem_information: Option<bool>,
    /// Authentication Method for enhanced authentication.
    pub authentication_method: Option<MqttStr<B>>,
    /// Authentication Data.
    pub authentication_data: Option<B>,
    /// User Properties, in order.
    pub user_properties: List<UserProperty<B>, B>,
}

impl<B: Buffer> PropertySet<B> for ConnectProperties<B> {
    users!();

    const ALLOWED: u64 = bit(SESSION_EXPIRY_INTERVAL)
        | bit(RECEIVE_MAXIMUM)
        | bit(MAXIMUM_PACKET_SIZE)
        | bit(TOPIC_ALIAS_MAXIMUM)
        | bit(REQUEST_RESPONSE_INFORMATION)
        | bit(REQUEST_PROBLEM_INFORMATION)
        | bit(AUTHENTICATION_METHOD)
        | bit(AUTHENTICATION_DATA)
        | bit(USER_PROPERTY);

    fn set(&mut self, property: u8, v: Value<B>) -> Result<(), DecodeError> {
        match property {
            SESSION_EXPIRY_INTERVAL => self.session_expiry_interval = Some(u32_of(property, v)?),
            RECEIVE_MAXIMUM => self.receive_maximum = Some(nonzero16(property, v)?),
            MAXIMUM_PACKET_SIZE => self.maximum_packet_size = Some(nonzero32(property, v)?),
            TOPIC_ALIAS_MAXIMUM => self.topic_alias_maximum = Some(u16_of(property, v)?),
            REQUEST_RESPONSE_INFORMATION => {
                self.request_response_information = Some(flag(property, byte(property, v)?)?);
            }
            REQUEST_PROBLEM_INFORMATION => {
                self.request_problem_information = Some(flag(property, byte(property, v)?)?);
            }
            AUTHENTICATION_METHOD => self.authentication_method = Some(str_of(property, v)?),
            AUTHENTICATION_DATA => self.authentication_data = Some(bin_of(property, v)?),
            _ => return Err(invalid(property)),
        }
        Ok(())
    }

    fn emit<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        put_u32(s, SESSION_EXPIRY_INTERVAL, self.session_expiry_interval);
        put_u16(s, RECEIVE_MAXIMUM, self.receive_maximum.map(NonZeroU16::get));
        put_u32(s, MAXIMUM_PACKET_SIZE, self.maximum_packet_size.map(NonZeroU32::get));
        put_u16(s, TOPIC_ALIAS_MAXIMUM, self.topic_alias_maximum);
        put_bool(s, REQUEST_RESPONSE_INFORMATION, self.request_response_information);
        put_bool(s, REQUEST_PROBLEM_INFORMATION, self.request_problem_information);
        put_str(s, AUTHENTICATION_METHOD, self.authentication_method.as_ref())?;
        put_bin(s, AUTHENTICATION_DATA, self.authentication_data.as_ref())?;
        put_user(s, &self.user_properties)
    }

    is_default!();
}

/// Will properties (MQTT 5 section 3.1.3.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct WillProperties<B: Buffer = Bytes> {
    /// Will Delay Interval in seconds; absent means 0.
    pub will_delay_interval: Option<u32>,
    /// Payload Format Indicator.
    pub payload_format: Option<PayloadFormat>,
    /// Message Expiry Interval in seconds; absent means no expiry.
    pub message_expiry_interval: Option<u32>,
    /// Content Type.
    pub content_type: Option<MqttStr<B>>,
    /// Response Topic.
    pub response_topic: Option<TopicName<B>>,
    /// Correlation Data.
    pub correlation_data: Option<B>,
    /// User Properties, in order.
    pub user_properties: List<UserProperty<B>, B>,
}

fn response_topic<B: Buffer>(v: Value<B>) -> Result<TopicName<B>, DecodeError> {
    // MQTT-3.3.2-14: the Response Topic is a topic name, without wildcards.
    TopicName::new(str_of(RESPONSE_TOPIC, v)?.into_inner())
}

impl<B: Buffer> PropertySet<B> for WillProperties<B> {
    users!();

    const ALLOWED: u64 = bit(WILL_DELAY_INTERVAL)
        | bit(PAYLOAD_FORMAT_INDICATOR)
        | bit(MESSAGE_EXPIRY_INTERVAL)
        | bit(CONTENT_TYPE)
        | bit(RESPONSE_TOPIC)
        | bit(CORRELATION_DATA)
        | bit(USER_PROPERTY);

    fn set(&mut self, property: u8, v: Value<B>) -> Result<(), DecodeError> {
        match property {
            WILL_DELAY_INTERVAL => self.will_delay_interval = Some(u32_of(property, v)?),
            PAYLOAD_FORMAT_INDICATOR => self.payload_format = Some(payload_format(v)?),
            MESSAGE_EXPIRY_INTERVAL => self.message_expiry_interval = Some(u32_of(property, v)?),
            CONTENT_TYPE => self.content_type = Some(str_of(property, v)?),
            RESPONSE_TOPIC => self.response_topic = Some(response_topic(v)?),
            CORRELATION_DATA => self.correlation_data = Some(bin_of(property, v)?),
            _ => return Err(invalid(property)),
        }
        Ok(())
    }

    fn emit<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        put_u32(s, WILL_DELAY_INTERVAL, self.will_delay_interval);
        put_format(s, self.payload_format);
        put_u32(s, MESSAGE_EXPIRY_INTERVAL, self.message_expiry_interval);
        put_str(s, CONTENT_TYPE, self.content_type.as_ref())?;
        put_str(s, RESPONSE_TOPIC, self.response_topic.as_ref().map(TopicName::as_mqtt_str))?;
        put_bin(s, CORRELATION_DATA, self.correlation_data.as_ref())?;
        put_user(s, &self.user_properties)
    }

    is_default!();
}

/// CONNACK properties (MQTT 5 section 3.2.2.3). Absent fields take the
/// specification's defaults.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ConnAckProperties<B: Buffer = Bytes> {
    /// Session Expiry Interval the server uses, overriding the client's.
    pub session_expiry_interval: Option<u32>,
    /// Receive Maximum of the server; absent means 65,535.
    pub receive_maximum: Option<NonZeroU16>,
    /// Maximum QoS the server supports (0 or 1); absent means 2.
    pub maximum_qos: Option<QoS>,
    /// Retain Available; absent means true.
    pub retain_available: Option<bool>,
    /// Maximum Packet Size the server accepts; absent means no limit.
    pub maximum_packet_size: Option<NonZeroU32>,
    /// Client identifier the server assigned (when the client sent an empty one).
    pub assigned_client_identifier: Option<MqttStr<B>>,
    /// Topic Alias Maximum of the server; absent means 0.
    pub topic_alias_maximum: Option<u16>,
    /// Reason String.
    pub reason_string: Option<MqttStr<B>>,
    /// User Properties, in order.
    pub user_properties: List<UserProperty<B>, B>,
    /// Wildcard Subscription Available; absent means true.
    pub wildcard_subscription_available: Option<bool>,
    /// Subscription Identifiers Available; absent means true.
    pub subscription_identifiers_available: Option<bool>,
    /// Shared Subscription Available; absent means true.
    pub shared_subscription_available: Option<bool>,
    /// Server Keep Alive, overriding the client's keep alive.
    pub server_keep_alive: Option<u16>,
    /// Response Information.
    pub response_information: Option<MqttStr<B>>,
    /// Server Reference: another server to use.
    pub server_reference: Option<MqttStr<B>>,
    /// Authentication Method.
    pub authentication_method: Option<MqttStr<B>>,
    /// Authentication Data.
    pub authentication_data: Option<B>,
}

impl<B: Buffer> PropertySet<B> for ConnAckProperties<B> {
    users!();

    const ALLOWED: u64 = bit(SESSION_EXPIRY_INTERVAL)
        | bit(RECEIVE_MAXIMUM)
        | bit(MAXIMUM_QOS)
        | bit(RETAIN_AVAILABLE)
        | bit(MAXIMUM_PACKET_SIZE)
        | bit(ASSIGNED_CLIENT_IDENTIFIER)
        | bit(TOPIC_ALIAS_MAXIMUM)
        | bit(REASON_STRING)
        | bit(USER_PROPERTY)
        | bit(WILDCARD_SUBSCRIPTION_AVAILABLE)
        | bit(SUBSCRIPTION_IDENTIFIER_AVAILABLE)
        | bit(SHARED_SUBSCRIPTION_AVAILABLE)
        | bit(SERVER_KEEP_ALIVE)
        | bit(RESPONSE_INFORMATION)
        | bit(SERVER_REFERENCE)
        | bit(AUTHENTICATION_METHOD)
        | bit(AUTHENTICATION_DATA);

    fn set(&mut self, property: u8, v: Value<B>) -> Result<(), DecodeError> {
        match property {
            SESSION_EXPIRY_INTERVAL => self.session_expiry_interval = Some(u32_of(property, v)?),
            RECEIVE_MAXIMUM => self.receive_maximum = Some(nonzero16(property, v)?),
            MAXIMUM_QOS => {
                self.maximum_qos = Some(match byte(property, v)? {
                    0 => QoS::AtMostOnce,
                    1 => QoS::AtLeastOnce,
                    _ => return Err(invalid(property)),
                });
            }
            RETAIN_AVAILABLE => self.retain_available = Some(flag(property, byte(property, v)?)?),
            MAXIMUM_PACKET_SIZE => self.maximum_packet_size = Some(nonzero32(property, v)?),
            ASSIGNED_CLIENT_IDENTIFIER => {
                self.assigned_client_identifier = Some(str_of(property, v)?);
            }
            TOPIC_ALIAS_MAXIMUM => self.topic_alias_maximum = Some(u16_of(property, v)?),
            REASON_STRING => self.reason_string = Some(str_of(property, v)?),
            WILDCARD_SUBSCRIPTION_AVAILABLE => {
                self.wildcard_subscription_available = Some(flag(property, byte(property, v)?)?);
            }
            SUBSCRIPTION_IDENTIFIER_AVAILABLE => {
                self.subscription_identifiers_available = Some(flag(property, byte(property, v)?)?);
            }
            SHARED_SUBSCRIPTION_AVAILABLE => {
                self.shared_subscription_available = Some(flag(property, byte(property, v)?)?);
            }
            SERVER_KEEP_ALIVE => self.server_keep_alive = Some(u16_of(property, v)?),
            RESPONSE_INFORMATION => self.response_information = Some(str_of(property, v)?),
            SERVER_REFERENCE => self.server_reference = Some(str_of(property, v)?),
            AUTHENTICATION_METHOD => self.authentication_method = Some(str_of(property, v)?),
            AUTHENTICATION_DATA => self.authentication_data = Some(bin_of(property, v)?),
            _ => return Err(invalid(property)),
        }
        Ok(())
    }

    fn emit<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        put_u32(s, SESSION_EXPIRY_INTERVAL, self.session_expiry_interval);
        put_u16(s, RECEIVE_MAXIMUM, self.receive_maximum.map(NonZeroU16::get));
        put_u8(s, MAXIMUM_QOS, self.maximum_qos.map(QoS::as_u8));
        put_bool(s, RETAIN_AVAILABLE, self.retain_available);
        put_u32(s, MAXIMUM_PACKET_SIZE, self.maximum_packet_size.map(NonZeroU32::get));
        put_str(s, ASSIGNED_CLIENT_IDENTIFIER, self.assigned_client_identifier.as_ref())?;
        put_u16(s, TOPIC_ALIAS_MAXIMUM, self.topic_alias_maximum);
        put_str(s, REASON_STRING, self.reason_string.as_ref())?;
        put_user(s, &self.user_properties)?;
        put_bool(s, WILDCARD_SUBSCRIPTION_AVAILABLE, self.wildcard_subscription_available);
        put_bool(s, SUBSCRIPTION_IDENTIFIER_AVAILABLE, self.subscription_identifiers_available);
        put_bool(s, SHARED_SUBSCRIPTION_AVAILABLE, self.shared_subscription_available);
        put_u16(s, SERVER_KEEP_ALIVE, self.server_keep_alive);
        put_str(s, RESPONSE_INFORMATION, self.response_information.as_ref())?;
        put_str(s, SERVER_REFERENCE, self.server_reference.as_ref())?;
        put_str(s, AUTHENTICATION_METHOD, self.authentication_method.as_ref())?;
        put_bin(s, AUTHENTICATION_DATA, self.authentication_data.as_ref())
    }

    is_default!();
}

/// PUBLISH properties (MQTT 5 section 3.3.2.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct PublishProperties<B: Buffer = Bytes> {
    /// Payload Format Indicator.
    pub payload_format: Option<PayloadFormat>,
    /// Message Expiry Interval in seconds.
    pub message_expiry_interval: Option<u32>,
    /// Topic Alias (never 0, MQTT-3.3.2-8).
    pub topic_alias: Option<NonZeroU16>,
    /// Response Topic.
    pub response_topic: Option<TopicName<B>>,
    /// Correlation Data.
    pub correlation_data: Option<B>,
    /// User Properties, in order.
    pub user_properties: List<UserProperty<B>, B>,
    /// Subscription Identifiers of the subscriptions that matched (server to client;
    /// may repeat).
    pub subscription_identifiers: List<NonZeroU32, B>,
    /// Content Type.
    pub content_type: Option<MqttStr<B>>,
}

impl<B: Buffer> PropertySet<B> for PublishProperties<B> {
    users!();

    const ALLOWED: u64 = bit(PAYLOAD_FORMAT_INDICATOR)
        | bit(MESSAGE_EXPIRY_INTERVAL)
        | bit(TOPIC_ALIAS)
        | bit(RESPONSE_TOPIC)
        | bit(CORRELATION_DATA)
        | bit(USER_PROPERTY)
        | bit(SUBSCRIPTION_IDENTIFIER)
        | bit(CONTENT_TYPE);
    const REPEATABLE: u64 = bit(USER_PROPERTY) | bit(SUBSCRIPTION_IDENTIFIER);

    fn subscription_identifiers_mut(&mut self) -> Option<&mut List<NonZeroU32, B>> {
        Some(&mut self.subscription_identifiers)
    }

    fn set(&mut self, property: u8, v: Value<B>) -> Result<(), DecodeError> {
        match property {
            PAYLOAD_FORMAT_INDICATOR => self.payload_format = Some(payload_format(v)?),
            MESSAGE_EXPIRY_INTERVAL => self.message_expiry_interval = Some(u32_of(property, v)?),
            TOPIC_ALIAS => self.topic_alias = Some(nonzero16(property, v)?),
            RESPONSE_TOPIC => self.response_topic = Some(response_topic(v)?),
            CORRELATION_DATA => self.correlation_data = Some(bin_of(property, v)?),
            CONTENT_TYPE => self.content_type = Some(str_of(property, v)?),
            _ => return Err(invalid(property)),
        }
        Ok(())
    }

    fn emit<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        self.emit_with_alias(self.topic_alias, s)
    }

    fn is_empty(&self) -> bool {
        self.is_empty_except_alias() && self.topic_alias.is_none()
    }
}

impl<B: Buffer> PublishProperties<B> {
    /// Writes the properties with `alias` as the Topic Alias.
    fn emit_with_alias<S: Sink>(&self, alias: Option<NonZeroU16>, s: &mut S) -> Result<(), EncodeError> {
        put_format(s, self.payload_format);
        put_u32(s, MESSAGE_EXPIRY_INTERVAL, self.message_expiry_interval);
        put_u16(s, TOPIC_ALIAS, alias.map(NonZeroU16::get));
        put_str(s, RESPONSE_TOPIC, self.response_topic.as_ref().map(TopicName::as_mqtt_str))?;
        put_bin(s, CORRELATION_DATA, self.correlation_data.as_ref())?;
        put_user(s, &self.user_properties)?;
        for id in &self.subscription_identifiers {
            s.u8(SUBSCRIPTION_IDENTIFIER);
            s.varint(id.get())?;
        }
        put_str(s, CONTENT_TYPE, self.content_type.as_ref())
    }

    fn is_empty_except_alias(&self) -> bool {
        self.payload_format.is_none()
            && self.message_expiry_interval.is_none()
            && self.response_topic.is_none()
            && self.correlation_data.is_none()
            && self.user_properties.is_empty()
            && self.subscription_identifiers.is_empty()
            && self.content_type.is_none()
    }
}

/// Properties of PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK and UNSUBACK
/// (MQTT 5 sections 3.4.2.2, 3.5.2.2, 3.6.2.2, 3.7.2.2, 3.9.2.1, 3.11.2.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct AckProperties<B: Buffer = Bytes> {
    /// Reason String: diagnostics for a human.
    pub reason_string: Option<MqttStr<B>>,
    /// User Properties, in order.
    pub user_properties: List<UserProperty<B>, B>,
}

impl<B: Buffer> PropertySet<B> for AckProperties<B> {
    users!();

    const ALLOWED: u64 = bit(REASON_STRING) | bit(USER_PROPERTY);

    fn set(&mut self, property: u8, v: Value<B>) -> Result<(), DecodeError> {
        match property {
            REASON_STRING => self.reason_string = Some(str_of(property, v)?),
            _ => return Err(invalid(property)),
        }
        Ok(())
    }

    fn emit<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        put_str(s, REASON_STRING, self.reason_string.as_ref())?;
        put_user(s, &self.user_properties)
    }

    fn is_empty(&self) -> bool {
        self.reason_string.is_none() && self.user_properties.is_empty()
    }
}

/// SUBSCRIBE properties (MQTT 5 section 3.8.2.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct SubscribeProperties<B: Buffer = Bytes> {
    /// Subscription Identifier, 1 to 268,435,455.
    pub subscription_identifier: Option<NonZeroU32>,
    /// User Properties, in order.
    pub user_properties: List<UserProperty<B>, B>,
}

impl<B: Buffer> PropertySet<B> for SubscribeProperties<B> {
    users!();

    const ALLOWED: u64 = bit(SUBSCRIPTION_IDENTIFIER) | bit(USER_PROPERTY);

    fn set(&mut self, property: u8, v: Value<B>) -> Result<(), DecodeError> {
        match property {
            SUBSCRIPTION_IDENTIFIER => self.subscription_identifier = Some(nonzero32(property, v)?),
            _ => return Err(invalid(property)),
        }
        Ok(())
    }

    fn emit<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        if let Some(id) = self.subscription_identifier {
            s.u8(SUBSCRIPTION_IDENTIFIER);
            s.varint(id.get())?;
        }
        put_user(s, &self.user_properties)
    }

    fn is_empty(&self) -> bool {
        self.subscription_identifier.is_none() && self.user_properties.is_empty()
    }
}

/// UNSUBSCRIBE properties (MQTT 5 section 3.10.2.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct UnsubscribeProperties<B: Buffer = Bytes> {
    /// User Properties, in order.
    pub user_properties: List<UserProperty<B>, B>,
}

impl<B: Buffer> PropertySet<B> for UnsubscribeProperties<B> {
    users!();

    const ALLOWED: u64 = bit(USER_PROPERTY);

    fn set(&mut self, property: u8, _: Value<B>) -> Result<(), DecodeError> {
        // User Properties are counted by `decode`, never set one by one.
        Err(invalid(property))
    }

    fn emit<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        put_user(s, &self.user_properties)
    }

    fn is_empty(&self) -> bool {
        self.user_properties.is_empty()
    }
}

/// DISCONNECT properties (MQTT 5 section 3.14.2.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct DisconnectProperties<B: Buffer = Bytes> {
    /// Session Expiry Interval (client to server only).
    pub session_expiry_interval: Option<u32>,
    /// Reason String.
    pub reason_string: Option<MqttStr<B>>,
    /// User Properties, in order.
    pub user_properties: List<UserProperty<B>, B>,
    /// Server Reference: another server to use.
    pub server_reference: Option<MqttStr<B>>,
}

impl<B: Buffer> PropertySet<B> for DisconnectProperties<B> {
    users!();

    const ALLOWED: u64 = bit(SESSION_EXPIRY_INTERVAL) | bit(REASON_STRING) | bit(USER_PROPERTY) | bit(SERVER_REFERENCE);

    fn set(&mut self, property: u8, v: Value<B>) -> Result<(), DecodeError> {
        match property {
            SESSION_EXPIRY_INTERVAL => self.session_expiry_interval = Some(u32_of(property, v)?),
            REASON_STRING => self.reason_string = Some(str_of(property, v)?),
            SERVER_REFERENCE => self.server_reference = Some(str_of(property, v)?),
            _ => return Err(invalid(property)),
        }
        Ok(())
    }

    fn emit<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        put_u32(s, SESSION_EXPIRY_INTERVAL, self.session_expiry_interval);
        put_str(s, REASON_STRING, self.reason_string.as_ref())?;
        put_user(s, &self.user_properties)?;
        put_str(s, SERVER_REFERENCE, self.server_reference.as_ref())
    }

    is_default!();
}

/// AUTH properties (MQTT 5 section 3.15.2.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct AuthProperties<B: Buffer = Bytes> {
    /// Authentication Method.
    pub authentication_method: Option<MqttStr<B>>,
    /// Authentication Data.
    pub authentication_data: Option<B>,
    /// Reason String.
    pub reason_string: Option<MqttStr<B>>,
    /// User Properties, in order.
    pub user_properties: List<UserProperty<B>, B>,
}

impl<B: Buffer> PropertySet<B> for AuthProperties<B> {
    users!();

    const ALLOWED: u64 =
        bit(AUTHENTICATION_METHOD) | bit(AUTHENTICATION_DATA) | bit(REASON_STRING) | bit(USER_PROPERTY);

    fn set(&mut self, property: u8, v: Value<B>) -> Result<(), DecodeError> {
        match property {
            AUTHENTICATION_METHOD => self.authentication_method = Some(str_of(property, v)?),
            AUTHENTICATION_DATA => self.authentication_data = Some(bin_of(property, v)?),
            REASON_STRING => self.reason_string = Some(str_of(property, v)?),
            _ => return Err(invalid(property)),
        }
        Ok(())
    }

    fn emit<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        put_str(s, AUTHENTICATION_METHOD, self.authentication_method.as_ref())?;
        put_bin(s, AUTHENTICATION_DATA, self.authentication_data.as_ref())?;
        put_str(s, REASON_STRING, self.reason_string.as_ref())?;
        put_user(s, &self.user_properties)
    }

    is_default!();
}
