//! Outgoing exchanges: QoS 1 and QoS 2 PUBLISH, SUBSCRIBE and UNSUBSCRIBE,
//! each waiting for its acknowledgement under one packet identifier.

mod acks;
mod error;
mod exchange;
mod restore;

use crate::window::{Iter, Window};
use crate::{PacketId, QoS};

pub use error::{AckError, AckErrorKind, SessionError};
pub use exchange::{Exchange, ExchangeKind};

/// The outgoing exchanges of a session, sharing one packet-identifier space
/// of `N` slots.
///
/// Each QoS 1 or QoS 2 PUBLISH, SUBSCRIBE and UNSUBSCRIBE gets an id that no
/// unfinished exchange uses; the id becomes reusable only when the exchange
/// completes (MQTT-2.2.1-3). [`iter`](Self::iter) lists the exchanges in the
/// order they started, the order in which unacknowledged PUBLISH and PUBREL
/// packets are resent on reconnect (MQTT-4.4.0-1, MQTT-4.6.0-1).
///
/// Two limits apply:
///
/// - [`max_inflight`](Self::max_inflight) bounds the QoS 1 and QoS 2 PUBLISH
///   exchanges, including those awaiting PUBCOMP. Set it to the smaller of
///   the client's own limit and the broker's Receive Maximum (MQTT-3.3.4-7).
/// - SUBSCRIBE and UNSUBSCRIBE do not count against it, but every exchange
///   needs one of the `N` slots.
///
/// Methods group as: commands that start an exchange (`start_*`), inputs for
/// the acknowledgements that arrive (`puback`, `pubrec`, ...), restoring a
/// persisted session (`restore_*`), and getters.
///
/// # Examples
///
/// ```
/// use mqtt_session::{Outgoing, QoS};
///
/// let mut out: Outgoing<&str, 8> = Outgoing::new();
/// let a = out.start_publish(QoS::AtLeastOnce, "a").unwrap();
/// let s = out.start_subscribe().unwrap();
/// let b = out.start_publish(QoS::ExactlyOnce, "b").unwrap();
///
/// // Acknowledgements may arrive in any order.
/// out.suback(s).unwrap();
/// assert_eq!(out.pubrec(b), Ok("b"));
/// assert_eq!(out.publishes_in_flight(), 2);
///
/// // On reconnect: resend PUBLISH `a` (DUP set), then PUBREL `b`.
/// let resend: Vec<_> = out.iter().map(|(id, ex)| (id, ex.message().copied())).collect();
/// assert_eq!(resend, [(a, Some("a")), (b, None)]);
/// ```
#[derive(Clone, Debug)]
pub struct Outgoing<T, const N: usize> {
    window: Window<Exchange<T>, N>,
    /// How many exchanges are QoS 1 or QoS 2 PUBLISH exchanges.
    publishes: usize,
    max_inflight: usize,
}

impl<T, const N: usize> Outgoing<T, N> {
    /// No exchanges; `max_inflight` is `N`; the first id will be 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Outgoing;
    ///
    /// let out: Outgoing<(), 32> = Outgoing::new();
    /// assert!(out.is_empty());
    /// assert_eq!(out.max_inflight(), 32);
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self { window: Window::new(), publishes: 0, max_inflight: N }
    }

    /// Starts a QoS 1 or QoS 2 PUBLISH exchange for `msg` and returns its
    /// packet id. Send the PUBLISH with this id.
    ///
    /// # Errors
    ///
    /// Each hands `msg` back, checked in this order:
    /// - [`SessionError::QoS0`] for [`QoS::AtMostOnce`], which has no exchange
    ///   and no packet id (MQTT-2.2.1-2);
    /// - [`SessionError::InflightFull`] when `max_inflight` PUBLISH exchanges
    ///   are in flight (MQTT-3.3.4-7);
    /// - [`SessionError::NoFreeId`] when all `N` slots hold exchanges.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Outgoing, QoS, SessionError};
    ///
    /// let mut out: Outgoing<&str, 4> = Outgoing::new();
    /// out.set_max_inflight(1);
    /// let id = out.start_publish(QoS::AtLeastOnce, "a").unwrap();
    /// assert_eq!(id.get(), 1);
    /// assert_eq!(out.start_publish(QoS::AtLeastOnce, "b"), Err(SessionError::InflightFull("b")));
    /// assert_eq!(out.start_publish(QoS::AtMostOnce, "c"), Err(SessionError::QoS0("c")));
    /// ```
    pub fn start_publish(&mut self, qos: QoS, msg: T) -> Result<PacketId, SessionError<T>> {
        let awaiting: fn(T) -> Exchange<T> = match qos {
            QoS::AtMostOnce => return Err(SessionError::QoS0(msg)),
            QoS::AtLeastOnce => Exchange::AwaitingPubAck,
            QoS::ExactlyOnce => Exchange::AwaitingPubRec,
        };
        if self.publishes >= self.max_inflight {
            return Err(SessionError::InflightFull(msg));
        }
        let Some(vacant) = self.window.vacant_entry() else {
            return Err(SessionError::NoFreeId(msg));
        };
        let id = vacant.id();
        vacant.insert(awaiting(msg));
        self.publishes += 1;
        Ok(id)
    }

    /// Starts a SUBSCRIBE exchange and returns its packet id.
    ///
    /// SUBSCRIBE does not count against `max_inflight`.
    ///
    /// # Errors
    ///
    /// [`SessionError::NoFreeId`] when all `N` slots hold exchanges.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Outgoing, SessionError};
    ///
    /// let mut out: Outgoing<(), 1> = Outgoing::new();
    /// let id = out.start_subscribe().unwrap();
    /// assert_eq!(out.start_subscribe(), Err(SessionError::NoFreeId(())));
    /// out.suback(id).unwrap();
    /// ```
    pub fn start_subscribe(&mut self) -> Result<PacketId, SessionError<()>> {
        self.start_other(Exchange::AwaitingSubAck)
    }

    /// Starts an UNSUBSCRIBE exchange and returns its packet id.
    ///
    /// UNSUBSCRIBE does not count against `max_inflight`.
    ///
    /// # Errors
    ///
    /// [`SessionError::NoFreeId`] when all `N` slots hold exchanges.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Outgoing;
    ///
    /// let mut out: Outgoing<(), 4> = Outgoing::new();
    /// let id = out.start_unsubscribe().unwrap();
    /// out.unsuback(id).unwrap();
    /// assert!(out.is_empty());
    /// ```
    pub fn start_unsubscribe(&mut self) -> Result<PacketId, SessionError<()>> {
        self.start_other(Exchange::AwaitingUnsubAck)
    }

    /// Sets the limit on QoS 1 and QoS 2 PUBLISH exchanges in flight, clamped
    /// to `1..=N`: pass the smaller of the client's own limit and the broker's
    /// Receive Maximum.
    ///
    /// Lowering it below [`publishes_in_flight`](Self::publishes_in_flight)
    /// ends nothing: new publishes wait until enough complete.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Outgoing;
    ///
    /// let mut out: Outgoing<(), 16> = Outgoing::new();
    /// out.set_max_inflight(65535);
    /// assert_eq!(out.max_inflight(), 16);
    /// out.set_max_inflight(0);
    /// assert_eq!(out.max_inflight(), 1);
    /// ```
    pub fn set_max_inflight(&mut self, max: usize) {
        self.max_inflight = max.clamp(1, N);
    }

    /// Sets the id from which the next `start_*` looks for a free id, for
    /// example the persisted [`next_id`](Self::next_id) of a restored session.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Outgoing, PacketId};
    ///
    /// let mut out: Outgoing<(), 4> = Outgoing::new();
    /// out.set_next_id(PacketId::new(500).unwrap());
    /// assert_eq!(out.start_subscribe().unwrap().get(), 500);
    /// ```
    pub fn set_next_id(&mut self, id: PacketId) {
        self.window.set_next_id(id);
    }

    /// The message of the PUBLISH exchange under `id`, mutably, while it may
    /// still be resent (for example to set its DUP flag). `None` for other
    /// exchanges and after PUBREC.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Outgoing, QoS};
    ///
    /// let mut out: Outgoing<(bool, &str), 4> = Outgoing::new();
    /// let id = out.start_publish(QoS::AtLeastOnce, (false, "m")).unwrap();
    /// out.message_mut(id).unwrap().0 = true;
    /// assert_eq!(out.puback(id), Ok((true, "m")));
    /// ```
    #[must_use]
    pub fn message_mut(&mut self, id: PacketId) -> Option<&mut T> {
        self.window.get_mut(id)?.message_mut()
    }

    /// Ends every exchange (a clean start). `max_inflight` and the allocation
    /// cursor are kept.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Outgoing, QoS};
    ///
    /// let mut out: Outgoing<(), 4> = Outgoing::new();
    /// out.start_publish(QoS::AtLeastOnce, ()).unwrap();
    /// out.clear();
    /// assert!(out.is_empty());
    /// assert_eq!(out.publishes_in_flight(), 0);
    /// ```
    pub fn clear(&mut self) {
        self.window.clear();
        self.publishes = 0;
    }

    /// The compile-time number of slots, `N`: the most exchanges of any kind.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Outgoing;
    ///
    /// assert_eq!(Outgoing::<(), 8>::new().capacity(), 8);
    /// ```
    #[must_use]
    pub const fn capacity(&self) -> usize {
        N
    }

    /// The limit on QoS 1 and QoS 2 PUBLISH exchanges in flight, in `1..=N`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Outgoing;
    ///
    /// let mut out: Outgoing<(), 8> = Outgoing::new();
    /// out.set_max_inflight(3);
    /// assert_eq!(out.max_inflight(), 3);
    /// ```
    #[must_use]
    pub const fn max_inflight(&self) -> usize {
        self.max_inflight
    }

    /// The number of exchanges of every kind.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Outgoing, QoS};
    ///
    /// let mut out: Outgoing<(), 8> = Outgoing::new();
    /// out.start_publish(QoS::AtLeastOnce, ()).unwrap();
    /// out.start_subscribe().unwrap();
    /// assert_eq!(out.len(), 2);
    /// ```
    #[must_use]
    pub const fn len(&self) -> usize {
        self.window.len()
    }

    /// Whether no exchange is in flight.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Outgoing;
    ///
    /// assert!(Outgoing::<(), 8>::new().is_empty());
    /// ```
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.window.is_empty()
    }

    /// The number of QoS 1 and QoS 2 PUBLISH exchanges in flight, including
    /// those awaiting PUBCOMP.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Outgoing, QoS};
    ///
    /// let mut out: Outgoing<(), 8> = Outgoing::new();
    /// let id = out.start_publish(QoS::ExactlyOnce, ()).unwrap();
    /// out.start_subscribe().unwrap();
    /// out.pubrec(id).unwrap();
    /// assert_eq!(out.publishes_in_flight(), 1);
    /// ```
    #[must_use]
    pub const fn publishes_in_flight(&self) -> usize {
        self.publishes
    }

    /// Whether [`start_publish`](Self::start_publish) with QoS 1 or 2 would
    /// succeed: fewer than `max_inflight` PUBLISH exchanges and a free slot.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Outgoing, QoS};
    ///
    /// let mut out: Outgoing<(), 8> = Outgoing::new();
    /// out.set_max_inflight(1);
    /// assert!(out.can_publish());
    /// let id = out.start_publish(QoS::AtLeastOnce, ()).unwrap();
    /// assert!(!out.can_publish());
    /// out.puback(id).unwrap();
    /// assert!(out.can_publish());
    /// ```
    #[must_use]
    pub const fn can_publish(&self) -> bool {
        self.publishes < self.max_inflight && !self.window.is_full()
    }

    /// Whether [`start_subscribe`](Self::start_subscribe) and
    /// [`start_unsubscribe`](Self::start_unsubscribe) would succeed: a slot is
    /// free.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Outgoing;
    ///
    /// let mut out: Outgoing<(), 1> = Outgoing::new();
    /// assert!(out.can_subscribe());
    /// out.start_subscribe().unwrap();
    /// assert!(!out.can_subscribe());
    /// ```
    #[must_use]
    pub const fn can_subscribe(&self) -> bool {
        !self.window.is_full()
    }

    /// The id from which the next `start_*` looks for a free id; persist it
    /// with the exchanges to continue the sequence after a restart.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Outgoing;
    ///
    /// let mut out: Outgoing<(), 4> = Outgoing::new();
    /// out.start_subscribe().unwrap();
    /// assert_eq!(out.next_id().get(), 2);
    /// ```
    #[must_use]
    pub const fn next_id(&self) -> PacketId {
        self.window.next_id()
    }

    /// The exchange under `id`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Exchange, Outgoing};
    ///
    /// let mut out: Outgoing<(), 4> = Outgoing::new();
    /// let id = out.start_unsubscribe().unwrap();
    /// assert_eq!(out.get(id), Some(&Exchange::AwaitingUnsubAck));
    /// ```
    #[must_use]
    pub fn get(&self, id: PacketId) -> Option<&Exchange<T>> {
        self.window.get(id)
    }

    /// Whether an exchange uses `id`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Outgoing;
    ///
    /// let mut out: Outgoing<(), 4> = Outgoing::new();
    /// let id = out.start_subscribe().unwrap();
    /// assert!(out.contains(id));
    /// ```
    #[must_use]
    pub fn contains(&self, id: PacketId) -> bool {
        self.window.contains(id)
    }

    /// The exchanges in the order they started (or were restored). On
    /// reconnect, resend in this order: PUBLISH with DUP set for
    /// `AwaitingPubAck` and `AwaitingPubRec`, PUBREL for `AwaitingPubComp`
    /// (MQTT-4.4.0-1, MQTT-4.6.0-1).
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Exchange, Outgoing, QoS};
    ///
    /// let mut out: Outgoing<&str, 4> = Outgoing::new();
    /// out.start_publish(QoS::AtLeastOnce, "a").unwrap();
    /// out.start_publish(QoS::AtLeastOnce, "b").unwrap();
    /// let messages: Vec<_> = out.iter().filter_map(|(_, ex)| ex.message()).collect();
    /// assert_eq!(messages, [&"a", &"b"]);
    /// ```
    #[must_use]
    pub fn iter(&self) -> Iter<'_, Exchange<T>, N> {
        self.window.iter()
    }

    /// The oldest exchange.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Exchange, Outgoing};
    ///
    /// let mut out: Outgoing<(), 4> = Outgoing::new();
    /// let id = out.start_subscribe().unwrap();
    /// out.start_unsubscribe().unwrap();
    /// assert_eq!(out.oldest(), Some((id, &Exchange::AwaitingSubAck)));
    /// ```
    #[must_use]
    pub fn oldest(&self) -> Option<(PacketId, &Exchange<T>)> {
        self.window.oldest()
    }

    fn start_other(&mut self, exchange: Exchange<T>) -> Result<PacketId, SessionError<()>> {
        self.window.insert(exchange).map_err(|_| SessionError::NoFreeId(()))
    }
}

impl<T, const N: usize> Default for Outgoing<T, N> {
    fn default() -> Self {
        Self::new()
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

    /// MQTT-3.3.4-7: no more QoS 1 and QoS 2 PUBLISH in flight than the
    /// broker's Receive Maximum; a QoS 2 exchange counts until PUBCOMP.
    #[test]
    fn max_inflight_bounds_publishes_only() {
        let mut out: Outgoing<&str, 8> = Outgoing::new();
        out.set_max_inflight(2);
        let a = out.start_publish(QoS::ExactlyOnce, "a").unwrap();
        let b = out.start_publish(QoS::AtLeastOnce, "b").unwrap();
        assert!(!out.can_publish());
        assert_eq!(out.start_publish(QoS::AtLeastOnce, "c"), Err(SessionError::InflightFull("c")));
        // SUBSCRIBE and UNSUBSCRIBE do not count.
        assert!(out.can_subscribe());
        out.start_subscribe().unwrap();
        out.start_unsubscribe().unwrap();

        out.pubrec(a).unwrap();
        assert_eq!(out.start_publish(QoS::AtLeastOnce, "c"), Err(SessionError::InflightFull("c")));
        out.pubcomp(a).unwrap();
        assert!(out.can_publish());
        out.start_publish(QoS::AtLeastOnce, "c").unwrap();
        assert!(!out.can_publish());

        // Raising the limit admits more at once.
        out.set_max_inflight(3);
        assert!(out.can_publish());
        out.start_publish(QoS::AtLeastOnce, "d").unwrap();
        assert_eq!(out.publishes_in_flight(), 3);
        assert_eq!(out.puback(b), Ok("b"));
    }

    #[test]
    fn lowering_max_inflight_ends_nothing() {
        let mut out: Outgoing<(), 8> = Outgoing::new();
        let ids: Vec<PacketId> = (0..4).map(|_| out.start_publish(QoS::AtLeastOnce, ()).unwrap()).collect();
        out.set_max_inflight(2);
        assert_eq!(out.publishes_in_flight(), 4);
        assert!(!out.can_publish());
        out.puback(ids[0]).unwrap();
        out.puback(ids[1]).unwrap();
        assert!(!out.can_publish());
        out.puback(ids[2]).unwrap();
        assert!(out.can_publish());
    }

    #[test]
    fn slots_run_out_before_max_inflight() {
        let mut out: Outgoing<u8, 2> = Outgoing::new();
        out.start_subscribe().unwrap();
        out.start_subscribe().unwrap();
        assert!(!out.can_publish());
        assert!(!out.can_subscribe());
        assert_eq!(out.start_publish(QoS::ExactlyOnce, 1), Err(SessionError::NoFreeId(1)));
        // QoS 0 is reported first.
        assert_eq!(out.start_publish(QoS::AtMostOnce, 2), Err(SessionError::QoS0(2)));
    }

    /// MQTT-4.4.0-1 and MQTT-4.6.0-1: on reconnect, unacknowledged PUBLISH and
    /// PUBREL are resent with their original ids, in the original order.
    #[test]
    fn iter_gives_the_resend_order() {
        let mut out: Outgoing<&str, 8> = Outgoing::new();
        let a = out.start_publish(QoS::ExactlyOnce, "a").unwrap();
        let b = out.start_publish(QoS::AtLeastOnce, "b").unwrap();
        let c = out.start_publish(QoS::ExactlyOnce, "c").unwrap();
        let d = out.start_publish(QoS::AtLeastOnce, "d").unwrap();
        out.pubrec(c).unwrap();
        out.puback(b).unwrap();
        out.pubrec(a).unwrap();
        let resend: Vec<_> = out.iter().map(|(id, ex)| (id, *ex)).collect();
        assert_eq!(
            resend,
            [(a, Exchange::AwaitingPubComp), (c, Exchange::AwaitingPubComp), (d, Exchange::AwaitingPubAck("d")),]
        );
        assert_eq!(out.oldest(), Some((a, &Exchange::AwaitingPubComp)));
    }

    #[test]
    fn clear_ends_everything_and_keeps_limits() {
        let mut out: Outgoing<(), 4> = Outgoing::new();
        out.set_max_inflight(2);
        out.start_publish(QoS::AtLeastOnce, ()).unwrap();
        out.start_subscribe().unwrap();
        out.clear();
        assert!(out.is_empty());
        assert_eq!(out.publishes_in_flight(), 0);
        assert_eq!(out.max_inflight(), 2);
        assert_eq!(out.start_subscribe(), Ok(id(3)));
    }
}
