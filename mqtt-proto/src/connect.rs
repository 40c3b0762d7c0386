//! CONNECT and CONNACK (MQTT 3.1, 3.2).

use core::fmt;

use bytes::Bytes;
use mqtt_session::QoS;

use crate::primitives::{Parser, Sink};
use crate::properties::{self, ConnAckProperties, ConnectProperties, WillProperties};
use crate::string::Buffer;
use crate::{DecodeError, EncodeError, MqttStr, PacketType, ProtocolVersion, ReasonCode, TopicName};

/// CONNECT: the first packet a client sends (MQTT 3.1).
///
/// The password is never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Connect<B: Buffer = Bytes> {
    /// Protocol version; decides the protocol name and level on the wire.
    pub protocol: ProtocolVersion,
    /// Clean Session (3.x) or Clean Start (5.0).
    pub clean_start: bool,
    /// Keep alive in seconds; 0 turns keep alive off.
    pub keep_alive: u16,
    /// Client identifier; may be empty where the version allows it.
    pub client_id: MqttStr<B>,
    /// The will message the server publishes if the connection ends abnormally.
    pub will: Option<Will<B>>,
    /// User name.
    pub username: Option<MqttStr<B>>,
    /// Password (binary data).
    pub password: Option<B>,
    /// MQTT 5 properties.
    pub properties: ConnectProperties<B>,
}

impl<B: Buffer> Connect<B> {
    /// A CONNECT with the given version and client id, clean start, a 60 s keep
    /// alive and nothing else.
    #[must_use]
    pub fn new(protocol: ProtocolVersion, client_id: MqttStr<B>) -> Self {
        Self {
            protocol,
            clean_start: true,
            keep_alive: 60,
            client_id,
            will: None,
            username: None,
            password: None,
            properties: ConnectProperties::default(),
        }
    }
}

impl<B: Buffer> fmt::Debug for Connect<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connect")
            .field("protocol", &self.protocol)
            .field("clean_start", &self.clean_start)
            .field("keep_alive", &self.keep_alive)
            .field("client_id", &self.client_id)
            .field("will", &self.will)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("properties", &self.properties)
            .finish()
    }
}

/// A will message (MQTT 3.1.2.5, 3.1.3.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Will<B: Buffer = Bytes> {
    /// Topic the will is published to.
    pub topic: TopicName<B>,
    /// Payload.
    pub payload: B,
    /// QoS of the will.
    pub qos: QoS,
    /// Whether the will is retained.
    pub retain: bool,
    /// MQTT 5 will properties.
    pub properties: WillProperties<B>,
}

const RESERVED: u8 = 0x01;
const CLEAN_START: u8 = 0x02;
const WILL: u8 = 0x04;
const WILL_QOS_SHIFT: u8 = 3;
const WILL_RETAIN: u8 = 0x20;
const PASSWORD: u8 = 0x40;
const USERNAME: u8 = 0x80;

impl<B: Buffer> Connect<B> {
    pub(crate) fn parse<'a, F>(p: &mut Parser<'a, F>) -> Result<Self, DecodeError>
    where
        F: Fn(&'a [u8]) -> B + Copy,
    {
        let name = p.prefixed()?;
        let level = p.u8()?;
        let protocol = match (name, level) {
            (b"MQIsdp", 0x03) => ProtocolVersion::V3_1,
            (b"MQTT", 0x04) => ProtocolVersion::V3_1_1,
            (b"MQTT", 0x05) => ProtocolVersion::V5,
            (b"MQTT" | b"MQIsdp", 0x03..=0x05) => {
                return Err(DecodeError::ProtocolMismatch { level });
            }
            (b"MQTT" | b"MQIsdp", _) => return Err(DecodeError::UnsupportedProtocolLevel(level)),
            _ => return Err(DecodeError::InvalidProtocolName),
        };
        p.version = protocol;
        let flags = p.u8()?;
        if flags & RESERVED != 0 {
            return Err(DecodeError::ReservedConnectFlag);
        }
        let will_qos = QoS::try_from((flags >> WILL_QOS_SHIFT) & 0x03).map_err(|_| DecodeError::InvalidQoS)?;
        let has_will = flags & WILL != 0;
        if !has_will && (will_qos != QoS::AtMostOnce || flags & WILL_RETAIN != 0) {
            return Err(DecodeError::InvalidWillFlags);
        }
        if flags & PASSWORD != 0 && flags & USERNAME == 0 && !protocol.is_v5() {
            return Err(DecodeError::PasswordWithoutUsername);
        }
        let keep_alive = p.u16()?;
        let properties = if protocol.is_v5() { properties::decode(p)? } else { ConnectProperties::default() };
        let client_id = p.string()?;
        let will = if has_will {
            let properties = if protocol.is_v5() { properties::decode(p)? } else { WillProperties::default() };
            let topic = p.topic_name(false)?;
            let payload = p.binary()?;
            Some(Will { topic, payload, qos: will_qos, retain: flags & WILL_RETAIN != 0, properties })
        } else {
            None
        };
        let username = if flags & USERNAME != 0 { Some(p.string()?) } else { None };
        let password = if flags & PASSWORD != 0 { Some(p.binary()?) } else { None };
        p.finish()?;
        Ok(Self {
            protocol,
            clean_start: flags & CLEAN_START != 0,
            keep_alive,
            client_id,
            will,
            username,
            password,
            properties,
        })
    }

    pub(crate) fn emit<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        let v5 = self.protocol.is_v5();
        if !v5 {
            if self.password.is_some() && self.username.is_none() {
                return Err(EncodeError::PasswordWithoutUsername);
            }
            let will_props = self.will.as_ref().is_some_and(|w| w.properties != WillProperties::default());
            if self.properties != ConnectProperties::default() || will_props {
                return Err(EncodeError::NotInVersion { version: self.protocol, what: "CONNECT properties" });
            }
        }
        s.string(self.protocol.protocol_name().as_bytes())?;
        s.u8(self.protocol.level());
        let mut flags = 0;
        if self.clean_start {
            flags |= CLEAN_START;
        }
        if let Some(will) = &self.will {
            flags |= WILL | (will.qos.as_u8() << WILL_QOS_SHIFT);
            if will.retain {
                flags |= WILL_RETAIN;
            }
        }
        if self.username.is_some() {
            flags |= USERNAME;
        }
        if self.password.is_some() {
            flags |= PASSWORD;
        }
        s.u8(flags);
        s.u16(self.keep_alive);
        if v5 {
            properties::encode(&self.properties, s)?;
        }
        s.string(self.client_id.as_bytes())?;
        if let Some(will) = &self.will {
            if v5 {
                properties::encode(&will.properties, s)?;
            }
            s.string(will.topic.as_bytes())?;
            s.binary(will.payload.as_ref())?;
        }
        if let Some(username) = &self.username {
            s.string(username.as_bytes())?;
        }
        if let Some(password) = &self.password {
            s.binary(password.as_ref())?;
        }
        Ok(())
    }
}

/// CONNACK: the server's answer to CONNECT (MQTT 3.2).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ConnAck<B: Buffer = Bytes> {
    /// Whether the server holds a session for this client.
    pub session_present: bool,
    /// The result: [`ReasonCode::Success`] or why the connection was refused.
    /// MQTT 3.x return codes map to MQTT 5 codes ([`ReasonCode::from_v3_connack`]).
    pub reason_code: ReasonCode,
    /// MQTT 5 properties.
    pub properties: ConnAckProperties<B>,
}

impl<B: Buffer> ConnAck<B> {
    pub(crate) fn parse<'a, F>(p: &mut Parser<'a, F>) -> Result<Self, DecodeError>
    where
        F: Fn(&'a [u8]) -> B + Copy,
    {
        let flags = p.u8()?;
        let code = p.u8()?;
        let invalid = DecodeError::InvalidReasonCode { packet: PacketType::ConnAck, code };
        let reason_code = if p.version.is_v5() {
            ReasonCode::try_from(code).ok().filter(|c| c.is_valid_for(PacketType::ConnAck, p.version)).ok_or(invalid)?
        } else {
            ReasonCode::from_v3_connack(code).ok_or(invalid)?
        };
        // MQTT 3.1 has no Session Present flag: the byte is unused there.
        let session_present = match p.version {
            ProtocolVersion::V3_1 => false,
            _ if flags & 0xFE != 0 => return Err(DecodeError::InvalidConnAckFlags(flags)),
            _ => flags & 0x01 != 0,
        };
        if session_present && reason_code != ReasonCode::Success {
            // MQTT-3.2.2-4 (3.1.1) and MQTT-3.2.2-6 (5.0).
            return Err(DecodeError::InvalidConnAckFlags(flags));
        }
        let properties = if p.version.is_v5() { properties::decode(p)? } else { ConnAckProperties::default() };
        p.finish()?;
        Ok(Self { session_present, reason_code, properties })
    }

    pub(crate) fn emit<S: Sink>(&self, version: ProtocolVersion, s: &mut S) -> Result<(), EncodeError> {
        let invalid = EncodeError::InvalidReasonCode { packet: PacketType::ConnAck, code: self.reason_code.as_u8() };
        let forbidden = |what| EncodeError::Forbidden { packet: PacketType::ConnAck, what };
        if self.session_present && self.reason_code != ReasonCode::Success && version != ProtocolVersion::V3_1 {
            // MQTT-3.2.2-4 (3.1.1) and MQTT-3.2.2-6 (5.0).
            return Err(forbidden("Session Present with a refusal"));
        }
        let code = if version.is_v5() {
            if !self.reason_code.is_valid_for(PacketType::ConnAck, version) {
                return Err(invalid);
            }
            if self.properties.maximum_qos == Some(QoS::ExactlyOnce) {
                return Err(forbidden("Maximum QoS 2"));
            }
            self.reason_code.as_u8()
        } else {
            if self.properties != ConnAckProperties::default() {
                return Err(EncodeError::NotInVersion { version, what: "CONNACK properties" });
            }
            self.reason_code.to_v3_connack().ok_or(invalid)?
        };
        s.u8(u8::from(self.session_present && version != ProtocolVersion::V3_1));
        s.u8(code);
        if version.is_v5() {
            properties::encode(&self.properties, s)?;
        }
        Ok(())
    }
}
