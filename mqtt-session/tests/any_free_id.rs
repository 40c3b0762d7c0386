//! The property a client's publish queue relies on: whatever ids are in use,
//! any other id can be stored in a [`Window`] whenever `len() < cap()`, so ids
//! can be handed out to queued messages first and stored later, in any order.
//! And lookups stay right through long histories of inserts and removals.

extern crate alloc;

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};

use mqtt_session::{InsertError, InsertErrorKind, PacketId, Window};
use proptest::prelude::*;

fn pid(value: u16) -> PacketId {
    PacketId::new(value).expect("test ids are non-zero")
}

/// Ids clustered at the start, at the wrap, and `N` apart, or anywhere.
fn any_id() -> impl Strategy<Value = u16> {
    prop_oneof![1..=200_u16, 0xFF00..=0xFFFF_u16, (1..=0x3FF_u16).prop_map(|k| k * 64), 1..=0xFFFF_u16]
}

/// A deterministic pseudo-random sequence (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn id(&mut self) -> u16 {
        (self.next() % 0xFFFF) as u16 + 1
    }
}

/// Checks every one of the 65535 ids against `model`.
fn assert_matches<const N: usize>(window: &Window<u32, N>, model: &BTreeMap<u16, u32>) {
    assert_eq!(window.len(), model.len());
    for value in 1..=0xFFFF_u16 {
        assert_eq!(window.get(pid(value)), model.get(&value), "id {value}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any set of distinct ids, in any order, fits up to the cap; past it,
    /// every id is refused as `Full` and nothing changes.
    #[test]
    fn any_ids_fit_up_to_the_cap(
        ids in prop::collection::vec(any_id(), 0..=80),
        cap in 1..=64_usize,
    ) {
        let distinct: Vec<u16> = {
            let mut seen = BTreeSet::new();
            ids.into_iter().filter(|id| seen.insert(*id)).collect()
        };
        let mut window: Window<u32, 64> = Window::new();
        window.set_cap(cap);
        for (n, &id) in distinct.iter().enumerate() {
            let value = u32::from(id);
            let got = window.insert_with_id(pid(id), value);
            if n < cap {
                prop_assert_eq!(got, Ok(()));
            } else {
                prop_assert_eq!(got, Err(InsertError { id: pid(id), kind: InsertErrorKind::Full, value }));
            }
        }
        let stored = &distinct[..distinct.len().min(cap)];
        let order: Vec<u16> = window.iter().map(|(id, _)| id.get()).collect();
        prop_assert_eq!(&order[..], stored);
        for &id in &distinct {
            let expected = u32::from(id);
            prop_assert_eq!(window.get(pid(id)), stored.contains(&id).then_some(&expected));
        }
    }

    /// A client assigns ids to publishes as they are queued, before the
    /// window has room, then moves them into the window oldest-first as
    /// acknowledgements (in any order) free room. Moving in never fails.
    #[test]
    fn queued_ids_always_move_into_the_window(
        steps in prop::collection::vec((0..3_u8, any::<prop::sample::Index>()), 1..400),
        cap in 1..=8_usize,
        start in any_id(),
    ) {
        let mut window: Window<u32, 8> = Window::new();
        window.set_cap(cap);
        let mut queue: VecDeque<u16> = VecDeque::new();
        let mut next = start;
        for (kind, pick) in steps {
            match kind {
                // Publish: hand out the next id that is neither in flight nor
                // queued. The queue is bounded by the id space only.
                0 => {
                    while window.contains(pid(next)) || queue.contains(&next) {
                        next = if next == u16::MAX { 1 } else { next + 1 };
                    }
                    queue.push_back(next);
                    next = if next == u16::MAX { 1 } else { next + 1 };
                }
                // An acknowledgement for any id in flight.
                1 if !window.is_empty() => {
                    let (id, value) = window.iter().nth(pick.index(window.len())).map(|(id, v)| (id, *v)).unwrap();
                    prop_assert_eq!(window.remove(id), Some(value));
                }
                _ => {}
            }
            while !window.is_full() {
                let Some(id) = queue.pop_front() else { break };
                prop_assert_eq!(window.insert_with_id(pid(id), u32::from(id)), Ok(()));
            }
            for (id, value) in window.iter() {
                prop_assert_eq!(u32::from(id.get()), *value);
            }
        }
    }
}

/// Inserts (allocated and chosen), removals and lookups, hundreds of
/// thousands of them, with the allocation cursor wrapping past 65535 several
/// times: every lookup agrees with a `BTreeMap`.
#[test]
fn heavy_churn_keeps_lookups_right() {
    let mut rng = Rng(0x5EED);
    let mut window: Window<u32, 256> = Window::new();
    let mut model: BTreeMap<u16, u32> = BTreeMap::new();
    let mut wraps = 0;
    for round in 0..600_000_u32 {
        // Alternate between phases that fill the window up and drain it.
        let filling = round / 5_000 % 2 == 0;
        let op = match rng.below(20) {
            roll if filling => roll,
            roll => [0, 0, 0, 0, 0, 4, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 9, 9, 9][roll],
        };
        match op {
            // Allocate.
            0..=3 | 10..=12 => {
                let cursor = window.next_id();
                match window.insert(round) {
                    Ok(id) => {
                        assert_eq!(model.insert(id.get(), round), None, "a new id is not in use");
                        // The cursor moved backwards: it wrapped past 65535.
                        if window.next_id() <= cursor {
                            wraps += 1;
                        }
                    }
                    Err(_) => assert_eq!(model.len(), 256),
                }
            }
            // Store under a chosen id, often near ids in use.
            4 | 5 | 13 => {
                let id = match model.keys().nth(rng.below(model.len().max(1))) {
                    Some(&used) if rng.below(2) == 0 => used.wrapping_add(256 * rng.below(4) as u16).max(1),
                    _ => rng.id(),
                };
                let got = window.insert_with_id(pid(id), round);
                if model.contains_key(&id) {
                    assert_eq!(got.unwrap_err().kind, InsertErrorKind::IdInUse);
                } else if model.len() >= 256 {
                    assert_eq!(got.unwrap_err().kind, InsertErrorKind::Full);
                } else {
                    assert_eq!(got, Ok(()));
                    model.insert(id, round);
                }
            }
            // Remove one in use, or look for any.
            6..=8 | 14..=16 => {
                let id = match model.keys().nth(rng.below(model.len().max(1))) {
                    Some(&used) if rng.below(4) != 0 => used,
                    _ => rng.id(),
                };
                assert_eq!(window.remove(pid(id)), model.remove(&id));
            }
            _ => {
                let id = rng.id();
                assert_eq!(window.get(pid(id)), model.get(&id));
            }
        }
        if round % 50_000 == 0 {
            assert_matches(&window, &model);
        }
    }
    assert_matches(&window, &model);
    assert!(wraps >= 2, "the cursor wrapped {wraps} times, at {:?}", window.next_id());
}

/// The largest window holds every id at once, stored in a scrambled order,
/// and refills after removals.
#[test]
fn a_full_window_of_65535_works() {
    // About 800 KiB: on the heap, built on a thread with room to spare for
    // the unoptimized build's temporaries.
    let worker = std::thread::Builder::new().stack_size(32 << 20).spawn(|| {
        let mut window: Box<Window<u32, 0xFFFF>> = Box::new(Window::new());
        // `k * 40503 mod 2^16` visits every u16 once (40503 is odd).
        let scrambled = (1..=0xFFFF_u32).map(|k| (k * 40503 % 0x1_0000) as u16);
        for (n, id) in scrambled.clone().enumerate() {
            assert_eq!(window.insert_with_id(pid(id), u32::from(id)), Ok(()), "after {n} ids");
        }
        assert!(window.is_full());
        assert!(window.iter().map(|(id, _)| id.get()).eq(scrambled));
        for value in 1..=0xFFFF_u16 {
            assert_eq!(window.get(pid(value)), Some(&u32::from(value)));
        }
        assert_eq!(window.insert_with_id(pid(7), 0).unwrap_err().kind, InsertErrorKind::IdInUse);
        assert!(window.insert(0).is_err());

        // Free every even id; allocation from 1 refills exactly those.
        for value in (2..=0xFFFE_u16).step_by(2) {
            assert_eq!(window.remove(pid(value)), Some(u32::from(value)));
        }
        assert_eq!(window.len(), 0x8000);
        for value in (2..=0xFFFE_u16).step_by(2) {
            assert_eq!(window.insert(u32::from(value)), Ok(pid(value)));
        }
        assert!(window.is_full());
        for value in 1..=0xFFFF_u16 {
            assert_eq!(window.get(pid(value)), Some(&u32::from(value)));
        }
        window.clear();
        assert!(window.is_empty());
        assert!((1..=0xFFFF_u16).all(|value| !window.contains(pid(value))));
    });
    worker.expect("spawn a test thread").join().expect("the test thread passes");
}
