//! MQTT data representations (MQTT 1.5): integers, variable byte integers,
//! strings, binary data. Reading is built on nom over a complete packet body;
//! writing goes through a [`Sink`] that either counts or writes.

use bytes::BufMut;
use mqtt_session::PacketId;
use nom::number::complete::{be_u8, be_u32};

use crate::string::{Buffer, validate_str};
use crate::topic::{TopicFilter, TopicName};
use crate::{DecodeError, EncodeError, MqttStr, PacketType, ProtocolVersion};

/// The largest value a variable byte integer holds (MQTT 1.5.5).
pub(crate) const VARINT_MAX: u32 = 268_435_455;

type NomErr<'a> = nom::Err<nom::error::Error<&'a [u8]>>;

/// Reads the fields of one complete packet body.
///
/// `mk` turns a sub-slice of the body into the buffer type the decoded packet
/// stores: a zero-copy `Bytes` slice, or the sub-slice itself.
pub(crate) struct Parser<'a, F> {
    rest: &'a [u8],
    mk: F,
    pub(crate) packet: PacketType,
    pub(crate) version: ProtocolVersion,
}

impl<'a, B: Buffer, F: Fn(&'a [u8]) -> B> Parser<'a, F> {
    pub(crate) fn new(body: &'a [u8], mk: F, packet: PacketType, version: ProtocolVersion) -> Self {
        Self { rest: body, mk, packet, version }
    }

    #[inline]
    fn end(&self) -> DecodeError {
        DecodeError::UnexpectedEnd { packet: self.packet }
    }

    #[inline]
    fn run<T>(&mut self, r: Result<(&'a [u8], T), NomErr<'a>>) -> Result<T, DecodeError> {
        match r {
            Ok((rest, v)) => {
                self.rest = rest;
                Ok(v)
            }
            Err(_) => Err(self.end()),
        }
    }

    /// Bytes not read yet.
    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.rest.len()
    }

    #[inline]
    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        let r = be_u8(self.rest);
        self.run(r)
    }

    /// A two-byte integer. Hand-written: it is on the hot path of every PUBLISH,
    /// where nom's generic `be_u16` costs an out-of-line call.
    #[inline(always)]
    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        match self.rest {
            [a, b, rest @ ..] => {
                self.rest = rest;
                Ok(u16::from_be_bytes([*a, *b]))
            }
            _ => Err(self.end()),
        }
    }

    #[inline]
    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        let r = be_u32(self.rest);
        self.run(r)
    }

    /// The next `n` bytes. Hand-written for the same reason as [`Parser::u16`].
    #[inline(always)]
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        match self.rest.split_at_checked(n) {
            Some((head, rest)) => {
                self.rest = rest;
                Ok(head)
            }
            None => Err(self.end()),
        }
    }

    /// The rest of the body (a PUBLISH payload).
    #[inline]
    pub(crate) fn rest(&mut self) -> B {
        let rest = core::mem::take(&mut self.rest);
        (self.mk)(rest)
    }

    /// A variable byte integer in its minimal form (MQTT 1.5.5, MQTT-1.5.5-1).
    pub(crate) fn varint(&mut self) -> Result<u32, DecodeError> {
        let mut value = 0u32;
        for i in 0..4 {
            let byte = self.u8()?;
            value |= u32::from(byte & 0x7F) << (7 * i);
            if byte & 0x80 == 0 {
                if i > 0 && byte == 0 {
                    return Err(DecodeError::NonMinimalVarInt);
                }
                return Ok(value);
            }
        }
        Err(DecodeError::RemainingLengthTooLong)
    }

    #[inline]
    pub(crate) fn packet_id(&mut self) -> Result<PacketId, DecodeError> {
        PacketId::new(self.u16()?).ok_or(DecodeError::ZeroPacketId)
    }

    /// Length-prefixed bytes (MQTT 1.5.6).
    #[inline(always)]
    pub(crate) fn prefixed(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.u16()?;
        self.take(usize::from(len))
    }

    /// Binary data (MQTT 1.5.6).
    #[inline]
    pub(crate) fn binary(&mut self) -> Result<B, DecodeError> {
        let b = self.prefixed()?;
        Ok((self.mk)(b))
    }

    /// Checks a UTF-8 encoded string (MQTT 1.5.4) and skips it.
    #[inline]
    pub(crate) fn validate_string(&mut self) -> Result<(), DecodeError> {
        validate_str(self.prefixed()?)
    }

    /// The bytes not read yet, without consuming them.
    #[inline]
    pub(crate) const fn unread(&self) -> &'a [u8] {
        self.rest
    }

    /// `bytes` (a part of this packet's body) as the packet's buffer type.
    #[inline]
    pub(crate) fn buffer(&self, bytes: &'a [u8]) -> B {
        (self.mk)(bytes)
    }

    /// A UTF-8 encoded string (MQTT 1.5.4).
    #[inline]
    pub(crate) fn string(&mut self) -> Result<MqttStr<B>, DecodeError> {
        let b = self.prefixed()?;
        validate_str(b)?;
        Ok(MqttStr::from_validated((self.mk)(b)))
    }

    #[inline(always)]
    pub(crate) fn topic_name(&mut self, allow_empty: bool) -> Result<TopicName<B>, DecodeError> {
        let b = self.prefixed()?;
        if b.is_empty() && !allow_empty {
            return Err(DecodeError::EmptyTopic);
        }
        TopicName::new_allow_empty((self.mk)(b))
    }

    pub(crate) fn topic_filter(&mut self) -> Result<TopicFilter<B>, DecodeError> {
        let b = self.prefixed()?;
        TopicFilter::new((self.mk)(b))
    }

    /// A sub-parser over the next `len` bytes (a property block).
    pub(crate) fn sub(&mut self, len: usize) -> Result<Parser<'a, F>, DecodeError>
    where
        F: Copy,
    {
        let body = self.take(len)?;
        Ok(Parser { rest: body, mk: self.mk, packet: self.packet, version: self.version })
    }

    /// Fails unless every byte was read.
    pub(crate) fn finish(&self) -> Result<(), DecodeError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes { packet: self.packet, count: self.rest.len() })
        }
    }
}

/// Number of bytes of a variable byte integer.
#[inline]
pub(crate) const fn varint_len(v: u32) -> usize {
    match v {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// Where encoded fields go: a [`Counter`] that measures and validates, or a
/// [`Writer`] that writes. Packets are emitted once into each, so the output is
/// written only after everything was validated.
pub(crate) trait Sink {
    fn u8(&mut self, v: u8);
    fn u16(&mut self, v: u16);
    fn u32(&mut self, v: u32);
    fn raw(&mut self, b: &[u8]);
    fn varint_unchecked(&mut self, v: u32);

    #[inline]
    fn varint(&mut self, v: u32) -> Result<(), EncodeError> {
        if v > VARINT_MAX {
            return Err(EncodeError::ValueTooLarge { value: v });
        }
        self.varint_unchecked(v);
        Ok(())
    }

    #[inline]
    fn string(&mut self, s: &[u8]) -> Result<(), EncodeError> {
        let len = u16::try_from(s.len()).map_err(|_| EncodeError::StringTooLong { len: s.len() })?;
        self.u16(len);
        self.raw(s);
        Ok(())
    }

    #[inline]
    fn binary(&mut self, b: &[u8]) -> Result<(), EncodeError> {
        let len = u16::try_from(b.len()).map_err(|_| EncodeError::BinaryTooLong { len: b.len() })?;
        self.u16(len);
        self.raw(b);
        Ok(())
    }
}

/// Measures encoded length.
#[derive(Debug, Default)]
pub(crate) struct Counter(pub(crate) usize);

impl Sink for Counter {
    #[inline]
    fn u8(&mut self, _: u8) {
        self.0 += 1;
    }
    #[inline]
    fn u16(&mut self, _: u16) {
        self.0 += 2;
    }
    #[inline]
    fn u32(&mut self, _: u32) {
        self.0 += 4;
    }
    #[inline]
    fn raw(&mut self, b: &[u8]) {
        self.0 += b.len();
    }
    #[inline]
    fn varint_unchecked(&mut self, v: u32) {
        self.0 += varint_len(v);
    }
}

/// Writes into a caller's buffer that is known to have room.
pub(crate) struct Writer<'b, M>(pub(crate) &'b mut M);

impl<M: BufMut> Sink for Writer<'_, M> {
    #[inline]
    fn u8(&mut self, v: u8) {
        self.0.put_u8(v);
    }
    #[inline]
    fn u16(&mut self, v: u16) {
        self.0.put_u16(v);
    }
    #[inline]
    fn u32(&mut self, v: u32) {
        self.0.put_u32(v);
    }
    #[inline]
    fn raw(&mut self, b: &[u8]) {
        self.0.put_slice(b);
    }
    #[inline]
    fn varint_unchecked(&mut self, mut v: u32) {
        loop {
            let mut byte = (v & 0x7F) as u8;
            v >>= 7;
            if v > 0 {
                byte |= 0x80;
            }
            self.0.put_u8(byte);
            if v == 0 {
                break;
            }
        }
    }
}
