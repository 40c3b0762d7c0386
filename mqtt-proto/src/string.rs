//! Byte buffers and validated MQTT strings.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::hash::Hash;

use bytes::Bytes;

use crate::DecodeError;

pub(crate) mod sealed {
    pub trait Sealed {
        /// The bytes `start..end` of this buffer, as the same kind of buffer:
        /// zero-copy for `Bytes` and `&[u8]`. Callers keep the range in bounds.
        fn sub(&self, start: usize, end: usize) -> Self;
    }
    impl Sealed for bytes::Bytes {
        fn sub(&self, start: usize, end: usize) -> Self {
            self.slice(start..end)
        }
    }
    impl Sealed for &[u8] {
        fn sub(&self, start: usize, end: usize) -> Self {
            &self[start..end]
        }
    }
    impl Sealed for alloc::vec::Vec<u8> {
        fn sub(&self, start: usize, end: usize) -> Self {
            self[start..end].to_vec()
        }
    }
}

/// An immutable byte container that packets store their strings and payloads in.
///
/// Decoding gives packets over [`Bytes`] (owned, zero-copy slices of the receive
/// buffer) or over `&[u8]` (borrowed from the input, no allocation). `Vec<u8>` is
/// accepted for building packets to encode. The trait is sealed: these containers
/// never change their contents, which is what lets a validated string stay valid.
pub trait Buffer: AsRef<[u8]> + Clone + Default + fmt::Debug + Eq + Hash + sealed::Sealed {}

impl Buffer for Bytes {}
impl Buffer for &[u8] {}
impl Buffer for Vec<u8> {}

/// A UTF-8 encoded string as MQTT defines it (MQTT 1.5.4): well-formed UTF-8,
/// without U+0000, at most 65,535 bytes on the wire (checked when encoding).
///
/// # Examples
///
/// ```
/// use mqtt_proto::MqttStr;
///
/// let s = MqttStr::try_from("client-1").unwrap();
/// assert_eq!(s.as_str(), "client-1");
/// assert!(MqttStr::try_from("nul\0").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MqttStr<B: Buffer = Bytes>(B);

impl<B: Buffer> MqttStr<B> {
    /// Validates `bytes` as an MQTT string (MQTT-1.5.4-1, MQTT-1.5.4-2).
    ///
    /// # Errors
    ///
    /// [`DecodeError::InvalidUtf8`] or [`DecodeError::NullCharacter`].
    pub fn new(bytes: B) -> Result<Self, DecodeError> {
        validate_str(bytes.as_ref())?;
        Ok(Self(bytes))
    }

    /// The string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // The constructors validated these bytes and `Buffer` types are immutable,
        // so this never fails.
        core::str::from_utf8(self.0.as_ref()).unwrap_or_default()
    }

    /// The string's bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_ref()
    }

    /// The underlying buffer.
    #[must_use]
    pub fn into_inner(self) -> B {
        self.0
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.as_ref().len()
    }

    /// Whether the string is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_empty()
    }

    pub(crate) const fn from_validated(bytes: B) -> Self {
        Self(bytes)
    }
}

impl MqttStr<Bytes> {
    /// A string from a `'static` one, without copying.
    ///
    /// # Errors
    ///
    /// [`DecodeError::NullCharacter`] if `s` contains U+0000.
    pub fn from_static(s: &'static str) -> Result<Self, DecodeError> {
        Self::new(Bytes::from_static(s.as_bytes()))
    }
}

impl TryFrom<&str> for MqttStr<Bytes> {
    type Error = DecodeError;

    fn try_from(s: &str) -> Result<Self, DecodeError> {
        Self::new(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl TryFrom<String> for MqttStr<Bytes> {
    type Error = DecodeError;

    fn try_from(s: String) -> Result<Self, DecodeError> {
        Self::new(Bytes::from(s))
    }
}

impl<B: Buffer> fmt::Debug for MqttStr<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<B: Buffer> fmt::Display for MqttStr<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<B: Buffer> PartialEq<str> for MqttStr<B> {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl<B: Buffer> PartialEq<&str> for MqttStr<B> {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Whether any byte of `w` is zero (the classic SWAR test).
#[inline(always)]
const fn has_zero(w: u64) -> bool {
    (w.wrapping_sub(LO) & !w & HI) != 0
}

/// Whether any byte of `w` equals `b`.
#[inline(always)]
const fn has_byte(w: u64, b: u8) -> bool {
    has_zero(w ^ (LO * b as u64))
}

/// Checks an MQTT string: well-formed UTF-8 (MQTT-1.5.4-1), no U+0000 (MQTT-1.5.4-2).
pub(crate) fn validate_str(bytes: &[u8]) -> Result<(), DecodeError> {
    scan(bytes, false).map(|_| ())
}

/// Checks a string and reports whether it contains `+` or `#`; a fast word-at-a-time
/// path covers ASCII.
#[inline]
pub(crate) fn scan(bytes: &[u8], want_wildcards: bool) -> Result<bool, DecodeError> {
    let mut chunks = bytes.chunks_exact(8);
    let mut suspicious = false;
    let mut wild = false;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        if w & HI != 0 || has_zero(w) {
            suspicious = true;
            break;
        }
        if want_wildcards {
            wild |= has_byte(w, b'+') | has_byte(w, b'#');
        }
    }
    if !suspicious {
        for &b in chunks.remainder() {
            if b == 0 || b >= 0x80 {
                suspicious = true;
                break;
            }
            wild |= b == b'+' || b == b'#';
        }
    }
    if suspicious {
        if core::str::from_utf8(bytes).is_err() {
            return Err(DecodeError::InvalidUtf8);
        }
        if bytes.contains(&0) {
            return Err(DecodeError::NullCharacter);
        }
        wild = bytes.iter().any(|&b| b == b'+' || b == b'#');
    }
    Ok(wild)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mqtt_1_5_4_1_rejects_malformed_utf8() {
        assert_eq!(validate_str(b"ab\xff"), Err(DecodeError::InvalidUtf8));
        // A UTF-16 surrogate encoded in UTF-8 (U+D800) is not well-formed.
        assert_eq!(validate_str(b"\xed\xa0\x80"), Err(DecodeError::InvalidUtf8));
        // Truncated multi-byte sequence inside a long string.
        assert_eq!(validate_str(b"abcdefghij\xe2\x82"), Err(DecodeError::InvalidUtf8));
    }

    #[test]
    fn mqtt_1_5_4_2_rejects_null_character() {
        assert_eq!(validate_str(b"a\0b"), Err(DecodeError::NullCharacter));
        assert_eq!(validate_str(b"abcdefgh\0"), Err(DecodeError::NullCharacter));
        assert_eq!(validate_str(b"abcdefg\0ijklmnop"), Err(DecodeError::NullCharacter));
    }

    #[test]
    fn accepts_multibyte_and_reports_wildcards() {
        assert_eq!(scan("température/ü/€".as_bytes(), true), Ok(false));
        assert_eq!(scan(b"sensors/room1/+", true), Ok(true));
        assert_eq!(scan(b"sensors/room1/temperature/#", true), Ok(true));
        assert_eq!(scan("a/é/#".as_bytes(), true), Ok(true));
        assert_eq!(scan(b"", true), Ok(false));
    }

    #[test]
    fn swar_matches_bytewise_for_every_position() {
        for len in 0..24 {
            for pos in 0..len {
                for special in [0u8, b'+', b'#', 0x80] {
                    let mut v = alloc::vec![b'a'; len];
                    v[pos] = special;
                    let got = scan(&v, true);
                    let want = match special {
                        0 => Err(DecodeError::NullCharacter),
                        0x80 => Err(DecodeError::InvalidUtf8),
                        _ => Ok(true),
                    };
                    assert_eq!(got, want, "len {len} pos {pos} byte {special:#x}");
                }
            }
        }
    }
}
