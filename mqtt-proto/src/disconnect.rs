//! DISCONNECT and AUTH (MQTT 3.14, 3.15).

use bytes::Bytes;

use crate::primitives::{Parser, Sink};
use crate::properties::{self, AuthProperties, DisconnectProperties};
use crate::publish::{reason_code, short_form_tail};
use crate::string::Buffer;
use crate::{DecodeError, EncodeError, PacketType, ProtocolVersion, ReasonCode};

/// DISCONNECT (MQTT 3.14). Before MQTT 5 it has no body; in MQTT 5 either side
/// sends it, with a reason code and properties.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Disconnect<B: Buffer = Bytes> {
    /// Why the connection ends; [`ReasonCode::Success`] is a normal disconnection.
    pub reason_code: ReasonCode,
    /// MQTT 5 properties.
    pub properties: DisconnectProperties<B>,
}

impl<B: Buffer> Disconnect<B> {
    pub(crate) fn parse<'a, F>(p: &mut Parser<'a, F>) -> Result<Self, DecodeError>
    where
        F: Fn(&'a [u8]) -> B + Copy,
    {
        let mut d = Self::default();
        if p.version.is_v5() && p.remaining() > 0 {
            d.reason_code = reason_code(p)?;
            if p.remaining() > 0 {
                d.properties = properties::decode(p)?;
            }
        }
        p.finish()?;
        Ok(d)
    }

    pub(crate) fn emit<S: Sink>(&self, version: ProtocolVersion, s: &mut S) -> Result<(), EncodeError> {
        short_form_tail(self.reason_code, &self.properties, PacketType::Disconnect, version, s)
    }
}

/// AUTH (MQTT 5 section 3.15): a step of enhanced authentication.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Auth<B: Buffer = Bytes> {
    /// Success, Continue authentication, or Re-authenticate.
    pub reason_code: ReasonCode,
    /// Properties: the method and data of the exchange.
    pub properties: AuthProperties<B>,
}

impl<B: Buffer> Auth<B> {
    pub(crate) fn parse<'a, F>(p: &mut Parser<'a, F>) -> Result<Self, DecodeError>
    where
        F: Fn(&'a [u8]) -> B + Copy,
    {
        let mut a = Self::default();
        if p.remaining() > 0 {
            a.reason_code = reason_code(p)?;
            if p.remaining() > 0 {
                a.properties = properties::decode(p)?;
            }
        }
        p.finish()?;
        Ok(a)
    }

    pub(crate) fn emit<S: Sink>(&self, version: ProtocolVersion, s: &mut S) -> Result<(), EncodeError> {
        if !version.is_v5() {
            return Err(EncodeError::NotInVersion { version, what: "AUTH" });
        }
        short_form_tail(self.reason_code, &self.properties, PacketType::Auth, version, s)
    }
}
