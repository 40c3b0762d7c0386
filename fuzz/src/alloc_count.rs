//! A global allocator that measures the heap use of a closure on the current
//! thread: the bytes it allocated in total, and the peak of its live bytes.
//!
//! It forwards every call to the system allocator unchanged; measuring touches
//! only thread-local `Cell`s, so tests running on other threads (under
//! `cargo test`) neither disturb nor see the measurement.
//!
//! A global allocator is an `unsafe impl`: the workspace denies unsafe code,
//! this module allows it, and the libraries under test forbid it outright.

#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;
use std::alloc::System;

/// Heap use measured by [`measure`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Bytes requested by every allocation and reallocation (the new size).
    pub total: usize,
    /// The most bytes allocated during the closure and alive at once. A
    /// reallocation counts its old and new blocks as alive together, as a
    /// moving reallocation needs them.
    pub peak: usize,
}

thread_local! {
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
    /// Live bytes allocated since the measurement began; it goes below zero
    /// when the closure frees memory allocated before.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

/// Runs `f` and returns its result with the heap use it caused on this thread.
/// Measurements do not nest.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Usage) {
    TOTAL.set(0);
    LIVE.set(0);
    PEAK.set(0);
    ACTIVE.set(true);
    let result = f();
    ACTIVE.set(false);
    let peak = usize::try_from(PEAK.get()).unwrap_or(0);
    (result, Usage { total: TOTAL.get(), peak })
}

/// Records that `grow` bytes were allocated while `shrink` bytes are freed
/// (a reallocation does both; the peak sees the new block before the old one
/// goes).
fn record(grow: usize, shrink: usize) {
    // `try_with`: thread-locals may be gone while a thread exits, and the
    // allocator must not fail then.
    let _ = ACTIVE.try_with(|active| {
        if !active.get() {
            return;
        }
        let _ = TOTAL.try_with(|t| t.set(t.get().saturating_add(grow)));
        let _ = LIVE.try_with(|live| {
            let grown = live.get().saturating_add(isize::try_from(grow).unwrap_or(isize::MAX));
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(grown)));
            live.set(grown.saturating_sub(isize::try_from(shrink).unwrap_or(isize::MAX)));
        });
    });
}

/// Forwards to [`System`] and records sizes for [`measure`].
#[derive(Debug)]
pub struct Counting;

// SAFETY: every call is forwarded unchanged to `System`; recording touches only
// thread-local `Cell`s, which neither allocate nor unwind.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size(), 0);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size(), 0);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size, layout.size());
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record(0, layout.size());
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;
