//! The client's session state (MQTT 4.1): what outlives one network connection.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use core::ops::{Deref, DerefMut};

use bytes::Bytes;
use mqtt_session::{Exchange, IncomingQos2, Outgoing, PacketId};

use super::MAX_OUTGOING;
use crate::Publish;

/// A set of packet ids, allocated on first use (8 KiB).
#[derive(Clone, Default)]
pub(crate) struct IdSet(Option<Box<[u64]>>);

impl IdSet {
    fn split(id: PacketId) -> (usize, u64) {
        let v = usize::from(id.get());
        (v / 64, 1 << (v % 64))
    }

    pub(crate) fn insert(&mut self, id: PacketId) {
        let words = self.0.get_or_insert_with(|| vec![0u64; 1024].into_boxed_slice());
        let (w, b) = Self::split(id);
        words[w] |= b;
    }

    pub(crate) fn remove(&mut self, id: PacketId) {
        if let Some(words) = &mut self.0 {
            let (w, b) = Self::split(id);
            words[w] &= !b;
        }
    }

    pub(crate) fn contains(&self, id: PacketId) -> bool {
        self.0.as_ref().is_some_and(|words| {
            let (w, b) = Self::split(id);
            words[w] & b != 0
        })
    }
}

/// The outgoing window, allocated on the first change that needs it.
///
/// A session's windows take about 30 KiB (the outgoing window with its index,
/// and the incoming QoS 2 ids). A client that never sends a QoS 1 or 2
/// message, a SUBSCRIBE or an UNSUBSCRIBE holds none of that: reads of an
/// unallocated window see a shared empty one. That matters to a process with
/// thousands of mostly idle connections.
pub(crate) struct LazyOutgoing {
    window: Option<Box<Outgoing<u32, MAX_OUTGOING>>>,
    /// The cap of the window, kept until it is allocated.
    max_inflight: usize,
}

/// What an unallocated outgoing window reads as.
static EMPTY_OUTGOING: Outgoing<u32, MAX_OUTGOING> = Outgoing::new();

impl LazyOutgoing {
    const fn new() -> Self {
        Self { window: None, max_inflight: MAX_OUTGOING }
    }

    /// Sets the window's cap without allocating it.
    pub(crate) fn set_max_inflight(&mut self, max: usize) {
        self.max_inflight = max;
        if let Some(window) = &mut self.window {
            window.set_max_inflight(max);
        }
    }

    /// Forgets `id`; nothing to do in a window never allocated.
    pub(crate) fn cancel(&mut self, id: PacketId) {
        if let Some(window) = &mut self.window {
            window.cancel(id);
        }
    }
}

impl Deref for LazyOutgoing {
    type Target = Outgoing<u32, MAX_OUTGOING>;

    fn deref(&self) -> &Self::Target {
        self.window.as_deref().unwrap_or(&EMPTY_OUTGOING)
    }
}

impl DerefMut for LazyOutgoing {
    fn deref_mut(&mut self) -> &mut Self::Target {
        let max_inflight = self.max_inflight;
        self.window.get_or_insert_with(|| {
            let mut window = Box::new(Outgoing::new());
            window.set_max_inflight(max_inflight);
            window
        })
    }
}

/// The ids of incoming QoS 2 messages awaiting PUBREL (8 KiB), allocated on
/// the first QoS 2 message; see [`LazyOutgoing`].
#[derive(Default)]
pub(crate) struct LazyIncoming(Option<Box<IncomingQos2>>);

/// What an unallocated set reads as.
static EMPTY_INCOMING: IncomingQos2 = IncomingQos2::new();

impl LazyIncoming {
    /// Forgets every id, and the memory.
    pub(crate) fn clear(&mut self) {
        self.0 = None;
    }

    /// Releases `id`; false when it was not held.
    pub(crate) fn release(&mut self, id: PacketId) -> bool {
        self.0.as_mut().is_some_and(|set| set.release(id))
    }
}

impl Deref for LazyIncoming {
    type Target = IncomingQos2;

    fn deref(&self) -> &IncomingQos2 {
        self.0.as_deref().unwrap_or(&EMPTY_INCOMING)
    }
}

impl DerefMut for LazyIncoming {
    fn deref_mut(&mut self) -> &mut IncomingQos2 {
        self.0.get_or_insert_with(|| Box::new(IncomingQos2::new()))
    }
}

/// Messages of the outgoing exchanges, in a slab whose slots are reused, so that
/// publishing in steady state allocates nothing.
#[derive(Clone, Default)]
pub(crate) struct Store {
    slots: Vec<Option<Publish<Bytes>>>,
    free: Vec<u32>,
}

impl Store {
    pub(crate) fn insert(&mut self, publish: Publish<Bytes>) -> u32 {
        if let Some(i) = self.free.pop() {
            self.slots[i as usize] = Some(publish);
            i
        } else {
            self.slots.push(Some(publish));
            // The slab never holds more entries than the session's id space.
            (self.slots.len() - 1) as u32
        }
    }

    pub(crate) fn get_mut(&mut self, slot: u32) -> Option<&mut Publish<Bytes>> {
        self.slots.get_mut(slot as usize).and_then(Option::as_mut)
    }

    pub(crate) fn get(&self, slot: u32) -> Option<&Publish<Bytes>> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    pub(crate) fn remove(&mut self, slot: u32) -> Option<Publish<Bytes>> {
        let taken = self.slots.get_mut(slot as usize).and_then(Option::take);
        if taken.is_some() {
            self.free.push(slot);
        }
        taken
    }
}

/// The client side of an MQTT session: unacknowledged outgoing QoS 1 and 2
/// messages (with their packet ids), publishes queued for the window, and the ids
/// of incoming QoS 2 messages awaiting PUBREL.
///
/// Take it out of a closed connection with
/// [`Connection::into_session`](crate::Connection::into_session) and give it to
/// [`Connection::resume`](crate::Connection::resume) to continue on a new network
/// connection: unacknowledged messages are resent with the same ids, in order.
pub struct Session {
    pub(crate) outgoing: LazyOutgoing,
    pub(crate) store: Store,
    /// Publishes with ids, waiting for room in the window, oldest first.
    pub(crate) queue: VecDeque<Publish<Bytes>>,
    pub(crate) queued_ids: IdSet,
    pub(crate) incoming: LazyIncoming,
    /// Whether a server may hold state for this session.
    pub(crate) established: bool,
}

impl Session {
    /// An empty session.
    #[must_use]
    pub fn new() -> Self {
        Self {
            outgoing: LazyOutgoing::new(),
            store: Store::default(),
            queue: VecDeque::new(),
            queued_ids: IdSet::default(),
            incoming: LazyIncoming::default(),
            established: false,
        }
    }

    /// QoS 1 and 2 publishes sent (or to be resent) and not yet completed.
    #[must_use]
    pub fn inflight(&self) -> usize {
        self.outgoing.publishes_in_flight()
    }

    /// Publishes waiting for room in the window.
    #[must_use]
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Ids of the publishes not yet completed, in the order they were published
    /// (in flight first, then queued).
    pub fn pending_ids(&self) -> impl Iterator<Item = PacketId> + '_ {
        self.outgoing
            .iter()
            .filter(|(_, e)| e.is_publish())
            .map(|(id, _)| id)
            .chain(self.queue.iter().filter_map(|p| p.qos.packet_id()))
    }

    /// Whether nothing is pending in either direction.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.outgoing.is_empty() && self.queue.is_empty() && self.incoming.is_empty()
    }

    /// Drops SUBSCRIBE and UNSUBSCRIBE exchanges: they are not resent on a new
    /// connection (MQTT-4.4.0-1 resends only PUBLISH and PUBREL).
    pub(crate) fn end_subscriptions(&mut self) {
        let stale: Vec<PacketId> = self
            .outgoing
            .iter()
            .filter(|(_, e)| matches!(e, Exchange::AwaitingSubAck | Exchange::AwaitingUnsubAck))
            .map(|(id, _)| id)
            .collect();
        for id in stale {
            self.outgoing.cancel(id);
        }
    }

    /// A free id for a queued publish: not in the window, not queued.
    pub(crate) fn allocate_queued_id(&mut self) -> Option<PacketId> {
        let mut id = self.outgoing.next_id();
        for _ in 0..u16::MAX {
            if !self.outgoing.contains(id) && !self.queued_ids.contains(id) {
                self.outgoing.set_next_id(id.next());
                self.queued_ids.insert(id);
                return Some(id);
            }
            id = id.next();
        }
        None
    }

    /// Moves the allocation cursor to an id that neither an exchange nor a
    /// queued publish uses, so that the next `start_subscribe` or
    /// `start_unsubscribe` does not take the id of a queued publish, which is in
    /// use from the moment `publish` returned it (MQTT-2.2.1-3).
    pub(crate) fn skip_queued_ids(&mut self) {
        if self.queue.is_empty() {
            return;
        }
        let mut id = self.outgoing.next_id();
        for _ in 0..u16::MAX {
            if !self.outgoing.contains(id) && !self.queued_ids.contains(id) {
                self.outgoing.set_next_id(id);
                return;
            }
            id = id.next();
        }
    }
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("inflight", &self.inflight())
            .field("queued", &self.queued())
            .field("incoming_qos2", &self.incoming.len())
            .field("established", &self.established)
            .finish()
    }
}
