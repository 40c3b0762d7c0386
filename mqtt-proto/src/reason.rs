//! Reason codes (MQTT 5 section 2.4) and the 3.x return codes they subsume.

use core::fmt;

use crate::{PacketType, ProtocolVersion};

macro_rules! reason_codes {
    ($($(#[$doc:meta])* $name:ident = $value:literal, $text:literal;)*) => {
        /// A reason code (MQTT 5 section 2.4).
        ///
        /// One type serves every packet and every version: 0x00 is "Success",
        /// "Normal disconnection" or "Granted QoS 0" depending on the packet. MQTT 3.x
        /// CONNACK return codes 1 to 5 map to their MQTT 5 equivalents
        /// ([`ReasonCode::from_v3_connack`]), and 3.x SUBACK codes are 0x00 to 0x02
        /// and 0x80 in both versions. Which codes a packet may carry is checked when
        /// decoding and encoding.
        ///
        /// # Examples
        ///
        /// ```
        /// use mqtt_proto::ReasonCode;
        ///
        /// assert_eq!(ReasonCode::try_from(0x87), Ok(ReasonCode::NotAuthorized));
        /// assert!(ReasonCode::NotAuthorized.is_error());
        /// assert_eq!(ReasonCode::from_v3_connack(5), Some(ReasonCode::NotAuthorized));
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        #[repr(u8)]
        pub enum ReasonCode {
            $($(#[$doc])* $name = $value,)*
        }

        impl ReasonCode {
            /// What the code means, in words.
            #[must_use]
            pub const fn description(self) -> &'static str {
                match self { $(Self::$name => $text,)* }
            }
        }

        impl TryFrom<u8> for ReasonCode {
            type Error = u8;

            /// The reason code for a byte, or the byte back when no code has that value.
            fn try_from(value: u8) -> Result<Self, u8> {
                match value {
                    $($value => Ok(Self::$name),)*
                    other => Err(other),
                }
            }
        }
    };
}

reason_codes! {
    /// 0x00: Success, Normal disconnection, or Granted QoS 0.
    #[default]
    Success = 0x00, "success";
    /// 0x01: Granted QoS 1 (SUBACK).
    GrantedQoS1 = 0x01, "granted QoS 1";
    /// 0x02: Granted QoS 2 (SUBACK).
    GrantedQoS2 = 0x02, "granted QoS 2";
    /// 0x04: Disconnect with Will Message (DISCONNECT).
    DisconnectWithWillMessage = 0x04, "disconnect with will message";
    /// 0x10: No matching subscribers (PUBACK, PUBREC).
    NoMatchingSubscribers = 0x10, "no matching subscribers";
    /// 0x11: No subscription existed (UNSUBACK).
    NoSubscriptionExisted = 0x11, "no subscription existed";
    /// 0x18: Continue authentication (AUTH).
    ContinueAuthentication = 0x18, "continue authentication";
    /// 0x19: Re-authenticate (AUTH).
    ReAuthenticate = 0x19, "re-authenticate";
    /// 0x80: Unspecified error (3.x SUBACK: Failure).
    UnspecifiedError = 0x80, "unspecified error";
    /// 0x81: Malformed Packet.
    MalformedPacket = 0x81, "malformed packet";
    /// 0x82: Protocol Error.
    ProtocolError = 0x82, "protocol error";
    /// 0x83: Implementation specific error.
    ImplementationSpecificError = 0x83, "implementation specific error";
    /// 0x84: Unsupported Protocol Version (3.x CONNACK 1).
    UnsupportedProtocolVersion = 0x84, "unsupported protocol version";
    /// 0x85: Client Identifier not valid (3.x CONNACK 2).
    ClientIdentifierNotValid = 0x85, "client identifier not valid";
    /// 0x86: Bad User Name or Password (3.x CONNACK 4).
    BadUserNameOrPassword = 0x86, "bad user name or password";
    /// 0x87: Not authorized (3.x CONNACK 5).
    NotAuthorized = 0x87, "not authorized";
    /// 0x88: Server unavailable (3.x CONNACK 3).
    ServerUnavailable = 0x88, "server unavailable";
    /// 0x89: Server busy.
    ServerBusy = 0x89, "server busy";
    /// 0x8A: Banned.
    Banned = 0x8A, "banned";
    /// 0x8B: Server shutting down.
    ServerShuttingDown = 0x8B, "server shutting down";
    /// 0x8C: Bad authentication method.
    BadAuthenticationMethod = 0x8C, "bad authentication method";
    /// 0x8D: Keep Alive timeout.
    KeepAliveTimeout = 0x8D, "keep alive timeout";
    /// 0x8E: Session taken over.
    SessionTakenOver = 0x8E, "session taken over";
    /// 0x8F: Topic Filter invalid.
    TopicFilterInvalid = 0x8F, "topic filter invalid";
    /// 0x90: Topic Name invalid.
    TopicNameInvalid = 0x90, "topic name invalid";
    /// 0x91: Packet Identifier in use.
    PacketIdentifierInUse = 0x91, "packet identifier in use";
    /// 0x92: Packet Identifier not found.
    PacketIdentifierNotFound = 0x92, "packet identifier not found";
    /// 0x93: Receive Maximum exceeded.
    ReceiveMaximumExceeded = 0x93, "receive maximum exceeded";
    /// 0x94: Topic Alias invalid.
    TopicAliasInvalid = 0x94, "topic alias invalid";
    /// 0x95: Packet too large.
    PacketTooLarge = 0x95, "packet too large";
    /// 0x96: Message rate too high.
    MessageRateTooHigh = 0x96, "message rate too high";
    /// 0x97: Quota exceeded.
    QuotaExceeded = 0x97, "quota exceeded";
    /// 0x98: Administrative action.
    AdministrativeAction = 0x98, "administrative action";
    /// 0x99: Payload format invalid.
    PayloadFormatInvalid = 0x99, "payload format invalid";
    /// 0x9A: Retain not supported.
    RetainNotSupported = 0x9A, "retain not supported";
    /// 0x9B: QoS not supported.
    QoSNotSupported = 0x9B, "QoS not supported";
    /// 0x9C: Use another server.
    UseAnotherServer = 0x9C, "use another server";
    /// 0x9D: Server moved.
    ServerMoved = 0x9D, "server moved";
    /// 0x9E: Shared Subscriptions not supported.
    SharedSubscriptionsNotSupported = 0x9E, "shared subscriptions not supported";
    /// 0x9F: Connection rate exceeded.
    ConnectionRateExceeded = 0x9F, "connection rate exceeded";
    /// 0xA0: Maximum connect time.
    MaximumConnectTime = 0xA0, "maximum connect time";
    /// 0xA1: Subscription Identifiers not supported.
    SubscriptionIdentifiersNotSupported = 0xA1, "subscription identifiers not supported";
    /// 0xA2: Wildcard Subscriptions not supported.
    WildcardSubscriptionsNotSupported = 0xA2, "wildcard subscriptions not supported";
}

impl ReasonCode {
    /// The code's wire value.
    #[must_use]
    pub const fn as_u8(self) -> u8 {
        self as u8
    }

    /// Whether the code reports a failure (values of 0x80 and above).
    #[must_use]
    pub const fn is_error(self) -> bool {
        self.as_u8() >= 0x80
    }

    /// The code for an MQTT 3.x CONNACK return code (0 to 5).
    #[must_use]
    pub const fn from_v3_connack(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::Success,
            1 => Self::UnsupportedProtocolVersion,
            2 => Self::ClientIdentifierNotValid,
            3 => Self::ServerUnavailable,
            4 => Self::BadUserNameOrPassword,
            5 => Self::NotAuthorized,
            _ => return None,
        })
    }

    /// The MQTT 3.x CONNACK return code for this code, if 3.x has one.
    #[must_use]
    pub const fn to_v3_connack(self) -> Option<u8> {
        Some(match self {
            Self::Success => 0,
            Self::UnsupportedProtocolVersion => 1,
            Self::ClientIdentifierNotValid => 2,
            Self::ServerUnavailable => 3,
            Self::BadUserNameOrPassword => 4,
            Self::NotAuthorized => 5,
            _ => return None,
        })
    }

    /// Whether `packet` may carry this code in `version` (MQTT 5 section 2.4 and the
    /// packet sections; MQTT 3.1.1 sections 3.2.2.3 and 3.9.3).
    #[must_use]
    pub const fn is_valid_for(self, packet: PacketType, version: ProtocolVersion) -> bool {
        use ReasonCode as R;
        if !version.is_v5() {
            return match packet {
                PacketType::ConnAck => self.to_v3_connack().is_some(),
                PacketType::SubAck => {
                    matches!(self, R::Success | R::GrantedQoS1 | R::GrantedQoS2 | R::UnspecifiedError)
                }
                _ => matches!(self, R::Success),
            };
        }
        match packet {
            PacketType::ConnAck => matches!(
                self,
                R::Success
                    | R::UnspecifiedError
                    | R::MalformedPacket
                    | R::ProtocolError
                    | R::ImplementationSpecificError
                    | R::UnsupportedProtocolVersion
                    | R::ClientIdentifierNotValid
                    | R::BadUserNameOrPassword
                    | R::NotAuthorized
                    | R::ServerUnavailable
                    | R::ServerBusy
                    | R::Banned
                    | R::BadAuthenticationMethod
                    | R::TopicNameInvalid
                    | R::PacketTooLarge
                    | R::QuotaExceeded
                    | R::PayloadFormatInvalid
                    | R::RetainNotSupported
                    | R::QoSNotSupported
                    | R::UseAnotherServer
                    | R::ServerMoved
                    | R::ConnectionRateExceeded
            ),
            PacketType::PubAck | PacketType::PubRec => matches!(
                self,
                R::Success
                    | R::NoMatchingSubscribers
                    | R::UnspecifiedError
                    | R::ImplementationSpecificError
                    | R::NotAuthorized
                    | R::TopicNameInvalid
                    | R::PacketIdentifierInUse
                    | R::QuotaExceeded
                    | R::PayloadFormatInvalid
            ),
            PacketType::PubRel | PacketType::PubComp => {
                matches!(self, R::Success | R::PacketIdentifierNotFound)
            }
            PacketType::SubAck => matches!(
                self,
                R::Success
                    | R::GrantedQoS1
                    | R::GrantedQoS2
                    | R::UnspecifiedError
                    | R::ImplementationSpecificError
                    | R::NotAuthorized
                    | R::TopicFilterInvalid
                    | R::PacketIdentifierInUse
                    | R::QuotaExceeded
                    | R::SharedSubscriptionsNotSupported
                    | R::SubscriptionIdentifiersNotSupported
                    | R::WildcardSubscriptionsNotSupported
            ),
            PacketType::UnsubAck => matches!(
                self,
                R::Success
                    | R::NoSubscriptionExisted
                    | R::UnspecifiedError
                    | R::ImplementationSpecificError
                    | R::NotAuthorized
                    | R::TopicFilterInvalid
                    | R::PacketIdentifierInUse
            ),
            PacketType::Disconnect => matches!(
                self,
                R::Success
                    | R::DisconnectWithWillMessage
                    | R::UnspecifiedError
                    | R::MalformedPacket
                    | R::ProtocolError
                    | R::ImplementationSpecificError
                    | R::NotAuthorized
                    | R::ServerBusy
                    | R::ServerShuttingDown
                    | R::KeepAliveTimeout
                    | R::SessionTakenOver
                    | R::TopicFilterInvalid
                    | R::TopicNameInvalid
                    | R::ReceiveMaximumExceeded
                    | R::TopicAliasInvalid
                    | R::PacketTooLarge
                    | R::MessageRateTooHigh
                    | R::QuotaExceeded
                    | R::AdministrativeAction
                    | R::PayloadFormatInvalid
                    | R::RetainNotSupported
                    | R::QoSNotSupported
                    | R::UseAnotherServer
                    | R::ServerMoved
                    | R::SharedSubscriptionsNotSupported
                    | R::ConnectionRateExceeded
                    | R::MaximumConnectTime
                    | R::SubscriptionIdentifiersNotSupported
                    | R::WildcardSubscriptionsNotSupported
            ),
            PacketType::Auth => {
                matches!(self, R::Success | R::ContinueAuthentication | R::ReAuthenticate)
            }
            _ => false,
        }
    }
}

impl ReasonCode {
    /// Whether a client may send this code in DISCONNECT (MQTT 5 table 3-10;
    /// the others are for servers only, MQTT-3.14.2-1).
    #[must_use]
    pub const fn is_client_disconnect(self) -> bool {
        use ReasonCode as R;
        matches!(
            self,
            R::Success
                | R::DisconnectWithWillMessage
                | R::UnspecifiedError
                | R::MalformedPacket
                | R::ProtocolError
                | R::ImplementationSpecificError
                | R::TopicNameInvalid
                | R::ReceiveMaximumExceeded
                | R::TopicAliasInvalid
                | R::PacketTooLarge
                | R::MessageRateTooHigh
                | R::QuotaExceeded
                | R::AdministrativeAction
                | R::PayloadFormatInvalid
        )
    }
}

impl From<ReasonCode> for u8 {
    fn from(code: ReasonCode) -> u8 {
        code.as_u8()
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:#04x})", self.description(), self.as_u8())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips_or_is_rejected() {
        let mut known = 0;
        for b in 0..=255u8 {
            if let Ok(code) = ReasonCode::try_from(b) {
                assert_eq!(code.as_u8(), b);
                known += 1;
            }
        }
        assert_eq!(known, 43);
    }

    #[test]
    fn v3_connack_codes_map_both_ways() {
        for c in 0..=5 {
            let code = ReasonCode::from_v3_connack(c).unwrap();
            assert_eq!(code.to_v3_connack(), Some(c));
        }
        assert_eq!(ReasonCode::from_v3_connack(6), None);
        assert_eq!(ReasonCode::Banned.to_v3_connack(), None);
    }

    #[test]
    fn validity_per_packet() {
        use ProtocolVersion::*;
        assert!(ReasonCode::NoMatchingSubscribers.is_valid_for(PacketType::PubAck, V5));
        assert!(!ReasonCode::NoMatchingSubscribers.is_valid_for(PacketType::PubComp, V5));
        assert!(!ReasonCode::NoMatchingSubscribers.is_valid_for(PacketType::PubAck, V3_1_1));
        assert!(ReasonCode::UnspecifiedError.is_valid_for(PacketType::SubAck, V3_1_1));
        assert!(!ReasonCode::NotAuthorized.is_valid_for(PacketType::SubAck, V3_1_1));
        assert!(ReasonCode::ReAuthenticate.is_valid_for(PacketType::Auth, V5));
        assert!(!ReasonCode::Success.is_valid_for(PacketType::PingReq, V5));
    }
}
