//! Protocol versions.

use core::fmt;

/// The MQTT protocol version, identified on the wire by its protocol level.
///
/// The specification fixes these levels, so the enum is exhaustive.
///
/// # Examples
///
/// ```
/// use mqtt_proto::ProtocolVersion;
///
/// assert_eq!(ProtocolVersion::V3_1.level(), 3);
/// assert_eq!(ProtocolVersion::V3_1.protocol_name(), "MQIsdp");
/// assert_eq!(ProtocolVersion::V5.protocol_name(), "MQTT");
/// assert!(ProtocolVersion::V5.is_v5());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(u8)]
pub enum ProtocolVersion {
    /// MQTT 3.1 (protocol name "MQIsdp", level 3).
    V3_1 = 0x03,
    /// MQTT 3.1.1 (protocol name "MQTT", level 4).
    #[default]
    V3_1_1 = 0x04,
    /// MQTT 5.0 (protocol name "MQTT", level 5).
    V5 = 0x05,
}

impl ProtocolVersion {
    /// The protocol level byte of CONNECT.
    #[must_use]
    pub const fn level(self) -> u8 {
        self as u8
    }

    /// The protocol name of CONNECT: "MQIsdp" for 3.1, "MQTT" after.
    #[must_use]
    pub const fn protocol_name(self) -> &'static str {
        match self {
            Self::V3_1 => "MQIsdp",
            Self::V3_1_1 | Self::V5 => "MQTT",
        }
    }

    /// Whether this is MQTT 5.0, where packets carry properties and reason codes.
    #[must_use]
    pub const fn is_v5(self) -> bool {
        matches!(self, Self::V5)
    }

    /// The version for a protocol level, if it is one of 3, 4 or 5.
    #[must_use]
    pub const fn from_level(level: u8) -> Option<Self> {
        match level {
            0x03 => Some(Self::V3_1),
            0x04 => Some(Self::V3_1_1),
            0x05 => Some(Self::V5),
            _ => None,
        }
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V3_1 => "MQTT 3.1",
            Self::V3_1_1 => "MQTT 3.1.1",
            Self::V5 => "MQTT 5.0",
        })
    }
}
