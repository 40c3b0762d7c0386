//! Lists of a packet (user properties, subscription identifiers, the filters of
//! SUBSCRIBE and UNSUBSCRIBE) that a decoded packet keeps in their wire form.
//!
//! A decoded list is a validated slice of the packet's own buffer plus a count:
//! decoding allocates nothing per element, so a packet of `n` bytes never costs
//! more than about `n` bytes of heap however many elements it packs. Elements are
//! read as they are iterated (a string is a zero-copy slice). A list built by
//! hand, or changed after decoding, holds its elements in a `Vec`.

use alloc::vec::Vec;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::num::NonZeroU32;

use bytes::Bytes;

use crate::properties::id::{SUBSCRIPTION_IDENTIFIER, USER_PROPERTY};
use crate::properties::{UserProperty, value_len};
use crate::string::Buffer;
use crate::subscribe::{Subscription, SubscriptionOptions};
use crate::{MqttStr, ProtocolVersion, TopicFilter};

mod sealed {
    use crate::string::Buffer;

    /// Reads one element from a validated wire form.
    pub trait Read<B: Buffer>: Sized {
        /// The element at `*at` of `raw`, advancing `*at` past it; `None` at the
        /// end (or, defensively, on bytes that did not validate).
        fn read(raw: &B, at: &mut usize) -> Option<Self>;
    }
}

use sealed::Read;

/// An element type of a [`List`]: [`UserProperty`], subscription identifiers
/// (`NonZeroU32`), [`Subscription`] and [`TopicFilter`]. Sealed.
pub trait ListItem<B: Buffer>: Clone + Read<B> {}

impl<T: Clone + Read<B>, B: Buffer> ListItem<B> for T {}

/// A list of packet elements, in order.
///
/// Decoded packets hold their lists in wire form (see the module doc); lists you
/// build ([`List::new`], `From<Vec<T>>`, `collect()`) hold a `Vec`. Both behave
/// the same: iteration gives the elements by value (cheap: strings are
/// reference-counted or borrowed slices), and two lists are equal when their
/// elements are.
///
/// # Examples
///
/// ```
/// use mqtt_proto::{List, MqttStr, UserProperty};
///
/// let mut list: List<UserProperty> = List::new();
/// list.push(UserProperty { name: MqttStr::try_from("k").unwrap(), value: MqttStr::try_from("v").unwrap() });
/// assert_eq!(list.len(), 1);
/// for p in &list {
///     assert_eq!((p.name.as_str(), p.value.as_str()), ("k", "v"));
/// }
/// ```
pub struct List<T, B: Buffer = Bytes> {
    repr: Repr<T, B>,
}

#[derive(Clone)]
enum Repr<T, B> {
    /// `len` validated elements in `raw`.
    Wire {
        raw: B,
        len: usize,
    },
    Owned(Vec<T>),
}

impl<T, B: Buffer> List<T, B> {
    /// An empty list; does not allocate.
    #[must_use]
    pub const fn new() -> Self {
        Self { repr: Repr::Owned(Vec::new()) }
    }

    /// A list of `len` elements validated in `raw`.
    pub(crate) const fn wire(raw: B, len: usize) -> Self {
        Self { repr: Repr::Wire { raw, len } }
    }

    /// The number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Wire { len, .. } => *len,
            Repr::Owned(v) => v.len(),
        }
    }

    /// Whether the list is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        self.repr = Repr::Owned(Vec::new());
    }
}

impl<T: ListItem<B>, B: Buffer> List<T, B> {
    /// The elements, in order.
    #[must_use]
    pub fn iter(&self) -> Iter<'_, T, B> {
        Iter {
            inner: match &self.repr {
                Repr::Wire { raw, len } => IterRepr::Wire { raw, at: 0, left: *len },
                Repr::Owned(v) => IterRepr::Owned(v.iter()),
            },
        }
    }

    /// The element at `index` (walks the wire form of a decoded list).
    #[must_use]
    pub fn get(&self, index: usize) -> Option<T> {
        match &self.repr {
            Repr::Wire { .. } => self.iter().nth(index),
            Repr::Owned(v) => v.get(index).cloned(),
        }
    }

    /// Appends an element.
    pub fn push(&mut self, item: T) {
        self.make_mut().push(item);
    }

    /// The elements as a `Vec` to change in place (a decoded list is copied
    /// into one first).
    pub fn make_mut(&mut self) -> &mut Vec<T> {
        if let Repr::Wire { .. } = self.repr {
            self.repr = Repr::Owned(self.iter().collect());
        }
        match &mut self.repr {
            Repr::Owned(v) => v,
            Repr::Wire { .. } => unreachable!("converted above"),
        }
    }

    /// The elements, copied into a `Vec`.
    #[must_use]
    pub fn to_vec(&self) -> Vec<T> {
        self.iter().collect()
    }
}

impl<T, B: Buffer> Default for List<T, B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone, B: Buffer> Clone for List<T, B> {
    fn clone(&self) -> Self {
        Self { repr: self.repr.clone() }
    }
}

impl<T, B: Buffer> From<Vec<T>> for List<T, B> {
    fn from(v: Vec<T>) -> Self {
        Self { repr: Repr::Owned(v) }
    }
}

impl<T, B: Buffer, const N: usize> From<[T; N]> for List<T, B> {
    fn from(a: [T; N]) -> Self {
        Self { repr: Repr::Owned(a.into()) }
    }
}

impl<T, B: Buffer> FromIterator<T> for List<T, B> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self { repr: Repr::Owned(iter.into_iter().collect()) }
    }
}

impl<T: ListItem<B>, B: Buffer> Extend<T> for List<T, B> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.make_mut().extend(iter);
    }
}

impl<T: ListItem<B> + PartialEq, B: Buffer> PartialEq for List<T, B> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: ListItem<B> + Eq, B: Buffer> Eq for List<T, B> {}

impl<T: ListItem<B> + PartialEq, B: Buffer> PartialEq<Vec<T>> for List<T, B> {
    fn eq(&self, other: &Vec<T>) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter().cloned())
    }
}

impl<T: ListItem<B> + PartialEq, B: Buffer> PartialEq<[T]> for List<T, B> {
    fn eq(&self, other: &[T]) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter().cloned())
    }
}

impl<T: ListItem<B> + Hash, B: Buffer> Hash for List<T, B> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        for item in self {
            item.hash(state);
        }
    }
}

impl<T: ListItem<B> + fmt::Debug, B: Buffer> fmt::Debug for List<T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T: ListItem<B>, B: Buffer> IntoIterator for &'a List<T, B> {
    type Item = T;
    type IntoIter = Iter<'a, T, B>;

    fn into_iter(self) -> Iter<'a, T, B> {
        self.iter()
    }
}

impl<T: ListItem<B>, B: Buffer> IntoIterator for List<T, B> {
    type Item = T;
    type IntoIter = IntoIter<T, B>;

    fn into_iter(self) -> IntoIter<T, B> {
        IntoIter {
            inner: match self.repr {
                Repr::Wire { raw, len } => IntoIterRepr::Wire { raw, at: 0, left: len },
                Repr::Owned(v) => IntoIterRepr::Owned(v.into_iter()),
            },
        }
    }
}

/// Iterator over a [`List`]'s elements, by value.
pub struct Iter<'a, T, B: Buffer> {
    inner: IterRepr<'a, T, B>,
}

enum IterRepr<'a, T, B> {
    Wire { raw: &'a B, at: usize, left: usize },
    Owned(core::slice::Iter<'a, T>),
}

impl<T: ListItem<B>, B: Buffer> Iterator for Iter<'_, T, B> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match &mut self.inner {
            IterRepr::Wire { raw, at, left } => next_wire(*raw, at, left),
            IterRepr::Owned(it) => it.next().cloned(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.inner {
            IterRepr::Wire { left, .. } => (*left, Some(*left)),
            IterRepr::Owned(it) => it.size_hint(),
        }
    }
}

impl<T: ListItem<B>, B: Buffer> ExactSizeIterator for Iter<'_, T, B> {}

impl<T, B: Buffer> fmt::Debug for Iter<'_, T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

/// Owning iterator over a [`List`]'s elements.
pub struct IntoIter<T, B: Buffer> {
    inner: IntoIterRepr<T, B>,
}

enum IntoIterRepr<T, B> {
    Wire { raw: B, at: usize, left: usize },
    Owned(alloc::vec::IntoIter<T>),
}

impl<T: ListItem<B>, B: Buffer> Iterator for IntoIter<T, B> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match &mut self.inner {
            IntoIterRepr::Wire { raw, at, left } => next_wire(raw, at, left),
            IntoIterRepr::Owned(it) => it.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.inner {
            IntoIterRepr::Wire { left, .. } => (*left, Some(*left)),
            IntoIterRepr::Owned(it) => it.size_hint(),
        }
    }
}

impl<T: ListItem<B>, B: Buffer> ExactSizeIterator for IntoIter<T, B> {}

impl<T, B: Buffer> fmt::Debug for IntoIter<T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter").finish_non_exhaustive()
    }
}

fn next_wire<T: Read<B>, B: Buffer>(raw: &B, at: &mut usize, left: &mut usize) -> Option<T> {
    if *left == 0 {
        return None;
    }
    match T::read(raw, at) {
        Some(item) => {
            *left -= 1;
            Some(item)
        }
        None => {
            // Cannot happen for a validated wire form; end the list rather than panic.
            *left = 0;
            None
        }
    }
}

// Readers of validated wire forms. They never index out of bounds: every access
// is checked and a failure ends the list.

fn byte(raw: &[u8], at: &mut usize) -> Option<u8> {
    let b = *raw.get(*at)?;
    *at += 1;
    Some(b)
}

fn varint(raw: &[u8], at: &mut usize) -> Option<u32> {
    let mut value = 0u32;
    for i in 0..4 {
        let b = byte(raw, at)?;
        value |= u32::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// The range of a length-prefixed field at `*at`.
fn prefixed(raw: &[u8], at: &mut usize) -> Option<(usize, usize)> {
    let hi = byte(raw, at)?;
    let lo = byte(raw, at)?;
    let start = *at;
    let end = start.checked_add(usize::from(u16::from_be_bytes([hi, lo])))?;
    if end > raw.len() {
        return None;
    }
    *at = end;
    Some((start, end))
}

fn string<B: Buffer>(raw: &B, at: &mut usize) -> Option<MqttStr<B>> {
    let (start, end) = prefixed(raw.as_ref(), at)?;
    Some(MqttStr::from_validated(raw.sub(start, end)))
}

/// Walks a validated property block to the next property `wanted`; returns where
/// its value starts.
fn find_property(raw: &[u8], at: &mut usize, wanted: u8) -> Option<usize> {
    while *at < raw.len() {
        let id = u8::try_from(varint(raw, at)?).ok()?;
        if id == wanted {
            return Some(*at);
        }
        *at = at.checked_add(value_len(id, raw.get(*at..)?)?)?;
    }
    None
}

impl<B: Buffer> Read<B> for UserProperty<B> {
    /// Wire form: a property block.
    fn read(raw: &B, at: &mut usize) -> Option<Self> {
        find_property(raw.as_ref(), at, USER_PROPERTY)?;
        let name = string(raw, at)?;
        Some(Self { name, value: string(raw, at)? })
    }
}

impl<B: Buffer> Read<B> for NonZeroU32 {
    /// Wire form: a property block (its Subscription Identifiers).
    fn read(raw: &B, at: &mut usize) -> Option<Self> {
        find_property(raw.as_ref(), at, SUBSCRIPTION_IDENTIFIER)?;
        Self::new(varint(raw.as_ref(), at)?)
    }
}

impl<B: Buffer> Read<B> for Subscription<B> {
    /// Wire form: the payload of a SUBSCRIBE.
    fn read(raw: &B, at: &mut usize) -> Option<Self> {
        let (start, end) = prefixed(raw.as_ref(), at)?;
        let filter = TopicFilter::from_validated(raw.sub(start, end));
        let b = byte(raw.as_ref(), at)?;
        // Validated for the packet's version; the MQTT 5 reading is a superset.
        let options = SubscriptionOptions::from_byte(b, ProtocolVersion::V5).ok()?;
        Some(Self { filter, options })
    }
}

impl<B: Buffer> Read<B> for TopicFilter<B> {
    /// Wire form: the payload of an UNSUBSCRIBE.
    fn read(raw: &B, at: &mut usize) -> Option<Self> {
        let (start, end) = prefixed(raw.as_ref(), at)?;
        Some(Self::from_validated(raw.sub(start, end)))
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use alloc::vec;
    use core::hash::BuildHasher;

    use super::*;
    use crate::{Codec, Packet, PublishProperties};

    fn pair(name: &'static str, value: &'static str) -> UserProperty {
        UserProperty { name: MqttStr::from_static(name).unwrap(), value: MqttStr::from_static(value).unwrap() }
    }

    /// A PUBLISH whose User Properties and Subscription Identifiers are
    /// interleaved with other properties.
    fn decoded() -> PublishProperties {
        let wire: &[u8] = &[
            0x30, 0x1D, 0x00, 0x01, b't', // PUBLISH QoS 0, topic "t"
            0x19, // properties: 25 bytes
            0x26, 0x00, 0x01, b'a', 0x00, 0x01, b'1', // a=1
            0x0B, 0x05, // subscription identifier 5
            0x01, 0x01, // payload format: UTF-8
            0x26, 0x00, 0x01, b'b', 0x00, 0x00, // b=""
            0x0B, 0x80, 0x01, // subscription identifier 128
            0x02, 0x00, 0x00, 0x00, 0x3C, // message expiry 60
        ];
        let mut buf = bytes::BytesMut::from(wire);
        let Some(Packet::Publish(p)) = Codec::new(ProtocolVersion::V5).decode(&mut buf).unwrap() else {
            panic!("not a PUBLISH")
        };
        assert!(buf.is_empty());
        *p.properties.unwrap()
    }

    #[test]
    fn wire_lists_skip_other_properties_and_keep_order() {
        let props = decoded();
        assert_eq!(props.user_properties.len(), 2);
        assert_eq!(props.user_properties.to_vec(), vec![pair("a", "1"), pair("b", "")]);
        let ids: Vec<u32> = props.subscription_identifiers.iter().map(NonZeroU32::get).collect();
        assert_eq!(ids, [5, 128]);
        assert_eq!(props.user_properties.get(1), Some(pair("b", "")));
        assert_eq!(props.user_properties.get(2), None);
    }

    #[test]
    fn wire_and_owned_lists_are_equal_and_hash_alike() {
        let props = decoded();
        let owned: List<UserProperty> = vec![pair("a", "1"), pair("b", "")].into();
        assert_eq!(props.user_properties, owned);
        assert_ne!(props.user_properties, List::from(vec![pair("a", "1")]));
        let state = std::hash::RandomState::new();
        assert_eq!(state.hash_one(&props.user_properties), state.hash_one(&owned));
        assert_eq!(alloc::format!("{:?}", props.user_properties), alloc::format!("{owned:?}"));
    }

    #[test]
    fn changing_a_wire_list_copies_it_first() {
        let mut list = decoded().user_properties;
        list.push(pair("c", "3"));
        assert_eq!(list, vec![pair("a", "1"), pair("b", ""), pair("c", "3")]);
        list.make_mut().remove(0);
        assert_eq!(list.into_iter().collect::<Vec<_>>(), vec![pair("b", ""), pair("c", "3")]);
        let mut list = decoded().user_properties;
        list.clear();
        assert!(list.is_empty());
    }
}
