//! Incoming QoS 2 exchanges: the ids between a PUBLISH and its PUBREL, so a
//! retransmitted PUBLISH is acknowledged but not delivered twice.

use core::fmt;
use core::iter::FusedIterator;

use crate::PacketId;

/// Bits in one word of the set.
const WORD_BITS: u16 = 0x20;
/// Words in the set: one bit for every `u16`, 65536 bits, 8 KiB.
const WORDS: usize = 0x800;

/// The packet ids of incoming QoS 2 messages that were delivered and whose
/// PUBREL has not arrived yet.
///
/// Until PUBREL arrives, a PUBLISH that repeats one of these ids is a
/// retransmission: acknowledge it with PUBREC again, but do not deliver it
/// (MQTT-4.3.3-10). After PUBREL (and the PUBCOMP that answers it) the id is
/// forgotten, and a PUBLISH with it is a new message (MQTT-4.3.3-12).
///
/// A fixed 65536-bit set (8 KiB, no allocation) with a count: every operation
/// is O(1) except [`clear`](Self::clear) and iteration.
///
/// # Examples
///
/// ```
/// use mqtt_session::{IncomingQos2, PacketId};
///
/// let mut held = IncomingQos2::new();
/// let id = PacketId::new(7).unwrap();
///
/// assert!(held.receive(id)); // first PUBLISH: deliver, send PUBREC
/// assert!(!held.receive(id)); // retransmission: PUBREC only
/// assert!(held.release(id)); // PUBREL: send PUBCOMP
/// assert!(held.receive(id)); // a new message reusing the id
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IncomingQos2 {
    /// Bit `id % 32` of word `id / 32` is set while `id` is held. Bit 0 of
    /// word 0 (id 0) is never set.
    words: [u32; WORDS],
    /// How many bits are set: at most 65535, since id 0 is never held.
    len: u16,
}

impl IncomingQos2 {
    /// An empty set.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::IncomingQos2;
    ///
    /// static HELD: IncomingQos2 = IncomingQos2::new();
    /// assert!(HELD.is_empty());
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self { words: [0; WORDS], len: 0 }
    }

    /// Records an incoming QoS 2 PUBLISH with `id`. Returns `true` the first
    /// time (deliver the message, then send PUBREC) and `false` while `id` is
    /// held already (a retransmission: send PUBREC, do not deliver;
    /// MQTT-4.3.3-10).
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{IncomingQos2, PacketId};
    ///
    /// let mut held = IncomingQos2::new();
    /// let id = PacketId::new(1).unwrap();
    /// assert!(held.receive(id));
    /// assert!(!held.receive(id));
    /// assert_eq!(held.len(), 1);
    /// ```
    pub fn receive(&mut self, id: PacketId) -> bool {
        let (word, mask) = Self::locate(id);
        let first = self.words[word] & mask == 0;
        if first {
            self.words[word] |= mask;
            // At most 65535 distinct non-zero ids can be set.
            self.len += 1;
        }
        first
    }

    /// Forgets `id` on PUBREL. Returns whether it was held. Answer the PUBREL
    /// with PUBCOMP either way: a PUBREL for an id not held is a
    /// retransmission after PUBCOMP was sent (MQTT-4.3.3-11).
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{IncomingQos2, PacketId};
    ///
    /// let mut held = IncomingQos2::new();
    /// let id = PacketId::new(1).unwrap();
    /// held.receive(id);
    /// assert!(held.release(id));
    /// assert!(!held.release(id));
    /// assert!(held.is_empty());
    /// ```
    pub fn release(&mut self, id: PacketId) -> bool {
        let (word, mask) = Self::locate(id);
        let held = self.words[word] & mask != 0;
        if held {
            self.words[word] &= !mask;
            self.len -= 1;
        }
        held
    }

    /// Forgets every id (a clean start).
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{IncomingQos2, PacketId};
    ///
    /// let mut held = IncomingQos2::new();
    /// held.receive(PacketId::MAX);
    /// held.clear();
    /// assert!(held.is_empty());
    /// assert!(!held.contains(PacketId::MAX));
    /// ```
    pub fn clear(&mut self) {
        self.words = [0; WORDS];
        self.len = 0;
    }

    /// Whether `id` is held: received and not yet released.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{IncomingQos2, PacketId};
    ///
    /// let mut held = IncomingQos2::new();
    /// let id = PacketId::new(300).unwrap();
    /// assert!(!held.contains(id));
    /// held.receive(id);
    /// assert!(held.contains(id));
    /// ```
    #[must_use]
    pub fn contains(&self, id: PacketId) -> bool {
        let (word, mask) = Self::locate(id);
        self.words[word] & mask != 0
    }

    /// The number of ids held.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{IncomingQos2, PacketId};
    ///
    /// let mut held = IncomingQos2::new();
    /// held.receive(PacketId::MIN);
    /// held.receive(PacketId::MAX);
    /// assert_eq!(held.len(), 2);
    /// ```
    #[must_use]
    pub const fn len(&self) -> usize {
        // Widening: `usize` is at least 16 bits.
        self.len as usize
    }

    /// Whether no id is held.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::IncomingQos2;
    ///
    /// assert!(IncomingQos2::new().is_empty());
    /// ```
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The ids held, ascending; for persisting the session.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{IncomingQos2, PacketId};
    ///
    /// let mut held = IncomingQos2::new();
    /// for id in [900, 3, 70] {
    ///     held.receive(PacketId::new(id).unwrap());
    /// }
    /// let ids: Vec<u16> = held.iter().map(PacketId::get).collect();
    /// assert_eq!(ids, [3, 70, 900]);
    /// ```
    #[must_use]
    pub fn iter(&self) -> HeldIds<'_> {
        HeldIds { words: &self.words, index: 0, current: self.words[0], remaining: self.len }
    }

    /// The word index and bit mask of `id`. The index is at most
    /// `0xFFFF / 32 = 0x7FF`, below [`WORDS`], so indexing with it cannot fail.
    fn locate(id: PacketId) -> (usize, u32) {
        let id = id.get();
        (usize::from(id / WORD_BITS), 1_u32 << (id % WORD_BITS))
    }
}

impl Default for IncomingQos2 {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for IncomingQos2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a IncomingQos2 {
    type Item = PacketId;
    type IntoIter = HeldIds<'a>;

    fn into_iter(self) -> HeldIds<'a> {
        self.iter()
    }
}

impl Extend<PacketId> for IncomingQos2 {
    /// Holds every id (restoring a persisted session).
    fn extend<I: IntoIterator<Item = PacketId>>(&mut self, ids: I) {
        for id in ids {
            self.receive(id);
        }
    }
}

impl FromIterator<PacketId> for IncomingQos2 {
    fn from_iter<I: IntoIterator<Item = PacketId>>(ids: I) -> Self {
        let mut held = Self::new();
        held.extend(ids);
        held
    }
}

/// Iterator over the ids an [`IncomingQos2`] holds, ascending; from
/// [`IncomingQos2::iter`].
#[derive(Clone)]
pub struct HeldIds<'a> {
    words: &'a [u32; WORDS],
    /// Index of the word `current` came from.
    index: usize,
    /// The bits of word `index` not yet yielded.
    current: u32,
    remaining: u16,
}

impl Iterator for HeldIds<'_> {
    type Item = PacketId;

    fn next(&mut self) -> Option<PacketId> {
        if self.remaining == 0 {
            return None;
        }
        while self.current == 0 {
            self.index += 1;
            self.current = *self.words.get(self.index)?;
        }
        let bit = self.current.trailing_zeros();
        // Clear the lowest set bit.
        self.current &= self.current - 1;
        self.remaining -= 1;
        // `index <= 0x7FF` and `bit < 32`: the sum fits in a `u16`.
        let id = self.index * usize::from(WORD_BITS) + usize::try_from(bit).ok()?;
        PacketId::new(u16::try_from(id).ok()?)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let remaining = usize::from(self.remaining);
        (remaining, Some(remaining))
    }
}

impl ExactSizeIterator for HeldIds<'_> {}

impl FusedIterator for HeldIds<'_> {}

impl fmt::Debug for HeldIds<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeldIds").field("remaining", &self.remaining).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    extern crate alloc;

    use alloc::vec::Vec;

    use super::*;

    fn id(value: u16) -> PacketId {
        PacketId::new(value).expect("test ids are non-zero")
    }

    /// MQTT-4.3.3-10: until PUBREL, a repeated PUBLISH is acknowledged but not
    /// delivered again.
    #[test]
    fn retransmitted_publish_is_not_delivered_twice() {
        let mut held = IncomingQos2::new();
        assert!(held.receive(id(10)));
        assert!(!held.receive(id(10)));
        assert!(!held.receive(id(10)));
        assert_eq!(held.len(), 1);
        assert!(held.contains(id(10)));
    }

    /// MQTT-4.3.3-12: after PUBCOMP, a PUBLISH with the same id is a new
    /// message.
    #[test]
    fn after_release_the_id_is_a_new_message() {
        let mut held = IncomingQos2::new();
        assert!(held.receive(id(10)));
        assert!(held.release(id(10)));
        assert!(!held.contains(id(10)));
        assert!(held.receive(id(10)));
    }

    /// MQTT-4.3.3-11: a PUBREL is answered with PUBCOMP even when its id is
    /// no longer held (a retransmitted PUBREL); `release` reports it.
    #[test]
    fn releasing_an_unknown_id_reports_false_and_changes_nothing() {
        let mut held = IncomingQos2::new();
        held.receive(id(1));
        assert!(!held.release(id(2)));
        assert_eq!(held.len(), 1);
        assert!(held.release(id(1)));
        assert!(!held.release(id(1)));
        assert!(held.is_empty());
    }

    #[test]
    fn ids_are_independent_across_word_boundaries() {
        let mut held = IncomingQos2::new();
        for v in [1, 31, 32, 33, 63, 64, 0xFFDF, 0xFFE0, 0xFFFF] {
            assert!(held.receive(id(v)));
        }
        let ids: Vec<u16> = held.iter().map(PacketId::get).collect();
        assert_eq!(ids, [1, 31, 32, 33, 63, 64, 0xFFDF, 0xFFE0, 0xFFFF]);
        assert!(held.release(id(32)));
        assert!(!held.contains(id(32)));
        assert!(held.contains(id(31)));
        assert!(held.contains(id(33)));
        assert_eq!(held.iter().len(), 8);
    }

    #[test]
    fn holds_every_id_at_once() {
        let mut held = IncomingQos2::new();
        for v in 1..=0xFFFF {
            assert!(held.receive(id(v)));
        }
        assert_eq!(held.len(), 0xFFFF);
        let mut iter = held.iter();
        assert_eq!(iter.len(), 0xFFFF);
        assert!(iter.by_ref().map(PacketId::get).eq(1..=0xFFFF));
        assert_eq!(iter.next(), None);
        held.clear();
        assert!(held.is_empty());
        assert_eq!(held.iter().next(), None);
    }

    #[test]
    fn collects_from_and_debugs_as_a_set() {
        let held: IncomingQos2 = [id(5), id(2), id(5)].into_iter().collect();
        assert_eq!(held.len(), 2);
        assert_eq!(alloc::format!("{held:?}"), "{PacketId(2), PacketId(5)}");
        assert_eq!(held, held.clone());
        assert_eq!(IncomingQos2::default(), IncomingQos2::new());
    }
}
