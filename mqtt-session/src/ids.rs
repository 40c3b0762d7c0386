//! Packet identifiers and quality-of-service levels.

use core::fmt;
use core::num::NonZeroU16;

/// A packet identifier: a non-zero 16-bit integer (MQTT-2.2.1-3, MQTT-2.3.1-1).
///
/// Zero is not a valid packet identifier, so this type cannot hold it.
///
/// # Examples
///
/// ```
/// use mqtt_session::PacketId;
///
/// assert!(PacketId::new(0).is_none());
/// let id = PacketId::new(42).unwrap();
/// assert_eq!(id.get(), 42);
/// assert_eq!(id.next(), PacketId::new(43).unwrap());
/// assert_eq!(PacketId::MAX.next(), PacketId::MIN);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PacketId(NonZeroU16);

impl PacketId {
    /// The smallest packet identifier, 1.
    pub const MIN: Self = Self(NonZeroU16::MIN);
    /// The largest packet identifier, 65535.
    pub const MAX: Self = Self(NonZeroU16::MAX);

    /// Returns the identifier for `value`, or `None` when `value` is zero.
    #[must_use]
    pub const fn new(value: u16) -> Option<Self> {
        match NonZeroU16::new(value) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// The identifier as a plain integer (never zero).
    #[must_use]
    pub const fn get(self) -> u16 {
        self.0.get()
    }

    /// The following identifier, wrapping from 65535 back to 1.
    #[must_use]
    pub const fn next(self) -> Self {
        match NonZeroU16::new(self.0.get().wrapping_add(1)) {
            Some(v) => Self(v),
            None => Self::MIN,
        }
    }
}

impl From<PacketId> for u16 {
    fn from(id: PacketId) -> u16 {
        id.get()
    }
}

impl From<NonZeroU16> for PacketId {
    fn from(value: NonZeroU16) -> Self {
        Self(value)
    }
}

impl TryFrom<u16> for PacketId {
    type Error = ZeroPacketId;

    fn try_from(value: u16) -> Result<Self, ZeroPacketId> {
        Self::new(value).ok_or(ZeroPacketId)
    }
}

impl fmt::Debug for PacketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PacketId({})", self.get())
    }
}

impl fmt::Display for PacketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.get(), f)
    }
}

/// The error of converting 0 into a [`PacketId`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZeroPacketId;

impl fmt::Display for ZeroPacketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("packet identifier 0 is not allowed")
    }
}

impl core::error::Error for ZeroPacketId {}

/// Quality of service of a message delivery (MQTT 4.3).
///
/// The specification fixes these three levels; the value 3 is malformed.
///
/// # Examples
///
/// ```
/// use mqtt_session::QoS;
///
/// assert_eq!(QoS::try_from(1), Ok(QoS::AtLeastOnce));
/// assert!(QoS::try_from(3).is_err());
/// assert!(QoS::AtMostOnce < QoS::ExactlyOnce);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(u8)]
pub enum QoS {
    /// QoS 0: delivered at most once, no acknowledgement.
    #[default]
    AtMostOnce = 0x00,
    /// QoS 1: delivered at least once, acknowledged by PUBACK.
    AtLeastOnce = 0x01,
    /// QoS 2: delivered exactly once, by PUBREC, PUBREL and PUBCOMP.
    ExactlyOnce = 0x02,
}

impl QoS {
    /// The level as its wire value (0, 1 or 2).
    #[must_use]
    pub const fn as_u8(self) -> u8 {
        self as u8
    }
}

impl TryFrom<u8> for QoS {
    type Error = InvalidQoS;

    fn try_from(value: u8) -> Result<Self, InvalidQoS> {
        match value {
            0x00 => Ok(Self::AtMostOnce),
            0x01 => Ok(Self::AtLeastOnce),
            0x02 => Ok(Self::ExactlyOnce),
            other => Err(InvalidQoS(other)),
        }
    }
}

impl From<QoS> for u8 {
    fn from(qos: QoS) -> u8 {
        qos.as_u8()
    }
}

/// The error of converting a value other than 0, 1 or 2 into a [`QoS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidQoS(pub u8);

impl fmt::Display for InvalidQoS {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "QoS {} is not 0, 1 or 2", self.0)
    }
}

impl core::error::Error for InvalidQoS {}
