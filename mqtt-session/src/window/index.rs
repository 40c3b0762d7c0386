//! The hash index of a [`Window`](super::Window): from packet id to slot.
//!
//! Open addressing with linear probing over a table of `2 * N` positions, each
//! holding a slot index or [`NIL`]. A window holds at most `N` entries, so the
//! table is never more than half full: a probe sequence always ends at an
//! empty position, and a lookup reads about 1.5 positions on average for an id
//! in use and 2.5 for an id not in use (Knuth's estimates for linear probing
//! at load 1/2). A clustered set of ids can make one lookup read up to `N + 1`
//! positions; no set of ids makes an insert fail.
//!
//! The home position of an id comes from Fibonacci hashing: the id times
//! 2^32 / φ, whose high bits, scaled to the table size, spread consecutive ids
//! evenly over the table.
//!
//! Removal shifts the following entries of the probe run back into the hole
//! (backward-shift deletion) instead of leaving a tombstone, so the table after
//! any history of inserts and removals is laid out as if the remaining ids had
//! been inserted afresh, and churn never lengthens lookups.

use super::NIL;
use crate::PacketId;

/// 2^32 / φ, rounded to an odd number: the multiplier of Fibonacci hashing.
const GOLDEN: u32 = 0x9E37_79B9;

/// Where a lookup in an [`IdIndex`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Probe {
    /// The id is stored in `slot`, and the index holds it at `pos`.
    Hit { pos: usize, slot: u16 },
    /// The id is not stored; `pos` is the empty position where inserting it
    /// puts it.
    Miss { pos: usize },
}

/// A map from packet id to slot index for up to `N` entries.
///
/// The index stores only slot indices; the id of a slot is read back through
/// the `id_of` function each method takes, which keeps the table at 2 bytes
/// per position.
#[derive(Clone)]
pub(super) struct IdIndex<const N: usize> {
    /// `2 * N` positions, each a slot index or [`NIL`], stored as `N` pairs:
    /// `2 * N` cannot be an array length on stable Rust, but `N` pairs can.
    table: [[u16; 2]; N],
}

impl<const N: usize> IdIndex<N> {
    /// The number of positions: twice the number of entries it can hold.
    const SIZE: usize = 2 * N;

    /// An index with every position empty.
    pub(super) const fn new() -> Self {
        Self { table: [[NIL; 2]; N] }
    }

    /// Looks `id` up; `id_of` gives the id stored in a slot.
    pub(super) fn find(&self, id: PacketId, id_of: impl Fn(u16) -> Option<PacketId>) -> Probe {
        let home = Self::home(id);
        let mut pos = home;
        // At most `N` of the `2 * N` positions are taken, so the loop meets an
        // empty position before it runs out.
        for _ in 0..Self::SIZE {
            let slot = self.at(pos);
            if slot == NIL {
                return Probe::Miss { pos };
            }
            if id_of(slot) == Some(id) {
                return Probe::Hit { pos, slot };
            }
            pos = Self::step(pos);
        }
        Probe::Miss { pos: home }
    }

    /// Stores `slot` at `pos`, the empty position of a [`Probe::Miss`] for its
    /// id.
    pub(super) fn occupy(&mut self, pos: usize, slot: u16) {
        self.set(pos, slot);
    }

    /// Empties `pos`, the position of a [`Probe::Hit`], and moves later
    /// entries of the same probe run back so that every remaining id is still
    /// found; `id_of` gives the id stored in a slot.
    pub(super) fn vacate(&mut self, pos: usize, id_of: impl Fn(u16) -> Option<PacketId>) {
        let mut hole = pos;
        let mut pos = pos;
        for _ in 0..Self::SIZE {
            pos = Self::step(pos);
            let slot = self.at(pos);
            if slot == NIL {
                break;
            }
            let Some(id) = id_of(slot) else {
                break;
            };
            // The entry may fill the hole unless its home lies after the
            // hole, between the hole and its position.
            if Self::distance(Self::home(id), pos) >= Self::distance(hole, pos) {
                self.set(hole, slot);
                hole = pos;
            }
        }
        self.set(hole, NIL);
    }

    /// Empties every position. O(`N`).
    pub(super) fn clear(&mut self) {
        self.table = [[NIL; 2]; N];
    }

    /// The position where the probe sequence of `id` starts: Fibonacci
    /// hashing, scaled to `0..SIZE` by taking the high half of a 64-bit
    /// product.
    fn home(id: PacketId) -> usize {
        let hash = u32::from(id.get()).wrapping_mul(GOLDEN);
        // `SIZE < 2^17`, so the product fits in 64 bits and the result is
        // below `SIZE`.
        ((u64::from(hash) * Self::SIZE as u64) >> 32) as usize
    }

    /// The position after `pos`, wrapping at the end of the table.
    fn step(pos: usize) -> usize {
        if pos + 1 >= Self::SIZE { 0 } else { pos + 1 }
    }

    /// How many steps lead from `from` to `to`, wrapping.
    fn distance(from: usize, to: usize) -> usize {
        if to >= from { to - from } else { to + Self::SIZE - from }
    }

    fn at(&self, pos: usize) -> u16 {
        self.table.as_flattened().get(pos).copied().unwrap_or(NIL)
    }

    fn set(&mut self, pos: usize, slot: u16) {
        if let Some(cell) = self.table.as_flattened_mut().get_mut(pos) {
            *cell = slot;
        }
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

    /// An index over ids stored in `slots`: slot `i` holds `slots[i]`.
    struct Fixture<const N: usize> {
        index: IdIndex<N>,
        slots: Vec<Option<PacketId>>,
    }

    impl<const N: usize> Fixture<N> {
        fn new() -> Self {
            Self { index: IdIndex::new(), slots: Vec::new() }
        }

        fn find(&self, value: u16) -> Probe {
            let slots = &self.slots;
            self.index.find(id(value), |slot| slots.get(usize::from(slot)).copied().flatten())
        }

        fn insert(&mut self, value: u16) {
            let Probe::Miss { pos } = self.find(value) else { panic!("{value} is stored already") };
            let slot = u16::try_from(self.slots.len()).unwrap();
            self.slots.push(Some(id(value)));
            self.index.occupy(pos, slot);
        }

        fn remove(&mut self, value: u16) {
            let Probe::Hit { pos, slot } = self.find(value) else { panic!("{value} is not stored") };
            let slots = &self.slots;
            self.index.vacate(pos, |slot| slots.get(usize::from(slot)).copied().flatten());
            self.slots[usize::from(slot)] = None;
        }

        fn assert_holds(&self, values: &[u16]) {
            for value in 1..=0xFFFF_u16 {
                let hit = matches!(self.find(value), Probe::Hit { .. });
                assert_eq!(hit, values.contains(&value), "id {value}");
            }
        }
    }

    /// Ids whose home is `home` in a table of `2 * N` positions.
    fn ids_at<const N: usize>(home: usize, count: usize) -> Vec<u16> {
        (1..=0xFFFF_u16).filter(|&value| IdIndex::<N>::home(id(value)) == home).take(count).collect()
    }

    #[test]
    fn homes_spread_consecutive_ids_over_the_table() {
        // Ids 1..=N take N distinct homes out of 2N: no two collide.
        let mut homes: Vec<usize> = (1..=64_u16).map(|value| IdIndex::<64>::home(id(value))).collect();
        homes.sort_unstable();
        homes.dedup();
        assert_eq!(homes.len(), 64);
        assert!(homes.iter().all(|&home| home < 128));
        assert!((1..=0xFFFF_u16).all(|value| IdIndex::<0xFFFF>::home(id(value)) < 2 * 0xFFFF));
    }

    #[test]
    fn colliding_ids_are_all_found_and_removal_shifts_the_run_back() {
        let mut fixture = Fixture::<8>::new();
        let run = ids_at::<8>(3, 4);
        for &value in &run {
            fixture.insert(value);
        }
        fixture.assert_holds(&run);
        // Removing from the front, middle and back of the run keeps the rest.
        fixture.remove(run[0]);
        fixture.assert_holds(&run[1..]);
        fixture.remove(run[2]);
        fixture.assert_holds(&[run[1], run[3]]);
        fixture.remove(run[3]);
        fixture.assert_holds(&[run[1]]);
        // Backward shift moved the survivor home: nothing else is occupied.
        let occupied = fixture.index.table.as_flattened().iter().filter(|&&slot| slot != NIL).count();
        assert_eq!(occupied, 1);
        assert!(matches!(fixture.find(run[1]), Probe::Hit { pos: 3, .. }));
    }

    #[test]
    fn probe_runs_wrap_past_the_end_of_the_table() {
        let mut fixture = Fixture::<4>::new();
        // Three ids at the last position (7) and one at position 0.
        let mut stored = ids_at::<4>(7, 3);
        stored.extend(ids_at::<4>(0, 1));
        for &value in &stored {
            fixture.insert(value);
        }
        fixture.assert_holds(&stored);
        // Removing the id at position 7 pulls the wrapped ones back across
        // the end of the table, including past the entry whose home is 0.
        fixture.remove(stored[0]);
        fixture.assert_holds(&stored[1..]);
        assert!(matches!(fixture.find(stored[1]), Probe::Hit { pos: 7, .. }));
        fixture.remove(stored[3]);
        fixture.assert_holds(&stored[1..3]);
    }

    #[test]
    fn a_miss_names_where_the_id_goes() {
        let mut fixture = Fixture::<2>::new();
        let pair = ids_at::<2>(1, 2);
        assert_eq!(fixture.find(pair[0]), Probe::Miss { pos: 1 });
        fixture.insert(pair[0]);
        assert_eq!(fixture.find(pair[1]), Probe::Miss { pos: 2 });
        fixture.insert(pair[1]);
        assert_eq!(fixture.find(pair[1]), Probe::Hit { pos: 2, slot: 1 });
        fixture.index.clear();
        assert_eq!(fixture.find(pair[1]), Probe::Miss { pos: 1 });
    }
}
