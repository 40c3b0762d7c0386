//! Walking a [`Window`]: oldest-first by shared reference, and mutably either
//! oldest-first through a callback or in storage order through an iterator.

use core::fmt;
use core::iter::FusedIterator;

use super::{Entry, Window};
use crate::PacketId;

impl<T, const N: usize> Window<T, N> {
    /// The ids and values, mutably, in storage order, which is **not**
    /// oldest-first.
    ///
    /// A safe iterator handing out `&mut` references in list order would need
    /// `unsafe` or a buffer of `N` references; use
    /// [`for_each_mut`](Self::for_each_mut) to visit the entries mutably
    /// oldest-first.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let mut window: Window<u32, 4> = Window::new();
    /// window.insert(1).unwrap();
    /// window.insert(2).unwrap();
    /// for (_, value) in window.iter_mut() {
    ///     *value *= 10;
    /// }
    /// let values: Vec<_> = window.iter().map(|(_, v)| *v).collect();
    /// assert_eq!(values, [10, 20]);
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<'_, T> {
        IterMut { slots: self.slots.iter_mut(), remaining: self.len }
    }

    /// Calls `f` on every id and value, mutably, oldest-first.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Window;
    ///
    /// let mut window: Window<Vec<u16>, 4> = Window::new();
    /// let a = window.insert(Vec::new()).unwrap();
    /// let b = window.insert(Vec::new()).unwrap();
    /// let mut order = Vec::new();
    /// window.for_each_mut(|id, log| {
    ///     log.push(id.get());
    ///     order.push(id);
    /// });
    /// assert_eq!(order, [a, b]);
    /// ```
    pub fn for_each_mut(&mut self, mut f: impl FnMut(PacketId, &mut T)) {
        let mut cursor = self.head;
        let mut remaining = self.len;
        while remaining > 0 {
            let Some(entry) = self.slot_mut(cursor) else {
                break;
            };
            f(entry.id, &mut entry.value);
            cursor = entry.next;
            remaining -= 1;
        }
    }

    /// The ids and values, oldest-first (insertion order).
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{PacketId, Window};
    ///
    /// let mut window: Window<char, 4> = Window::new();
    /// window.insert_with_id(PacketId::new(3).unwrap(), 'a').unwrap();
    /// window.insert_with_id(PacketId::new(1).unwrap(), 'b').unwrap();
    /// let ids: Vec<u16> = window.iter().map(|(id, _)| id.get()).collect();
    /// assert_eq!(ids, [3, 1]);
    /// ```
    #[must_use]
    pub fn iter(&self) -> Iter<'_, T, N> {
        Iter { slots: &self.slots, front: self.head, back: self.tail, remaining: self.len }
    }
}

impl<'a, T, const N: usize> IntoIterator for &'a Window<T, N> {
    type Item = (PacketId, &'a T);
    type IntoIter = Iter<'a, T, N>;

    fn into_iter(self) -> Iter<'a, T, N> {
        self.iter()
    }
}

impl<'a, T, const N: usize> IntoIterator for &'a mut Window<T, N> {
    type Item = (PacketId, &'a mut T);
    type IntoIter = IterMut<'a, T>;

    fn into_iter(self) -> IterMut<'a, T> {
        self.iter_mut()
    }
}

/// Iterator over a [`Window`]'s ids and values, oldest-first; from
/// [`Window::iter`]. Double-ended: `.rev()` walks newest-first.
pub struct Iter<'a, T, const N: usize> {
    slots: &'a [Option<Entry<T>>; N],
    front: u16,
    back: u16,
    remaining: usize,
}

impl<'a, T, const N: usize> Iterator for Iter<'a, T, N> {
    type Item = (PacketId, &'a T);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let entry = self.slots.get(usize::from(self.front))?.as_ref()?;
        self.front = entry.next;
        self.remaining -= 1;
        Some((entry.id, &entry.value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T, const N: usize> DoubleEndedIterator for Iter<'_, T, N> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let entry = self.slots.get(usize::from(self.back))?.as_ref()?;
        self.back = entry.prev;
        self.remaining -= 1;
        Some((entry.id, &entry.value))
    }
}

impl<T, const N: usize> ExactSizeIterator for Iter<'_, T, N> {}

impl<T, const N: usize> FusedIterator for Iter<'_, T, N> {}

impl<T, const N: usize> Clone for Iter<'_, T, N> {
    fn clone(&self) -> Self {
        Self { slots: self.slots, front: self.front, back: self.back, remaining: self.remaining }
    }
}

impl<T, const N: usize> fmt::Debug for Iter<'_, T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").field("remaining", &self.remaining).finish_non_exhaustive()
    }
}

/// Iterator over a [`Window`]'s ids and mutable values in storage order (not
/// oldest-first); from [`Window::iter_mut`].
pub struct IterMut<'a, T> {
    slots: core::slice::IterMut<'a, Option<Entry<T>>>,
    remaining: usize,
}

impl<'a, T> Iterator for IterMut<'a, T> {
    type Item = (PacketId, &'a mut T);

    fn next(&mut self) -> Option<Self::Item> {
        let entry = self.slots.by_ref().flatten().next()?;
        self.remaining = self.remaining.saturating_sub(1);
        Some((entry.id, &mut entry.value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T> DoubleEndedIterator for IterMut<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let entry = self.slots.by_ref().rev().flatten().next()?;
        self.remaining = self.remaining.saturating_sub(1);
        Some((entry.id, &mut entry.value))
    }
}

impl<T> ExactSizeIterator for IterMut<'_, T> {}

impl<T> FusedIterator for IterMut<'_, T> {}

impl<T> fmt::Debug for IterMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IterMut").field("remaining", &self.remaining).finish_non_exhaustive()
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

    #[test]
    fn iter_is_double_ended_and_exact() {
        let mut window: Window<u8, 4> = Window::new();
        for v in 0..4 {
            window.insert(v).unwrap();
        }
        let mut iter = window.iter();
        assert_eq!(iter.len(), 4);
        assert_eq!(iter.next().map(|(_, v)| *v), Some(0));
        assert_eq!(iter.next_back().map(|(_, v)| *v), Some(3));
        assert_eq!(iter.len(), 2);
        assert_eq!(iter.next().map(|(_, v)| *v), Some(1));
        assert_eq!(iter.next_back().map(|(_, v)| *v), Some(2));
        assert_eq!(iter.next(), None);
        assert_eq!(iter.next_back(), None);
        let rev: Vec<u8> = window.iter().rev().map(|(_, v)| *v).collect();
        assert_eq!(rev, [3, 2, 1, 0]);
    }

    #[test]
    fn iter_mut_visits_every_entry_once() {
        let mut window: Window<u32, 4> = Window::new();
        window.insert_with_id(id(4), 4).unwrap();
        window.insert_with_id(id(1), 1).unwrap();
        let iter = window.iter_mut();
        assert_eq!(iter.len(), 2);
        let mut seen: Vec<u16> = iter.map(|(id, _)| id.get()).collect();
        seen.sort_unstable();
        assert_eq!(seen, [1, 4]);
        let forth: Vec<u16> = window.iter_mut().map(|(id, _)| id.get()).collect();
        let mut back: Vec<u16> = window.iter_mut().rev().map(|(id, _)| id.get()).collect();
        back.reverse();
        assert_eq!(back, forth);
    }

    #[test]
    fn for_each_mut_walks_oldest_first() {
        let mut window: Window<u32, 4> = Window::new();
        window.insert_with_id(id(4), 0).unwrap();
        window.insert_with_id(id(1), 0).unwrap();
        window.insert_with_id(id(3), 0).unwrap();
        let mut order = Vec::new();
        let mut n = 0;
        window.for_each_mut(|id, value| {
            order.push(id.get());
            n += 1;
            *value = n;
        });
        assert_eq!(order, [4, 1, 3]);
        let values: Vec<u32> = window.iter().map(|(_, v)| *v).collect();
        assert_eq!(values, [1, 2, 3]);
    }
}
