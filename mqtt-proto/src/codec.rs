//! Framing (fixed header and remaining length, MQTT 2.1) and the entry points
//! that decode and encode whole packets.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::primitives::{Counter, Parser, Sink, VARINT_MAX, Writer, varint_len};
use crate::string::Buffer;
use crate::{
    Ack, Auth, ConnAck, Connect, DecodeError, Disconnect, EncodeError, Packet, PacketType, ProtocolVersion, Publish,
    SubAck, Subscribe, UnsubAck, Unsubscribe,
};

/// The largest packet MQTT can express: a 268,435,455-byte remaining length plus
/// a five-byte fixed header.
pub const MAX_PACKET_SIZE: u32 = VARINT_MAX + 5;

/// Decodes and encodes packets of one protocol version, up to a maximum size.
///
/// Decoding is streaming: give it whatever bytes have arrived and it returns the
/// next complete packet, or `None` without consuming anything when more bytes are
/// needed. A packet over the maximum is rejected from its fixed header, before its
/// body arrives, so a length field never makes anyone buffer or allocate more.
/// Nor does the content: a decode allocates at most the bytes it is given plus a
/// small constant (the boxed CONNECT, CONNACK or PUBLISH properties), since
/// strings and payloads are slices of the input and lists are [`List`](crate::List)
/// views of it.
///
/// Encoding appends to a [`BufMut`] and leaves it unchanged on error.
///
/// # Examples
///
/// ```
/// use bytes::BytesMut;
/// use mqtt_proto::{Codec, DecodeError, Packet, ProtocolVersion};
///
/// let codec = Codec::new(ProtocolVersion::V3_1_1).with_max_packet_size(1024);
/// let mut buf = BytesMut::from(&b"\xd0"[..]); // half a PINGRESP
/// assert_eq!(codec.decode(&mut buf), Ok(None));
/// buf.extend_from_slice(b"\x00");
/// assert_eq!(codec.decode(&mut buf), Ok(Some(Packet::PingResp)));
/// assert!(buf.is_empty());
///
/// // A 2 MB packet is refused from its first bytes.
/// let mut big = BytesMut::from(&b"\x30\x80\x80\x80\x01"[..]);
/// assert!(matches!(codec.decode(&mut big), Err(DecodeError::PacketTooLarge { .. })));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Codec {
    version: ProtocolVersion,
    max_packet_size: u32,
}

/// A parsed fixed header.
#[derive(Clone, Copy)]
struct Header {
    first: u8,
    packet: PacketType,
    len: usize,
    remaining: usize,
}

impl Codec {
    /// A codec for `version` with the largest maximum packet size MQTT allows.
    #[must_use]
    pub const fn new(version: ProtocolVersion) -> Self {
        Self { version, max_packet_size: MAX_PACKET_SIZE }
    }

    /// The same codec with packets limited to `max` bytes in total (fixed header
    /// included), as MQTT 5's Maximum Packet Size counts them.
    #[must_use]
    pub const fn with_max_packet_size(self, max: u32) -> Self {
        Self { version: self.version, max_packet_size: max }
    }

    /// The protocol version.
    #[must_use]
    pub const fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// The maximum packet size in bytes.
    #[must_use]
    pub const fn max_packet_size(&self) -> u32 {
        self.max_packet_size
    }

    /// Decodes the next packet from `buf`, zero-copy: strings and payloads of the
    /// packet are slices of `buf`'s memory.
    ///
    /// Returns `Ok(None)`, consuming nothing, when `buf` does not hold a complete
    /// packet yet. A CONNECT is decoded in the version it declares.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] saying what is wrong; the bytes of a malformed packet whose
    /// size was known have been consumed. The connection must be closed.
    pub fn decode(&self, buf: &mut BytesMut) -> Result<Option<Packet<Bytes>>, DecodeError> {
        let Some(h) = self.header(buf)? else { return Ok(None) };
        let total = h.len + h.remaining;
        if buf.len() < total {
            return Ok(None);
        }
        let mut frame = buf.split_to(total).freeze();
        if h.packet == PacketType::Publish {
            // The payload is the frame itself, advanced past the header: one
            // reference count fewer per message than slicing it.
            let body = &frame[h.len..];
            let mut p = Parser::new(body, |s| frame.slice_ref(s), h.packet, self.version);
            let mut publish = Publish::parse_head(h.first & 0x0F, &mut p)?;
            let head = body.len() - p.remaining();
            frame.advance(h.len + head);
            publish.payload = frame;
            return Ok(Some(Packet::Publish(publish)));
        }
        let body = &frame[h.len..];
        parse_body(h, body, |s| frame.slice_ref(s), self.version).map(Some)
    }

    /// Decodes the next packet at the start of `buf` without copying or owning
    /// anything: the packet borrows from `buf`. Returns the packet and the number
    /// of bytes it took, or `Ok(None)` when `buf` holds no complete packet yet.
    ///
    /// # Errors
    ///
    /// As [`Codec::decode`].
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_proto::{Codec, Packet, ProtocolVersion};
    ///
    /// let codec = Codec::new(ProtocolVersion::V3_1_1);
    /// let bytes = b"\x30\x07\x00\x03a/bhi\xd0\x00";
    /// let (packet, used) = codec.decode_slice(bytes).unwrap().unwrap();
    /// let Packet::Publish(publish) = packet else { panic!() };
    /// assert_eq!((publish.topic.as_str(), publish.payload, used), ("a/b", &b"hi"[..], 9));
    /// ```
    // The nested type reads plainly at call sites: `let Some((packet, used)) = ...`.
    #[allow(clippy::type_complexity)]
    #[inline(always)]
    pub fn decode_slice<'a>(&self, buf: &'a [u8]) -> Result<Option<(Packet<&'a [u8]>, usize)>, DecodeError> {
        let Some(h) = self.header(buf)? else { return Ok(None) };
        let total = h.len + h.remaining;
        let Some(body) = buf.get(h.len..total) else { return Ok(None) };
        Ok(Some((parse_body(h, body, |s| s, self.version)?, total)))
    }

    /// Reads and checks the fixed header at the start of `buf`.
    #[inline]
    fn header(&self, buf: &[u8]) -> Result<Option<Header>, DecodeError> {
        let Some(&first) = buf.first() else { return Ok(None) };
        let packet = check_first_byte(first, self.version)?;
        let mut remaining = 0usize;
        let mut i = 1;
        loop {
            let Some(&byte) = buf.get(i) else { return Ok(None) };
            remaining |= usize::from(byte & 0x7F) << (7 * (i - 1));
            i += 1;
            if byte & 0x80 == 0 {
                if i > 2 && byte == 0 && self.version.is_v5() {
                    return Err(DecodeError::NonMinimalVarInt);
                }
                break;
            }
            if i == 5 {
                return Err(DecodeError::RemainingLengthTooLong);
            }
        }
        let size = i + remaining;
        if size > self.max_packet_size as usize {
            return Err(DecodeError::PacketTooLarge { size, max: self.max_packet_size as usize });
        }
        Ok(Some(Header { first, packet, len: i, remaining }))
    }

    /// The number of bytes `packet` encodes to, after checking it can be encoded.
    ///
    /// # Errors
    ///
    /// As [`Codec::encode`], except [`EncodeError::BufferTooSmall`].
    pub fn encoded_len<B: Buffer>(&self, packet: &Packet<B>) -> Result<usize, EncodeError> {
        let mut c = Counter::default();
        emit_body(packet, self.version, &mut c)?;
        self.total(c.0)
    }

    /// Appends `packet` to `buf` and returns how many bytes it took. On error `buf`
    /// is left as it was.
    ///
    /// A CONNECT is encoded in the version it declares; every other packet in this
    /// codec's version.
    ///
    /// # Errors
    ///
    /// An [`EncodeError`] when a field is too long, the packet exceeds the maximum
    /// packet size, the version cannot express something the packet holds, or
    /// `buf` has no room.
    #[inline(always)]
    pub fn encode<B: Buffer, M: BufMut>(&self, packet: &Packet<B>, buf: &mut M) -> Result<usize, EncodeError> {
        if let Packet::Publish(publish) = packet {
            return self.encode_publish(publish, buf);
        }
        let mut c = Counter::default();
        emit_body(packet, self.version, &mut c)?;
        let remaining = c.0;
        let total = self.total(remaining)?;
        if buf.remaining_mut() < total {
            return Err(EncodeError::BufferTooSmall { needed: total, available: buf.remaining_mut() });
        }
        let mut w = Writer(buf);
        w.u8(first_byte(packet));
        // `total` checked the remaining length fits a variable byte integer.
        w.varint_unchecked(remaining as u32);
        emit_body(packet, self.version, &mut w)?;
        Ok(total)
    }

    /// Appends a PUBLISH to `buf`, as [`Codec::encode`] would, without wrapping it
    /// in a [`Packet`].
    ///
    /// # Errors
    ///
    /// As [`Codec::encode`].
    #[inline(always)]
    pub fn encode_publish<B: Buffer, M: BufMut>(
        &self,
        publish: &Publish<B>,
        buf: &mut M,
    ) -> Result<usize, EncodeError> {
        let Some(remaining) = publish.plain_len(self.version) else {
            let mut c = Counter::default();
            publish.emit(self.version, &mut c)?;
            let total = self.total(c.0)?;
            if buf.remaining_mut() < total {
                return Err(EncodeError::BufferTooSmall { needed: total, available: buf.remaining_mut() });
            }
            let mut w = Writer(buf);
            w.u8(((PacketType::Publish as u8) << 4) | publish.flags());
            // `total` checked the remaining length fits a variable byte integer.
            w.varint_unchecked(c.0 as u32);
            publish.emit(self.version, &mut w)?;
            return Ok(total);
        };
        // The common PUBLISH without properties: validated by `plain_len`, written
        // in one pass.
        let total = self.total(remaining)?;
        if buf.remaining_mut() < total {
            return Err(EncodeError::BufferTooSmall { needed: total, available: buf.remaining_mut() });
        }
        let topic = publish.topic.as_bytes();
        buf.put_u8(((PacketType::Publish as u8) << 4) | publish.flags());
        let mut v = remaining;
        while v >= 0x80 {
            buf.put_u8((v as u8 & 0x7F) | 0x80);
            v >>= 7;
        }
        buf.put_u8(v as u8);
        // `plain_len` checked the topic fits a two-byte length.
        buf.put_u16(topic.len() as u16);
        buf.put_slice(topic);
        if let Some(id) = publish.qos.packet_id() {
            buf.put_u16(id.get());
        }
        if self.version.is_v5() {
            // The empty property block.
            buf.put_u8(0);
        }
        buf.put_slice(publish.payload.as_ref());
        Ok(total)
    }

    /// [`Codec::encode_publish`] with `alias` as the Topic Alias (MQTT 5), for the
    /// connection's automatic aliases.
    pub(crate) fn encode_publish_aliased<B: Buffer, M: BufMut>(
        &self,
        publish: &Publish<B>,
        alias: core::num::NonZeroU16,
        buf: &mut M,
    ) -> Result<usize, EncodeError> {
        let mut c = Counter::default();
        publish.emit_aliased(self.version, Some(alias), &mut c)?;
        let total = self.total(c.0)?;
        if buf.remaining_mut() < total {
            return Err(EncodeError::BufferTooSmall { needed: total, available: buf.remaining_mut() });
        }
        let mut w = Writer(buf);
        w.u8(((PacketType::Publish as u8) << 4) | publish.flags());
        // `total` checked the remaining length fits a variable byte integer.
        w.varint_unchecked(c.0 as u32);
        publish.emit_aliased(self.version, Some(alias), &mut w)?;
        Ok(total)
    }

    #[inline(always)]
    fn total(&self, remaining: usize) -> Result<usize, EncodeError> {
        if remaining > VARINT_MAX as usize {
            return Err(EncodeError::PacketTooLarge { size: remaining + 5, max: MAX_PACKET_SIZE });
        }
        let total = 1 + varint_len(remaining as u32) + remaining;
        if total > self.max_packet_size as usize {
            return Err(EncodeError::PacketTooLarge { size: total, max: self.max_packet_size });
        }
        Ok(total)
    }
}

/// Checks the packet type and its fixed-header flags (MQTT 2.1.3, MQTT-2.2.2-1/2).
#[inline]
fn check_first_byte(first: u8, version: ProtocolVersion) -> Result<PacketType, DecodeError> {
    let kind = first >> 4;
    let flags = first & 0x0F;
    let packet = match PacketType::from_u8(kind) {
        Some(PacketType::Auth) if !version.is_v5() => return Err(DecodeError::ReservedPacketType(kind)),
        Some(p) => p,
        None => return Err(DecodeError::ReservedPacketType(kind)),
    };
    let ok = match packet {
        PacketType::Publish => {
            if flags & 0x06 == 0x06 {
                return Err(DecodeError::InvalidQoS);
            }
            if flags & 0x0E == 0x08 {
                return Err(DecodeError::DupWithQoS0);
            }
            true
        }
        PacketType::PubRel | PacketType::Subscribe | PacketType::Unsubscribe => {
            // MQTT 3.1 set QoS 1 on these and DUP on their retransmissions.
            flags == 0x02 || (version == ProtocolVersion::V3_1 && flags == 0x0A)
        }
        _ => flags == 0,
    };
    if ok { Ok(packet) } else { Err(DecodeError::InvalidFlags { packet, flags }) }
}

#[inline(always)]
fn parse_body<'a, B: Buffer, F: Fn(&'a [u8]) -> B + Copy>(
    h: Header,
    body: &'a [u8],
    mk: F,
    version: ProtocolVersion,
) -> Result<Packet<B>, DecodeError> {
    let mut p = Parser::new(body, mk, h.packet, version);
    let packet = match h.packet {
        PacketType::Publish => return Ok(Packet::Publish(Publish::parse(h.first & 0x0F, &mut p)?)),
        PacketType::Connect => Packet::from(Connect::parse(&mut p)?),
        PacketType::ConnAck => Packet::from(ConnAck::parse(&mut p)?),
        PacketType::PubAck => Packet::PubAck(Ack::parse(&mut p)?),
        PacketType::PubRec => Packet::PubRec(Ack::parse(&mut p)?),
        PacketType::PubRel => Packet::PubRel(Ack::parse(&mut p)?),
        PacketType::PubComp => Packet::PubComp(Ack::parse(&mut p)?),
        PacketType::Subscribe => Packet::Subscribe(Subscribe::parse(&mut p)?),
        PacketType::SubAck => Packet::SubAck(SubAck::parse(&mut p)?),
        PacketType::Unsubscribe => Packet::Unsubscribe(Unsubscribe::parse(&mut p)?),
        PacketType::UnsubAck => Packet::UnsubAck(UnsubAck::parse(&mut p)?),
        PacketType::PingReq => Packet::PingReq,
        PacketType::PingResp => Packet::PingResp,
        PacketType::Disconnect => Packet::Disconnect(Disconnect::parse(&mut p)?),
        PacketType::Auth => Packet::Auth(Auth::parse(&mut p)?),
    };
    p.finish()?;
    Ok(packet)
}

#[inline]
fn first_byte<B: Buffer>(packet: &Packet<B>) -> u8 {
    let flags = match packet {
        Packet::Publish(p) => p.flags(),
        Packet::PubRel(_) | Packet::Subscribe(_) | Packet::Unsubscribe(_) => 0x02,
        _ => 0,
    };
    ((packet.packet_type() as u8) << 4) | flags
}

#[inline]
fn emit_body<B: Buffer, S: Sink>(packet: &Packet<B>, version: ProtocolVersion, s: &mut S) -> Result<(), EncodeError> {
    match packet {
        Packet::Publish(p) => p.emit(version, s),
        Packet::Connect(c) => c.emit(s),
        Packet::ConnAck(c) => c.emit(version, s),
        Packet::PubAck(a) => a.emit(PacketType::PubAck, version, s),
        Packet::PubRec(a) => a.emit(PacketType::PubRec, version, s),
        Packet::PubRel(a) => a.emit(PacketType::PubRel, version, s),
        Packet::PubComp(a) => a.emit(PacketType::PubComp, version, s),
        Packet::Subscribe(p) => p.emit(version, s),
        Packet::SubAck(p) => p.emit(version, s),
        Packet::Unsubscribe(p) => p.emit(version, s),
        Packet::UnsubAck(p) => p.emit(version, s),
        Packet::PingReq | Packet::PingResp => Ok(()),
        Packet::Disconnect(d) => d.emit(version, s),
        Packet::Auth(a) => a.emit(version, s),
    }
}
