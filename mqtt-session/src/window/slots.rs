//! The slots of a [`Window`]: which slot a new entry takes, and the intrusive
//! list through the slots that keeps the entries in insertion order.

use super::{Entry, NIL, Window};
use crate::PacketId;

impl<T, const N: usize> Window<T, N> {
    /// The slot the next entry takes: the most recently freed one, else the
    /// lowest never used, or `None` when all `N` are occupied.
    pub(super) fn free_slot(&self) -> Option<u16> {
        match self.free.last() {
            Some(&slot) => Some(slot),
            None if self.len < N => u16::try_from(self.len).ok(),
            None => None,
        }
    }

    /// Stores `value` under `id` in `slot`, which [`free_slot`](Self::free_slot)
    /// gave, as the newest entry. The caller puts the id in the index.
    pub(super) fn link_newest(&mut self, slot: u16, id: PacketId, value: T) -> &mut T {
        if self.free.last() == Some(&slot) {
            self.free.pop();
        }
        let tail = self.tail;
        match self.slot_mut(tail) {
            Some(newest) => newest.next = slot,
            None => self.head = slot,
        }
        self.tail = slot;
        self.len += 1;
        let entry = Entry { id, prev: tail, next: NIL, value };
        // `free_slot` gives only slot indices below `N`, so the index is in
        // bounds.
        &mut self.slots[usize::from(slot)].insert(entry).value
    }

    /// Takes the entry out of `slot`, closes the gap in the list and frees
    /// the slot. The caller has taken the id out of the index.
    pub(super) fn unlink(&mut self, slot: u16) -> Option<Entry<T>> {
        let entry = self.slots.get_mut(usize::from(slot))?.take()?;
        match self.slot_mut(entry.prev) {
            Some(prev) => prev.next = entry.next,
            None => self.head = entry.next,
        }
        match self.slot_mut(entry.next) {
            Some(next) => next.prev = entry.prev,
            None => self.tail = entry.prev,
        }
        self.len -= 1;
        // Cannot fail: occupied and freed slots number at most `N` together,
        // and `slot` was occupied.
        let pushed = self.free.push(slot);
        debug_assert!(pushed.is_ok(), "a freed slot always fits on the free stack");
        Some(entry)
    }

    pub(super) fn slot(&self, slot: u16) -> Option<&Entry<T>> {
        self.slots.get(usize::from(slot))?.as_ref()
    }

    pub(super) fn slot_mut(&mut self, slot: u16) -> Option<&mut Entry<T>> {
        self.slots.get_mut(usize::from(slot))?.as_mut()
    }
}

/// The id stored in `slot`, or `None` for an empty slot or [`NIL`].
pub(super) fn id_in<T>(slots: &[Option<Entry<T>>], slot: u16) -> Option<PacketId> {
    Some(slots.get(usize::from(slot))?.as_ref()?.id)
}

#[cfg(test)]
mod tests {
    extern crate alloc;

    use alloc::vec::Vec;

    use super::*;
    use crate::InsertErrorKind;

    fn id(value: u16) -> PacketId {
        PacketId::new(value).expect("test ids are non-zero")
    }

    #[test]
    fn freed_slots_are_reused_most_recent_first() {
        let mut window: Window<u16, 3> = Window::new();
        for value in [9, 1, 5] {
            window.insert_with_id(id(value), value).unwrap();
        }
        // Free the middle slot, then the first; the next entries take them
        // back, most recently freed first.
        window.remove(id(1)).unwrap();
        window.remove(id(9)).unwrap();
        assert_eq!(window.free_slot(), Some(0));
        window.insert_with_id(id(4), 4).unwrap();
        window.insert_with_id(id(8), 8).unwrap();
        assert_eq!(window.free_slot(), None);
        assert_eq!(window.insert_with_id(id(2), 2).unwrap_err().kind, InsertErrorKind::Full);
        // Storage order shows which slot each entry took.
        let stored: Vec<(u16, u16)> = window.iter_mut().map(|(id, v)| (id.get(), *v)).collect();
        assert_eq!(stored, [(4, 4), (8, 8), (5, 5)]);
        let order: Vec<u16> = window.iter().map(|(id, _)| id.get()).collect();
        assert_eq!(order, [5, 4, 8]);
    }

    #[test]
    fn unused_slots_are_taken_lowest_first_after_clear() {
        let mut window: Window<(), 4> = Window::new();
        assert_eq!(window.free_slot(), Some(0));
        window.insert(()).unwrap();
        window.insert(()).unwrap();
        assert_eq!(window.free_slot(), Some(2));
        window.remove(id(1)).unwrap();
        assert_eq!(window.free_slot(), Some(0));
        window.clear();
        assert_eq!(window.free_slot(), Some(0));
    }

    #[test]
    fn size_is_about_twelve_bytes_per_slot_plus_the_values() {
        assert!(size_of::<Window<(), 64>>() <= 64 * 12 + 32);
        assert!(size_of::<Window<u32, 64>>() <= 64 * (12 + 6) + 32);
    }
}
