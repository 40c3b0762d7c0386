//! Decode and encode errors.
//!
//! Decode errors say what the peer sent wrong; encode errors say what the
//! caller asked for that cannot go on the wire. Both are small `Copy` values.

use core::fmt;

use crate::{PacketType, ProtocolVersion};

/// Why bytes from the network are not a valid MQTT packet.
///
/// Where a variant checks a normative statement of the specification, its
/// documentation names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The packet type in the fixed header is reserved: 0, or 15 (AUTH) before MQTT 5.
    ReservedPacketType(u8),
    /// The fixed-header flags differ from the ones the specification fixes for this
    /// packet type (MQTT-2.2.2-1, MQTT-2.2.2-2).
    InvalidFlags {
        /// The packet type.
        packet: PacketType,
        /// The four flag bits received.
        flags: u8,
    },
    /// A QoS field holds the value 3 (MQTT-3.3.1-4).
    InvalidQoS,
    /// A QoS 0 PUBLISH has the DUP flag set (MQTT-3.3.1-2).
    DupWithQoS0,
    /// A packet identifier is 0 (MQTT-2.3.1-1).
    ZeroPacketId,
    /// The remaining length continues past its fourth byte (MQTT 2.2.3).
    RemainingLengthTooLong,
    /// A variable byte integer uses more bytes than needed (MQTT-1.5.5-1).
    NonMinimalVarInt,
    /// The packet is larger than the maximum packet size; rejected from its fixed
    /// header, before its body is buffered.
    PacketTooLarge {
        /// The packet's total size in bytes, fixed header included.
        size: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The packet ends before a field it must contain.
    UnexpectedEnd {
        /// The packet type.
        packet: PacketType,
    },
    /// Bytes are left over after the packet's last field.
    TrailingBytes {
        /// The packet type.
        packet: PacketType,
        /// How many bytes were left.
        count: usize,
    },
    /// A string is not well-formed UTF-8 (MQTT-1.5.4-1).
    InvalidUtf8,
    /// A string contains the null character U+0000 (MQTT-1.5.4-2).
    NullCharacter,
    /// A topic name or filter is empty (MQTT-4.7.3-1), or a v5 PUBLISH has an empty
    /// topic name and no topic alias.
    EmptyTopic,
    /// A topic name contains a wildcard `+` or `#` (MQTT-3.3.2-2, MQTT-4.7.1-1).
    WildcardInTopicName,
    /// A topic filter has a misplaced wildcard (MQTT-4.7.1-2, MQTT-4.7.1-3) or a
    /// malformed shared subscription (MQTT-4.8.2-1, MQTT-4.8.2-2).
    InvalidTopicFilter,
    /// A SUBSCRIBE (MQTT-3.8.3-3) or UNSUBSCRIBE (MQTT-3.10.3-2) carries no filter.
    NoTopicFilters {
        /// The packet type.
        packet: PacketType,
    },
    /// Subscription options with reserved bits set (MQTT-3.8.3-5), retain handling 3,
    /// or No Local on a shared subscription (MQTT-3.8.3-4).
    InvalidSubscriptionOptions(u8),
    /// The reserved bit of the CONNECT flags is set (MQTT-3.1.2-3).
    ReservedConnectFlag,
    /// Will QoS or Will Retain is set without the Will Flag (MQTT-3.1.2-11,
    /// MQTT-3.1.2-13, MQTT-3.1.2-15).
    InvalidWillFlags,
    /// The Password Flag is set without the User Name Flag in MQTT 3.1 or 3.1.1
    /// (MQTT-3.1.2-22).
    PasswordWithoutUsername,
    /// The CONNECT protocol name is neither "MQTT" nor "MQIsdp" (MQTT-3.1.2-1).
    InvalidProtocolName,
    /// The CONNECT protocol level is not 3, 4 or 5 (MQTT-3.1.2-2).
    UnsupportedProtocolLevel(u8),
    /// The protocol name and level disagree: "MQIsdp" goes with level 3 only, "MQTT"
    /// with levels 4 and 5.
    ProtocolMismatch {
        /// The level received.
        level: u8,
    },
    /// CONNACK acknowledge flags with reserved bits set (MQTT-3.2.2-1), or Session
    /// Present set on a refusal (MQTT-3.2.2-4).
    InvalidConnAckFlags(u8),
    /// A property identifier this version does not define.
    UnknownProperty(u8),
    /// A property that this packet may not carry.
    PropertyNotAllowed {
        /// The packet type.
        packet: PacketType,
        /// The property identifier.
        property: u8,
    },
    /// A property that may appear once appears twice.
    DuplicateProperty {
        /// The packet type.
        packet: PacketType,
        /// The property identifier.
        property: u8,
    },
    /// A property value outside its range, such as a Receive Maximum or Topic Alias
    /// of 0 (MQTT-3.3.2-8), or a boolean other than 0 or 1.
    InvalidPropertyValue {
        /// The property identifier.
        property: u8,
    },
    /// A reason or return code that this packet type may not carry.
    InvalidReasonCode {
        /// The packet type.
        packet: PacketType,
        /// The code received.
        code: u8,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::ReservedPacketType(t) => write!(f, "packet type {t} is reserved"),
            Self::InvalidFlags { packet, flags } => {
                write!(f, "fixed-header flags {flags:#06b} are not valid for {packet}")
            }
            Self::InvalidQoS => f.write_str("QoS 3 is not a valid quality of service"),
            Self::DupWithQoS0 => f.write_str("a QoS 0 PUBLISH has the DUP flag set"),
            Self::ZeroPacketId => f.write_str("packet identifier 0 is not allowed"),
            Self::RemainingLengthTooLong => f.write_str("remaining length is longer than 4 bytes"),
            Self::NonMinimalVarInt => f.write_str("variable byte integer is not in its minimal form"),
            Self::PacketTooLarge { size, max } => {
                write!(f, "packet of {size} bytes exceeds the maximum of {max}")
            }
            Self::UnexpectedEnd { packet } => write!(f, "{packet} ends before its last field"),
            Self::TrailingBytes { packet, count } => {
                write!(f, "{count} unexpected bytes after the end of {packet}")
            }
            Self::InvalidUtf8 => f.write_str("string is not well-formed UTF-8"),
            Self::NullCharacter => f.write_str("string contains the null character U+0000"),
            Self::EmptyTopic => f.write_str("topic is empty"),
            Self::WildcardInTopicName => f.write_str("topic name contains a wildcard"),
            Self::InvalidTopicFilter => f.write_str("topic filter is malformed"),
            Self::NoTopicFilters { packet } => write!(f, "{packet} carries no topic filter"),
            Self::InvalidSubscriptionOptions(b) => {
                write!(f, "subscription options {b:#010b} are not valid")
            }
            Self::ReservedConnectFlag => f.write_str("reserved CONNECT flag is set"),
            Self::InvalidWillFlags => f.write_str("will QoS or will retain is set without the will flag"),
            Self::PasswordWithoutUsername => f.write_str("password flag is set without the user name flag"),
            Self::InvalidProtocolName => f.write_str("protocol name is not MQTT or MQIsdp"),
            Self::UnsupportedProtocolLevel(l) => write!(f, "protocol level {l} is not supported"),
            Self::ProtocolMismatch { level } => {
                write!(f, "protocol level {level} does not match the protocol name")
            }
            Self::InvalidConnAckFlags(b) => write!(f, "CONNACK flags {b:#010b} are not valid"),
            Self::UnknownProperty(p) => write!(f, "unknown property {p:#04x}"),
            Self::PropertyNotAllowed { packet, property } => {
                write!(f, "property {property:#04x} is not allowed on {packet}")
            }
            Self::DuplicateProperty { packet, property } => {
                write!(f, "property {property:#04x} appears more than once on {packet}")
            }
            Self::InvalidPropertyValue { property } => {
                write!(f, "property {property:#04x} has a value outside its range")
            }
            Self::InvalidReasonCode { packet, code } => {
                write!(f, "reason code {code:#04x} is not valid for {packet}")
            }
        }
    }
}

impl core::error::Error for DecodeError {}

/// Why a packet cannot be encoded. The output buffer is left unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// A string is longer than 65,535 bytes (MQTT 1.5.4).
    StringTooLong {
        /// The string's length in bytes.
        len: usize,
    },
    /// Binary data is longer than 65,535 bytes (MQTT 1.5.6).
    BinaryTooLong {
        /// The data's length in bytes.
        len: usize,
    },
    /// A variable byte integer value above 268,435,455 (MQTT 1.5.5), such as a
    /// subscription identifier.
    ValueTooLarge {
        /// The value.
        value: u32,
    },
    /// The packet is larger than the maximum packet size, or than the 268,435,455
    /// bytes the remaining length can express.
    PacketTooLarge {
        /// The packet's total size in bytes.
        size: usize,
        /// The maximum it had to fit in.
        max: u32,
    },
    /// The output buffer cannot take the packet.
    BufferTooSmall {
        /// Bytes the packet needs.
        needed: usize,
        /// Bytes the buffer can take.
        available: usize,
    },
    /// A SUBSCRIBE or UNSUBSCRIBE without any topic filter.
    NoTopicFilters {
        /// The packet type.
        packet: PacketType,
    },
    /// A password without a user name, which MQTT 3.1 and 3.1.1 forbid (MQTT-3.1.2-22).
    PasswordWithoutUsername,
    /// A reason code that this packet type may not carry.
    InvalidReasonCode {
        /// The packet type.
        packet: PacketType,
        /// The code.
        code: u8,
    },
    /// A PUBLISH with an empty topic name and no topic alias.
    EmptyTopic,
    /// Something only MQTT 5 can express (AUTH, properties, reason codes, subscription
    /// options beyond QoS) in an older version.
    NotInVersion {
        /// The version encoded for.
        version: ProtocolVersion,
        /// What could not be expressed.
        what: &'static str,
    },
    /// A combination of fields the specification forbids, which a decoder would
    /// reject: DUP on a QoS 0 PUBLISH (MQTT-3.3.1-2), Session Present on a refused
    /// CONNACK (MQTT-3.2.2-4, MQTT-3.2.2-6), Maximum QoS 2 (MQTT 5 section
    /// 3.2.2.3.4), No Local on a shared subscription (MQTT-3.8.3-4), or a SUBACK or
    /// MQTT 5 UNSUBACK without reason codes.
    Forbidden {
        /// The packet type.
        packet: PacketType,
        /// What is not allowed.
        what: &'static str,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::StringTooLong { len } => {
                write!(f, "string of {len} bytes exceeds the 65535-byte limit")
            }
            Self::BinaryTooLong { len } => {
                write!(f, "binary data of {len} bytes exceeds the 65535-byte limit")
            }
            Self::ValueTooLarge { value } => {
                write!(f, "{value} exceeds the variable byte integer maximum of 268435455")
            }
            Self::PacketTooLarge { size, max } => {
                write!(f, "packet of {size} bytes exceeds the maximum of {max}")
            }
            Self::BufferTooSmall { needed, available } => {
                write!(f, "packet needs {needed} bytes but the buffer takes {available}")
            }
            Self::NoTopicFilters { packet } => write!(f, "{packet} needs at least one topic filter"),
            Self::PasswordWithoutUsername => {
                f.write_str("MQTT 3.1 and 3.1.1 do not allow a password without a user name")
            }
            Self::InvalidReasonCode { packet, code } => {
                write!(f, "reason code {code:#04x} is not valid for {packet}")
            }
            Self::EmptyTopic => f.write_str("PUBLISH has an empty topic and no topic alias"),
            Self::NotInVersion { version, what } => write!(f, "{version} cannot express {what}"),
            Self::Forbidden { packet, what } => write!(f, "{what} is not allowed in {packet}"),
        }
    }
}

impl core::error::Error for EncodeError {}
