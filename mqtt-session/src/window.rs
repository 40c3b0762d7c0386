//! A fixed-capacity table of values keyed by packet identifier, oldest first.
//!
//! Everything is an array inside the value; nothing is allocated:
//!
//! - `N` slots holding the entries (see `slots.rs`). A new entry takes the
//!   most recently freed slot (a `heapless::Vec` of free slot indices) or else
//!   the lowest slot never used, so any free id can be stored while fewer
//!   than `N` entries are.
//! - an intrusive doubly linked list threaded through the slots (by `u16`
//!   slot index) keeps insertion order, so iteration is oldest-first and
//!   removal from anywhere is O(1).
//! - a hash index from id to slot (see `index.rs`): open addressing over `2N`
//!   positions, at most half full, so a lookup by id is O(1) expected.

mod error;
mod index;
mod iter;
mod slots;
mod vacant;

use core::fmt;

use crate::PacketId;

use index::{IdIndex, Probe};
use slots::id_in;

pub use error::{Full, InsertError, InsertErrorKind};
pub use iter::{Iter, IterMut};
pub use vacant::VacantEntry;

/// No slot: the end of the intrusive list, an empty position of the index.
/// Never a slot index: `N <= 0xFFFF`, so slot indices are at most `0xFFFE`.
const NIL: u16 = 0xFFFF;

/// One occupied slot: the value, its id and its neighbours in insertion order.
#[derive(Clone)]
struct Entry<T> {
    id: PacketId,
    /// Slot of the next older entry, or [`NIL`].
    prev: u16,
    /// Slot of the next newer entry, or [`NIL`].
    next: u16,
    value: T,
}

/// A fixed-capacity table of up to `N` values keyed by [`PacketId`], kept in
/// insertion order.
///
/// This is the inflight window of an MQTT session: [`insert`](Self::insert)
/// allocates a packet identifier that is not in use (MQTT-2.2.1-3), lookups
/// and removal by id are O(1) expected, and [`iter`](Self::iter) walks the
/// entries oldest-first, the order in which unacknowledged packets are resent
/// (MQTT-4.6.0-1).
///
/// Two limits apply:
///
/// - `N`, the compile-time [`capacity`](Self::capacity): the number of slots.
///   It must be in `1..=65535`; any other value is a compile-time error when
///   [`Window::new`] is instantiated.
/// - the run-time [`cap`](Self::cap), at most `N`: no insert succeeds while
///   `len() >= cap()`. Lowering it never evicts entries.
///
/// Any id not in use can be stored whenever `len() < cap()`: the id does not
/// decide where its entry lives, so ids handed out earlier (say, to messages
/// queued before the window has room) can be stored later with
/// [`insert_with_id`](Self::insert_with_id) in any order.
///
/// # Costs
///
/// Lookups by id ([`get`](Self::get), [`contains`](Self::contains),
/// [`remove`](Self::remove), [`insert_with_id`](Self::insert_with_id)) go
/// through a hash index of `2 * N` positions that is never more than half
/// full: on average at most about 1.5 probes for an id in use and 2.5 for an
/// id not in use, whatever the history of inserts and removals; ids that
/// happen to cluster can make one lookup take up to `N + 1` probes. Removal
/// then unlinks the entry in O(1) and moves back the rest of its probe run
/// in the index (no tombstones are left). [`insert`](Self::insert) makes one
/// lookup per id it tries, and tries one more id than the run of ids in use
/// that follows the cursor. [`oldest`](Self::oldest) and
/// [`newest`](Self::newest) are O(1); [`clear`](Self::clear) is O(`N`).
///
/// Everything lives inside the value: per slot the entry (the value, its id
/// and two list links: `size_of::<T>() + 6` bytes, rounded up to `T`'s
/// alignment), 4 bytes of index and 2 bytes of free-slot stack, so a window
/// takes about `N * (size_of::<T>() + 12)` bytes. A large one belongs in a
/// `static` or, where there is an allocator, a `Box`.
///
/// # Examples
///
/// ```
/// use mqtt_session::{PacketId, Window};
///
/// let mut window: Window<&str, 4> = Window::new();
/// let a = window.insert("a").unwrap();
/// let b = window.insert("b").unwrap();
/// assert_eq!((a.get(), b.get()), (1, 2));
///
/// assert_eq!(window.remove(a), Some("a"));
/// let c = window.insert("c").unwrap();
/// assert_eq!(c.get(), 3);
///
/// let order: Vec<_> = window.iter().map(|(id, v)| (id.get(), *v)).collect();
/// assert_eq!(order, [(2, "b"), (3, "c")]);
/// ```
///
/// A window without slots does not compile:
///
/// ```compile_fail
/// let window: mqtt_session::Window<(), 0> = mqtt_session::Window::new();
/// # let _ = window;
/// ```
#[derive(Clone)]
pub struct Window<T, const N: usize> {
    slots: [Option<Entry<T>>; N],
    /// Freed slots, the most recently freed on top. Every slot below
    /// `len + free.len()` is either occupied or here; every slot from there on
    /// is empty and was never used since `new` or `clear`. So when this is
    /// empty, slot `len` is the lowest unused one.
    free: heapless::Vec<u16, N, u16>,
    /// Where each id's entry lives.
    index: IdIndex<N>,
    /// Slot of the oldest entry, or [`NIL`].
    head: u16,
    /// Slot of the newest entry, or [`NIL`].
    tail: u16,
    len: usize,
    cap: usize,
    /// Where the next allocation starts probing.
    next_id: PacketId,
}

impl<T, const N: usize> Window<T, N> {
    /// Fails to compile (when `new` is instantiated) unless `N` is a usable
    /// number of slots.
    const VALID_CAPACITY: () = assert!(N >= 1 && N <= 0xFFFF, "Window capacity N must be in 1..=65535");

    /// An empty window whose cap is `N` and whose first allocated id will be 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// static EMPTY: Window<u32, 8> = Window::new();
    /// assert!(EMPTY.is_empty());
    /// assert_eq!(EMPTY.cap(), 8);
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        let () = Self::VALID_CAPACITY;
        Self {
            slots: [const { None }; N],
            free: heapless::Vec::new(),
            index: IdIndex::new(),
            head: NIL,
            tail: NIL,
            len: 0,
            cap: N,
            next_id: PacketId::MIN,
        }
    }

    /// Sets the run-time cap, clamped to `1..=N`.
    ///
    /// Lowering the cap below [`len`](Self::len) evicts nothing: inserts fail
    /// until enough entries are removed that `len() < cap()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let mut window: Window<(), 8> = Window::new();
    /// window.set_cap(2);
    /// window.insert(()).unwrap();
    /// window.insert(()).unwrap();
    /// assert!(window.is_full());
    /// assert!(window.insert(()).is_err());
    ///
    /// window.set_cap(0);
    /// assert_eq!(window.cap(), 1);
    /// window.set_cap(100);
    /// assert_eq!(window.cap(), 8);
    /// ```
    pub fn set_cap(&mut self, cap: usize) {
        self.cap = cap.clamp(1, N);
    }

    /// Sets the id from which the next [`insert`](Self::insert) starts looking
    /// for a free id, for example to continue a restored session's sequence.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{PacketId, Window};
    ///
    /// let mut window: Window<(), 4> = Window::new();
    /// window.set_next_id(PacketId::MAX);
    /// assert_eq!(window.insert(()).unwrap(), PacketId::MAX);
    /// assert_eq!(window.insert(()).unwrap(), PacketId::MIN);
    /// ```
    pub fn set_next_id(&mut self, id: PacketId) {
        self.next_id = id;
    }

    /// Stores `value` under a newly allocated packet id and returns the id.
    ///
    /// The id is the first one, starting after the previously allocated id
    /// (see [`next_id`](Self::next_id)) and wrapping from 65535 to 1, that is
    /// not in use. An id in use is never returned (MQTT-2.2.1-3).
    ///
    /// # Errors
    ///
    /// [`Full`], handing `value` back, when `len() >= cap()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let mut window: Window<&str, 1> = Window::new();
    /// let id = window.insert("first").unwrap();
    /// assert_eq!(window.get(id), Some(&"first"));
    ///
    /// let err = window.insert("second").unwrap_err();
    /// assert_eq!(err.0, "second");
    /// ```
    pub fn insert(&mut self, value: T) -> Result<PacketId, Full<T>> {
        let Some(vacant) = self.vacant_entry() else {
            return Err(Full(value));
        };
        let id = vacant.id();
        vacant.insert(value);
        Ok(id)
    }

    /// Stores `value` under `id`, an id chosen elsewhere (a restored session,
    /// a packet received from the peer). The allocation cursor
    /// ([`next_id`](Self::next_id)) does not move.
    ///
    /// # Errors
    ///
    /// An [`InsertError`] handing `value` back, whose kind is, checked in this
    /// order: [`IdInUse`](InsertErrorKind::IdInUse) when `id` is stored
    /// already, [`Full`](InsertErrorKind::Full) when `len() >= cap()`. No
    /// other reason exists: any id not in use fits while `len() < cap()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{InsertErrorKind, PacketId, Window};
    ///
    /// let mut window: Window<&str, 4> = Window::new();
    /// let id = PacketId::new(7).unwrap();
    /// window.insert_with_id(id, "restored").unwrap();
    ///
    /// let err = window.insert_with_id(id, "again").unwrap_err();
    /// assert_eq!(err.kind, InsertErrorKind::IdInUse);
    /// assert_eq!(err.value, "again");
    ///
    /// // Any other ids fit, in any order, until the window is full.
    /// for value in [11, 3, 65535] {
    ///     window.insert_with_id(PacketId::new(value).unwrap(), "x").unwrap();
    /// }
    /// let err = window.insert_with_id(PacketId::new(8).unwrap(), "y").unwrap_err();
    /// assert_eq!(err.kind, InsertErrorKind::Full);
    /// ```
    pub fn insert_with_id(&mut self, id: PacketId, value: T) -> Result<(), InsertError<T>> {
        match self.vacant_entry_at(id) {
            Ok(vacant) => {
                vacant.insert(value);
                Ok(())
            }
            Err(kind) => Err(InsertError { id, kind, value }),
        }
    }

    /// The value stored under `id`, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let mut window: Window<u32, 4> = Window::new();
    /// let id = window.insert(1).unwrap();
    /// *window.get_mut(id).unwrap() += 1;
    /// assert_eq!(window.get(id), Some(&2));
    /// ```
    #[must_use]
    pub fn get_mut(&mut self, id: PacketId) -> Option<&mut T> {
        match self.probe(id) {
            Probe::Hit { slot, .. } => self.slot_mut(slot).map(|entry| &mut entry.value),
            Probe::Miss { .. } => None,
        }
    }

    /// Removes the entry stored under `id` and returns its value, wherever it
    /// is in the order. The id becomes free for reuse.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let mut window: Window<&str, 4> = Window::new();
    /// let id = window.insert("x").unwrap();
    /// assert_eq!(window.remove(id), Some("x"));
    /// assert_eq!(window.remove(id), None);
    /// ```
    pub fn remove(&mut self, id: PacketId) -> Option<T> {
        let Probe::Hit { pos, slot } = self.probe(id) else {
            return None;
        };
        let slots = &self.slots;
        self.index.vacate(pos, |slot| id_in(slots, slot));
        self.unlink(slot).map(|entry| entry.value)
    }

    /// Removes every entry. The cap and the allocation cursor are kept, so ids
    /// allocated afterwards continue the sequence.
    ///
    /// O(`N`): it empties the whole index.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let mut window: Window<(), 4> = Window::new();
    /// window.insert(()).unwrap();
    /// window.clear();
    /// assert!(window.is_empty());
    /// assert_eq!(window.insert(()).unwrap().get(), 2);
    /// ```
    pub fn clear(&mut self) {
        let mut cursor = self.head;
        while let Some(slot) = self.slots.get_mut(usize::from(cursor)) {
            match slot.take() {
                Some(entry) => cursor = entry.next,
                None => break,
            }
        }
        self.free.clear();
        self.index.clear();
        self.head = NIL;
        self.tail = NIL;
        self.len = 0;
    }

    /// The compile-time number of slots, `N`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let window: Window<(), 16> = Window::new();
    /// assert_eq!(window.capacity(), 16);
    /// ```
    #[must_use]
    pub const fn capacity(&self) -> usize {
        N
    }

    /// The run-time cap on the number of entries, in `1..=N`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let mut window: Window<(), 16> = Window::new();
    /// assert_eq!(window.cap(), 16);
    /// window.set_cap(3);
    /// assert_eq!(window.cap(), 3);
    /// ```
    #[must_use]
    pub const fn cap(&self) -> usize {
        self.cap
    }

    /// The number of entries.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let mut window: Window<(), 4> = Window::new();
    /// window.insert(()).unwrap();
    /// assert_eq!(window.len(), 1);
    /// ```
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the window holds no entry.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let window: Window<(), 4> = Window::new();
    /// assert!(window.is_empty());
    /// ```
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether inserts fail: `len() >= cap()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let mut window: Window<(), 4> = Window::new();
    /// window.set_cap(1);
    /// window.insert(()).unwrap();
    /// assert!(window.is_full());
    /// ```
    #[must_use]
    pub const fn is_full(&self) -> bool {
        self.len >= self.cap
    }

    /// The id from which the next [`insert`](Self::insert) starts looking: one
    /// past the last allocated id, or 1 before any allocation.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let mut window: Window<(), 4> = Window::new();
    /// assert_eq!(window.next_id().get(), 1);
    /// window.insert(()).unwrap();
    /// assert_eq!(window.next_id().get(), 2);
    /// ```
    #[must_use]
    pub const fn next_id(&self) -> PacketId {
        self.next_id
    }

    /// The value stored under `id`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{PacketId, Window};
    ///
    /// let mut window: Window<&str, 4> = Window::new();
    /// let id = window.insert("x").unwrap();
    /// assert_eq!(window.get(id), Some(&"x"));
    /// assert_eq!(window.get(PacketId::new(2).unwrap()), None);
    /// ```
    #[must_use]
    pub fn get(&self, id: PacketId) -> Option<&T> {
        match self.probe(id) {
            Probe::Hit { slot, .. } => self.slot(slot).map(|entry| &entry.value),
            Probe::Miss { .. } => None,
        }
    }

    /// Whether an entry is stored under `id`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let mut window: Window<(), 4> = Window::new();
    /// let id = window.insert(()).unwrap();
    /// assert!(window.contains(id));
    /// window.remove(id);
    /// assert!(!window.contains(id));
    /// ```
    #[must_use]
    pub fn contains(&self, id: PacketId) -> bool {
        matches!(self.probe(id), Probe::Hit { .. })
    }

    /// The oldest entry: the first one [`iter`](Self::iter) yields.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let mut window: Window<&str, 4> = Window::new();
    /// assert_eq!(window.oldest(), None);
    /// let a = window.insert("a").unwrap();
    /// window.insert("b").unwrap();
    /// assert_eq!(window.oldest(), Some((a, &"a")));
    /// ```
    #[must_use]
    pub fn oldest(&self) -> Option<(PacketId, &T)> {
        self.slot(self.head).map(|entry| (entry.id, &entry.value))
    }

    /// The newest entry: the last one [`iter`](Self::iter) yields.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let mut window: Window<&str, 4> = Window::new();
    /// window.insert("a").unwrap();
    /// let b = window.insert("b").unwrap();
    /// assert_eq!(window.newest(), Some((b, &"b")));
    /// ```
    #[must_use]
    pub fn newest(&self) -> Option<(PacketId, &T)> {
        self.slot(self.tail).map(|entry| (entry.id, &entry.value))
    }

    /// Where `id` is, or where it would go, in the index.
    fn probe(&self, id: PacketId) -> Probe {
        self.index.find(id, |slot| id_in(&self.slots, slot))
    }
}

impl<T, const N: usize> Default for Window<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for Window<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Window")
            .field("len", &self.len)
            .field("cap", &self.cap)
            .field("next_id", &self.next_id)
            .field("entries", &DebugEntries(self))
            .finish()
    }
}

/// Formats a window's entries as a map, oldest-first.
struct DebugEntries<'a, T, const N: usize>(&'a Window<T, N>);

impl<T: fmt::Debug, const N: usize> fmt::Debug for DebugEntries<'_, T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.iter()).finish()
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

    fn ids<T, const N: usize>(window: &Window<T, N>) -> Vec<u16> {
        window.iter().map(|(id, _)| id.get()).collect()
    }

    #[test]
    fn allocates_ascending_ids_from_one() {
        let mut window: Window<u8, 4> = Window::new();
        assert_eq!(window.insert(10), Ok(id(1)));
        assert_eq!(window.insert(20), Ok(id(2)));
        assert_eq!(window.insert(30), Ok(id(3)));
        assert_eq!(ids(&window), [1, 2, 3]);
        assert_eq!(window.len(), 3);
    }

    /// MQTT-2.2.1-3: a new packet gets a packet identifier that is currently
    /// unused; allocation wraps past 65535 to 1 and skips ids still in use.
    #[test]
    fn wraps_past_65535_and_skips_ids_in_use() {
        let mut window: Window<u16, 8> = Window::new();
        // Ids 1 and 2 stay in flight from long ago.
        assert_eq!(window.insert(1), Ok(id(1)));
        assert_eq!(window.insert(2), Ok(id(2)));
        window.set_next_id(id(0xFFFE));
        assert_eq!(window.insert(3), Ok(id(0xFFFE)));
        assert_eq!(window.insert(4), Ok(id(0xFFFF)));
        // Wraps to 1, which is in use, and 2, which is in use.
        assert_eq!(window.insert(5), Ok(id(3)));
        assert_eq!(window.next_id(), id(4));
        assert_eq!(ids(&window), [1, 2, 0xFFFE, 0xFFFF, 3]);
    }

    #[test]
    fn ids_n_apart_coexist() {
        let mut window: Window<u16, 4> = Window::new();
        for value in [3, 7, 11, 0xFFFF] {
            window.insert_with_id(id(value), value).unwrap();
        }
        assert!(window.is_full());
        for value in [3, 7, 11, 0xFFFF] {
            assert_eq!(window.get(id(value)), Some(&value));
        }
        assert!(!window.contains(id(15)));
        assert_eq!(ids(&window), [3, 7, 11, 0xFFFF]);
        // Allocation after the wrap takes the next free id, whatever it is.
        window.remove(id(7)).unwrap();
        window.set_next_id(PacketId::MAX);
        assert_eq!(window.insert(0), Ok(id(1)));
        assert_eq!(ids(&window), [3, 11, 0xFFFF, 1]);
    }

    #[test]
    fn never_returns_an_id_in_use_over_many_wraps() {
        let mut window: Window<u32, 5> = Window::new();
        let keep = window.insert(0).unwrap();
        for round in 0..(3 * 0x1_0000_u32) {
            let id = window.insert(round).unwrap();
            assert_ne!(id, keep);
            assert!(window.len() <= 2);
            assert_eq!(window.remove(id), Some(round));
        }
        assert_eq!(ids(&window), [keep.get()]);
    }

    #[test]
    fn remove_out_of_order_keeps_oldest_first_order() {
        let mut window: Window<char, 8> = Window::new();
        let a = window.insert('a').unwrap();
        let b = window.insert('b').unwrap();
        let c = window.insert('c').unwrap();
        let d = window.insert('d').unwrap();
        assert_eq!(window.remove(c), Some('c'));
        assert_eq!(window.remove(a), Some('a'));
        let e = window.insert('e').unwrap();
        assert_eq!(e, id(5));
        assert_eq!(ids(&window), [2, 4, 5]);
        assert_eq!(window.oldest(), Some((b, &'b')));
        assert_eq!(window.newest(), Some((e, &'e')));
        assert_eq!(window.remove(d), Some('d'));
        assert_eq!(window.remove(e), Some('e'));
        assert_eq!(window.remove(b), Some('b'));
        assert!(window.is_empty());
        assert_eq!(window.oldest(), None);
        assert_eq!(window.newest(), None);
        assert_eq!(window.iter().next(), None);
    }

    #[test]
    fn full_hands_the_value_back() {
        let mut window: Window<&str, 2> = Window::new();
        window.insert("a").unwrap();
        window.insert("b").unwrap();
        assert!(window.is_full());
        assert_eq!(window.insert("c"), Err(Full("c")));
        assert!(window.vacant_entry().is_none());
        assert_eq!(window.len(), 2);
    }

    #[test]
    fn cap_below_n_limits_inserts_and_raising_it_allows_more() {
        let mut window: Window<u8, 8> = Window::new();
        window.set_cap(2);
        window.insert(1).unwrap();
        window.insert(2).unwrap();
        assert_eq!(window.insert(3), Err(Full(3)));
        window.set_cap(3);
        assert!(!window.is_full());
        assert_eq!(window.insert(3), Ok(id(3)));
        assert_eq!(window.insert(4), Err(Full(4)));
    }

    #[test]
    fn lowering_the_cap_below_len_never_evicts() {
        let mut window: Window<u8, 8> = Window::new();
        for v in 0..5 {
            window.insert(v).unwrap();
        }
        window.set_cap(2);
        assert_eq!(window.len(), 5);
        assert!(window.is_full());
        for removed in [id(1), id(2), id(3)] {
            assert_eq!(window.insert(9), Err(Full(9)));
            window.remove(removed).unwrap();
        }
        // len 2 == cap 2: still full.
        assert_eq!(window.insert(9), Err(Full(9)));
        window.remove(id(4)).unwrap();
        assert_eq!(window.insert(9), Ok(id(6)));
    }

    #[test]
    fn set_cap_clamps_to_one_through_n() {
        let mut window: Window<(), 3> = Window::new();
        window.set_cap(0);
        assert_eq!(window.cap(), 1);
        window.set_cap(usize::MAX);
        assert_eq!(window.cap(), 3);
    }

    #[test]
    fn insert_with_id_reports_each_conflict_and_hands_the_value_back() {
        let mut window: Window<&str, 4> = Window::new();
        window.insert_with_id(id(5), "five").unwrap();
        let err = window.insert_with_id(id(5), "again").unwrap_err();
        assert_eq!(err.kind, InsertErrorKind::IdInUse);
        assert_eq!(err.value, "again");
        window.set_cap(1);
        let err = window.insert_with_id(id(2), "two").unwrap_err();
        assert_eq!(err.kind, InsertErrorKind::Full);
        assert_eq!(err.into_inner(), "two");
        // A used id is reported before a full window.
        let err = window.insert_with_id(id(5), "five").unwrap_err();
        assert_eq!(err.kind, InsertErrorKind::IdInUse);
        assert_eq!(ids(&window), [5]);
    }

    #[test]
    fn insert_with_id_does_not_move_the_cursor() {
        let mut window: Window<(), 8> = Window::new();
        window.insert_with_id(id(100), ()).unwrap();
        assert_eq!(window.next_id(), id(1));
        assert_eq!(window.insert(()), Ok(id(1)));
        assert_eq!(ids(&window), [100, 1]);
    }

    #[test]
    fn lookups_of_absent_ids_find_nothing() {
        let mut window: Window<&str, 4> = Window::new();
        window.insert_with_id(id(2), "two").unwrap();
        for absent in (1..=0xFFFF).filter(|&value| value != 2).map(id) {
            assert_eq!(window.get(absent), None);
            assert_eq!(window.get_mut(absent), None);
            assert_eq!(window.remove(absent), None);
            assert!(!window.contains(absent));
        }
        assert_eq!(window.get(id(2)), Some(&"two"));
        assert_eq!(ids(&window), [2]);
    }

    #[test]
    fn clear_empties_and_keeps_cursor_and_cap() {
        let mut window: Window<u8, 4> = Window::new();
        window.set_cap(3);
        for v in 0..3 {
            window.insert(v).unwrap();
        }
        window.clear();
        assert!(window.is_empty());
        assert_eq!(window.iter().count(), 0);
        assert_eq!(window.cap(), 3);
        assert_eq!(window.insert(7), Ok(id(4)));
        assert_eq!(ids(&window), [4]);
    }

    #[test]
    fn largest_capacity_works() {
        let mut window: Window<(), 0xFFFF> = Window::new();
        window.set_next_id(PacketId::MAX);
        assert_eq!(window.insert(()), Ok(PacketId::MAX));
        assert_eq!(window.insert(()), Ok(id(1)));
        assert_eq!(window.get(PacketId::MAX), Some(&()));
    }

    #[test]
    fn every_id_fits_in_a_full_window_of_65535() {
        let mut window: Window<(), 0xFFFF> = Window::new();
        for expected in 1..=0xFFFF_u16 {
            assert_eq!(window.insert(()), Ok(id(expected)));
        }
        assert!(window.is_full());
        assert_eq!(window.insert(()), Err(Full(())));
        window.remove(id(0x8000)).unwrap();
        assert_eq!(window.insert(()), Ok(id(0x8000)));
    }

    #[test]
    fn debug_lists_entries_oldest_first() {
        let mut window: Window<u8, 4> = Window::new();
        window.insert_with_id(id(3), 30).unwrap();
        window.insert_with_id(id(1), 10).unwrap();
        let text = alloc::format!("{window:?}");
        assert_eq!(
            text,
            "Window { len: 2, cap: 4, next_id: PacketId(1), \
             entries: {PacketId(3): 30, PacketId(1): 10} }"
        );
    }
}
