//! The unbounded queue behind [`Events`](crate::Events) and
//! [`Messages`](crate::Messages): one producer side (the driver, under the
//! client's lock already), one consumer, and no memory held while empty
//! beyond a few slots, so that thousands of idle clients cost little.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

/// Items in order, a waker for the consumer, and whether either side is gone.
#[derive(Debug)]
pub(crate) struct Queue<T> {
    state: Mutex<State<T>>,
}

#[derive(Debug)]
struct State<T> {
    items: VecDeque<T>,
    waker: Option<Waker>,
    /// No more items will come: the consumer gets `None` after the last one.
    closed: bool,
    /// The consumer is gone: items are dropped instead of queued.
    abandoned: bool,
}

impl<T> State<T> {
    /// An empty queue holds no memory: with thousands of mostly idle clients,
    /// a few slots each add up (an event is a few hundred bytes), while an
    /// allocation per burst costs little next to a network read.
    fn release_if_empty(&mut self) {
        if self.items.is_empty() && self.items.capacity() > 0 {
            self.items = VecDeque::new();
        }
    }
}

impl<T> Queue<T> {
    pub(crate) fn new() -> Self {
        Self { state: Mutex::new(State { items: VecDeque::new(), waker: None, closed: false, abandoned: false }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `item` and wakes the consumer; `Err(item)` when the consumer is
    /// gone or the queue closed.
    pub(crate) fn push(&self, item: T) -> Result<(), T> {
        let waker = {
            let mut state = self.lock();
            if state.abandoned || state.closed {
                return Err(item);
            }
            state.items.push_back(item);
            state.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// No more items: the consumer ends after what is queued.
    pub(crate) fn close(&self) {
        let waker = {
            let mut state = self.lock();
            state.closed = true;
            state.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Whether the consumer is gone.
    pub(crate) fn is_abandoned(&self) -> bool {
        self.lock().abandoned
    }

    /// The consumer is gone: drops what is queued and refuses more.
    pub(crate) fn abandon(&self) {
        let mut state = self.lock();
        state.abandoned = true;
        state.items = VecDeque::new();
    }

    /// The next item if there is one.
    pub(crate) fn try_pop(&self) -> Option<T> {
        let mut state = self.lock();
        let item = state.items.pop_front();
        state.release_if_empty();
        item
    }

    /// The next item; `None` once closed and empty; else registers `cx`.
    pub(crate) fn poll_pop(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut state = self.lock();
        if let Some(item) = state.items.pop_front() {
            state.release_if_empty();
            return Poll::Ready(Some(item));
        }
        if state.closed {
            return Poll::Ready(None);
        }
        match &state.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => state.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}
