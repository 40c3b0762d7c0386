//! Reserving a packet id in a [`Window`] before the value that goes with it
//! exists.

use core::fmt;

use super::{InsertErrorKind, Probe, Window};
use crate::PacketId;

impl<T, const N: usize> Window<T, N> {
    /// Reserves a newly allocated id without storing anything yet, so the value
    /// can be built knowing its id (for example a packet that carries it).
    ///
    /// The id is chosen as by [`insert`](Self::insert). Dropping the returned
    /// entry without inserting leaves the window unchanged.
    ///
    /// Returns `None` when `len() >= cap()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{PacketId, Window};
    ///
    /// let mut window: Window<(PacketId, &str), 4> = Window::new();
    /// let vacant = window.vacant_entry().unwrap();
    /// let id = vacant.id();
    /// vacant.insert((id, "knows its id"));
    /// assert_eq!(window.get(id).unwrap().0, id);
    /// ```
    pub fn vacant_entry(&mut self) -> Option<VacantEntry<'_, T, N>> {
        if self.is_full() {
            return None;
        }
        let (id, pos) = self.find_free_id()?;
        let slot = self.free_slot()?;
        Some(VacantEntry { window: self, id, slot, pos, allocated: true })
    }

    /// Reserves `id`, chosen by the caller, without storing anything yet.
    /// Any id not in use can be reserved while `len() < cap()`.
    ///
    /// # Errors
    ///
    /// The same kinds, in the same order, as
    /// [`insert_with_id`](Self::insert_with_id).
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{InsertErrorKind, PacketId, Window};
    ///
    /// let mut window: Window<u8, 2> = Window::new();
    /// let id = PacketId::new(2).unwrap();
    /// window.vacant_entry_at(id).unwrap().insert(9);
    /// assert_eq!(window.vacant_entry_at(id).unwrap_err(), InsertErrorKind::IdInUse);
    /// ```
    pub fn vacant_entry_at(&mut self, id: PacketId) -> Result<VacantEntry<'_, T, N>, InsertErrorKind> {
        let pos = match self.probe(id) {
            Probe::Hit { .. } => return Err(InsertErrorKind::IdInUse),
            Probe::Miss { pos } => pos,
        };
        if self.is_full() {
            return Err(InsertErrorKind::Full);
        }
        let slot = self.free_slot().ok_or(InsertErrorKind::Full)?;
        Ok(VacantEntry { window: self, id, slot, pos, allocated: false })
    }

    /// The first id from the cursor on that is not in use, with its place in
    /// the index, or `None` when all 65535 ids are in use.
    ///
    /// A run of consecutive ids in use is at most `len` long, so one of the
    /// first `len + 1` ids tried is free.
    fn find_free_id(&self) -> Option<(PacketId, usize)> {
        let mut id = self.next_id;
        for _ in 0..=self.len {
            match self.probe(id) {
                Probe::Miss { pos } => return Some((id, pos)),
                Probe::Hit { .. } => id = id.next(),
            }
        }
        None
    }
}

/// A reserved, still empty place in a [`Window`], from
/// [`Window::vacant_entry`] or [`Window::vacant_entry_at`].
///
/// It borrows the window, so nothing can take its id before
/// [`insert`](Self::insert). Dropping it leaves the window unchanged.
pub struct VacantEntry<'a, T, const N: usize> {
    window: &'a mut Window<T, N>,
    id: PacketId,
    /// The slot the entry will take: the top of the free stack when that is
    /// not empty, else the lowest unused slot.
    slot: u16,
    /// The empty position of the index where the id goes.
    pos: usize,
    /// Whether the id came from the allocator (so inserting moves the cursor).
    allocated: bool,
}

impl<'a, T, const N: usize> VacantEntry<'a, T, N> {
    /// The id the value will be stored under.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let mut window: Window<(), 4> = Window::new();
    /// assert_eq!(window.vacant_entry().unwrap().id().get(), 1);
    /// ```
    #[must_use]
    pub fn id(&self) -> PacketId {
        self.id
    }

    /// Stores `value` as the newest entry and returns a reference to it.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let mut window: Window<u8, 4> = Window::new();
    /// let vacant = window.vacant_entry().unwrap();
    /// *vacant.insert(1) += 1;
    /// assert_eq!(window.oldest().map(|(_, v)| *v), Some(2));
    /// ```
    pub fn insert(self, value: T) -> &'a mut T {
        let window = self.window;
        window.index.occupy(self.pos, self.slot);
        if self.allocated {
            window.next_id = self.id.next();
        }
        window.link_newest(self.slot, self.id, value)
    }
}

impl<T, const N: usize> fmt::Debug for VacantEntry<'_, T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VacantEntry").field("id", &self.id).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(value: u16) -> PacketId {
        PacketId::new(value).expect("test ids are non-zero")
    }

    #[test]
    fn dropping_a_vacant_entry_changes_nothing() {
        let mut window: Window<(), 4> = Window::new();
        {
            let vacant = window.vacant_entry().unwrap();
            assert_eq!(vacant.id(), id(1));
        }
        assert!(window.is_empty());
        assert_eq!(window.next_id(), id(1));
        assert!(window.vacant_entry_at(id(3)).is_ok());
        assert!(window.is_empty());
    }
}
