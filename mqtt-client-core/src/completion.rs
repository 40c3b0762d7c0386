//! The result of a request that completes later (a publish's PUBACK or
//! PUBCOMP, a SUBACK), shared by whoever waits for it.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

/// A value set once, by the thread or task that handles the network, and read
/// by any number of waiters: blocking ones poll [`get`](Self::get) under their
/// own condition variable; async ones [`poll`](Self::poll) it with their
/// waker.
///
/// Dropping a waiter changes nothing: the value is still set and kept for the
/// next one (this is what makes the async tokens cancel-safe).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use mqtt_client_core::Completion;
///
/// let done = Arc::new(Completion::new());
/// assert_eq!(done.get(), None);
/// assert!(done.set(7));
/// assert!(!done.set(8)); // set once
/// assert_eq!(done.get(), Some(7));
/// ```
pub struct Completion<T> {
    slot: Mutex<Slot<T>>,
}

struct Slot<T> {
    value: Option<T>,
    wakers: Vec<Waker>,
}

impl<T: Clone> Completion<T> {
    /// Not completed yet.
    #[must_use]
    pub fn new() -> Self {
        Self { slot: Mutex::new(Slot { value: None, wakers: Vec::new() }) }
    }

    /// Completed with `value` already.
    #[must_use]
    pub fn done(value: T) -> Self {
        Self { slot: Mutex::new(Slot { value: Some(value), wakers: Vec::new() }) }
    }

    /// Sets the value and wakes the async waiters; false (and no change) when
    /// it was set already.
    pub fn set(&self, value: T) -> bool {
        let wakers = {
            let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
            if slot.value.is_some() {
                return false;
            }
            slot.value = Some(value);
            core::mem::take(&mut slot.wakers)
        };
        for w in wakers {
            w.wake();
        }
        true
    }

    /// The value, once set.
    #[must_use]
    pub fn get(&self) -> Option<T> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner).value.clone()
    }

    /// Whether the value is set.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner).value.is_some()
    }

    /// The value, or `Pending` after registering `cx`'s waker to be woken when
    /// it is set.
    pub fn poll(&self, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(v) = &slot.value {
            return Poll::Ready(v.clone());
        }
        if !slot.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            slot.wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl<T: Clone> Default for Completion<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for Completion<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Completion").field("value", &slot.value).finish_non_exhaustive()
    }
}
