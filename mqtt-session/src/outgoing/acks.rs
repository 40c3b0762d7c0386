//! Acknowledgements arriving for [`Outgoing`] exchanges: PUBACK, PUBREC,
//! PUBCOMP, SUBACK and UNSUBACK.

use core::mem;

use super::{AckError, AckErrorKind, Exchange, ExchangeKind, Outgoing};
use crate::PacketId;

impl<T, const N: usize> Outgoing<T, N> {
    /// Handles a PUBACK: completes the QoS 1 exchange and returns its message.
    /// The id becomes free.
    ///
    /// # Errors
    ///
    /// An [`AckError`] when no exchange uses `id`
    /// ([`UnknownId`](AckErrorKind::UnknownId)) or it does not await PUBACK
    /// ([`WrongKind`](AckErrorKind::WrongKind)); nothing changes then.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Outgoing, QoS};
    ///
    /// let mut out: Outgoing<&str, 4> = Outgoing::new();
    /// let id = out.start_publish(QoS::AtLeastOnce, "m").unwrap();
    /// assert_eq!(out.puback(id), Ok("m"));
    /// assert!(out.puback(id).is_err());
    /// ```
    pub fn puback(&mut self, id: PacketId) -> Result<T, AckError> {
        self.finish_publish(id, ExchangeKind::AwaitingPubAck)
    }

    /// Handles a PUBREC (with a reason code below 0x80 in MQTT 5): the QoS 2
    /// exchange moves to [`Exchange::AwaitingPubComp`] and its message is
    /// returned, released. Send PUBREL (MQTT-4.3.3-4).
    ///
    /// The exchange keeps its place in [`iter`](Self::iter) and its id, and
    /// still counts against `max_inflight` until PUBCOMP.
    ///
    /// # Errors
    ///
    /// An [`AckError`] whose kind is:
    /// - [`DuplicatePubRec`](AckErrorKind::DuplicatePubRec) when the exchange
    ///   already awaits PUBCOMP. This is not a protocol violation: the PUBREC
    ///   was retransmitted, so answer with PUBREL again
    ///   ([`AckError::is_duplicate_pubrec`]);
    /// - [`UnknownId`](AckErrorKind::UnknownId) when no exchange uses `id`;
    /// - [`WrongKind`](AckErrorKind::WrongKind) when the exchange is not a
    ///   QoS 2 PUBLISH.
    ///
    /// Nothing changes on error.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Outgoing, QoS};
    ///
    /// let mut out: Outgoing<&str, 4> = Outgoing::new();
    /// let id = out.start_publish(QoS::ExactlyOnce, "m").unwrap();
    /// assert_eq!(out.pubrec(id), Ok("m"));
    /// // A retransmitted PUBREC: send PUBREL again.
    /// assert!(out.pubrec(id).unwrap_err().is_duplicate_pubrec());
    /// out.pubcomp(id).unwrap();
    /// ```
    pub fn pubrec(&mut self, id: PacketId) -> Result<T, AckError> {
        let exchange = self.window.get_mut(id).ok_or(AckError::new(id, AckErrorKind::UnknownId))?;
        match mem::replace(exchange, Exchange::AwaitingPubComp) {
            Exchange::AwaitingPubRec(msg) => Ok(msg),
            Exchange::AwaitingPubComp => Err(AckError::new(id, AckErrorKind::DuplicatePubRec)),
            other => {
                let found = other.kind();
                *exchange = other;
                Err(AckError::wrong_kind(id, ExchangeKind::AwaitingPubRec, found))
            }
        }
    }

    /// Handles an MQTT 5 PUBREC whose reason code is 0x80 or above: the broker
    /// refused the message, so the QoS 2 exchange ends without PUBREL, its id
    /// becomes free and its message is returned (MQTT-4.3.3-4, MQTT-4.4.0-2).
    ///
    /// # Errors
    ///
    /// An [`AckError`] when no exchange uses `id` or it does not await PUBREC;
    /// nothing changes then.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Outgoing, QoS};
    ///
    /// let mut out: Outgoing<&str, 4> = Outgoing::new();
    /// let id = out.start_publish(QoS::ExactlyOnce, "m").unwrap();
    /// assert_eq!(out.pubrec_rejected(id), Ok("m"));
    /// assert!(out.is_empty());
    /// ```
    pub fn pubrec_rejected(&mut self, id: PacketId) -> Result<T, AckError> {
        self.finish_publish(id, ExchangeKind::AwaitingPubRec)
    }

    /// Handles a PUBCOMP: completes the QoS 2 exchange. The id becomes free.
    ///
    /// # Errors
    ///
    /// An [`AckError`] when no exchange uses `id` or it does not await
    /// PUBCOMP; nothing changes then.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{AckErrorKind, ExchangeKind, Outgoing, QoS};
    ///
    /// let mut out: Outgoing<&str, 4> = Outgoing::new();
    /// let id = out.start_publish(QoS::ExactlyOnce, "m").unwrap();
    /// let err = out.pubcomp(id).unwrap_err();
    /// assert_eq!(err.kind, AckErrorKind::WrongKind {
    ///     expected: ExchangeKind::AwaitingPubComp,
    ///     found: ExchangeKind::AwaitingPubRec,
    /// });
    /// out.pubrec(id).unwrap();
    /// out.pubcomp(id).unwrap();
    /// assert!(out.is_empty());
    /// ```
    pub fn pubcomp(&mut self, id: PacketId) -> Result<(), AckError> {
        self.finish(id, ExchangeKind::AwaitingPubComp)
    }

    /// Handles a SUBACK: completes the SUBSCRIBE exchange. The id becomes free.
    ///
    /// # Errors
    ///
    /// An [`AckError`] when no exchange uses `id` or it does not await SUBACK;
    /// nothing changes then.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Outgoing;
    ///
    /// let mut out: Outgoing<(), 4> = Outgoing::new();
    /// let id = out.start_subscribe().unwrap();
    /// assert!(out.unsuback(id).is_err());
    /// out.suback(id).unwrap();
    /// ```
    pub fn suback(&mut self, id: PacketId) -> Result<(), AckError> {
        self.finish(id, ExchangeKind::AwaitingSubAck)
    }

    /// Handles an UNSUBACK: completes the UNSUBSCRIBE exchange. The id becomes
    /// free.
    ///
    /// # Errors
    ///
    /// An [`AckError`] when no exchange uses `id` or it does not await
    /// UNSUBACK; nothing changes then.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Outgoing;
    ///
    /// let mut out: Outgoing<(), 4> = Outgoing::new();
    /// let id = out.start_unsubscribe().unwrap();
    /// assert!(out.suback(id).is_err());
    /// out.unsuback(id).unwrap();
    /// ```
    pub fn unsuback(&mut self, id: PacketId) -> Result<(), AckError> {
        self.finish(id, ExchangeKind::AwaitingUnsubAck)
    }

    /// Ends the exchange under `id`, whatever it awaits, and returns it; for
    /// example a SUBSCRIBE whose connection was lost, or a message the
    /// application gave up on. The id becomes free.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Exchange, Outgoing};
    ///
    /// let mut out: Outgoing<(), 4> = Outgoing::new();
    /// let id = out.start_subscribe().unwrap();
    /// assert_eq!(out.cancel(id), Some(Exchange::AwaitingSubAck));
    /// assert_eq!(out.cancel(id), None);
    /// ```
    pub fn cancel(&mut self, id: PacketId) -> Option<Exchange<T>> {
        let exchange = self.window.remove(id)?;
        if exchange.is_publish() {
            self.publishes = self.publishes.saturating_sub(1);
        }
        Some(exchange)
    }

    /// Ends the PUBLISH exchange under `id` if it is `expected` (a state that
    /// holds the message) and returns the message.
    fn finish_publish(&mut self, id: PacketId, expected: ExchangeKind) -> Result<T, AckError> {
        let exchange = self.window.get_mut(id).ok_or(AckError::new(id, AckErrorKind::UnknownId))?;
        let found = exchange.kind();
        if found != expected {
            return Err(AckError::wrong_kind(id, expected, found));
        }
        // Take the message out, leaving a placeholder in the slot that is
        // removed just below.
        let msg = match mem::replace(exchange, Exchange::AwaitingPubComp) {
            Exchange::AwaitingPubAck(msg) | Exchange::AwaitingPubRec(msg) => msg,
            other => {
                *exchange = other;
                return Err(AckError::wrong_kind(id, expected, found));
            }
        };
        self.cancel(id);
        Ok(msg)
    }

    /// Ends the exchange under `id` if it is `expected`.
    fn finish(&mut self, id: PacketId, expected: ExchangeKind) -> Result<(), AckError> {
        let found = self.window.get(id).ok_or(AckError::new(id, AckErrorKind::UnknownId))?.kind();
        if found != expected {
            return Err(AckError::wrong_kind(id, expected, found));
        }
        self.cancel(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate alloc;

    use alloc::vec::Vec;

    use super::*;
    use crate::QoS;
    use crate::outgoing::SessionError;

    fn id(value: u16) -> PacketId {
        PacketId::new(value).expect("test ids are non-zero")
    }

    fn kinds<T, const N: usize>(out: &Outgoing<T, N>) -> Vec<(u16, ExchangeKind)> {
        out.iter().map(|(id, ex)| (id.get(), ex.kind())).collect()
    }

    #[test]
    fn qos1_flow() {
        let mut out: Outgoing<&str, 4> = Outgoing::new();
        let id = out.start_publish(QoS::AtLeastOnce, "m").unwrap();
        assert_eq!(out.get(id), Some(&Exchange::AwaitingPubAck("m")));
        assert_eq!(out.publishes_in_flight(), 1);
        assert_eq!(out.puback(id), Ok("m"));
        assert!(out.is_empty());
        assert_eq!(out.publishes_in_flight(), 0);
    }

    /// MQTT-4.3.3-4 (PUBREL answers PUBREC), MQTT-4.3.3-5 (PUBREL stays
    /// unacknowledged until PUBCOMP), MQTT-4.3.3-6 (no PUBLISH resend after
    /// PUBREL: the message is released at PUBREC).
    #[test]
    fn qos2_full_flow() {
        let mut out: Outgoing<&str, 4> = Outgoing::new();
        let id = out.start_publish(QoS::ExactlyOnce, "m").unwrap();
        assert_eq!(out.get(id), Some(&Exchange::AwaitingPubRec("m")));
        assert_eq!(out.pubrec(id), Ok("m"));
        assert_eq!(out.get(id), Some(&Exchange::AwaitingPubComp));
        assert_eq!(out.message_mut(id), None);
        assert_eq!(out.publishes_in_flight(), 1);
        assert!(out.contains(id));
        assert_eq!(out.pubcomp(id), Ok(()));
        assert!(out.is_empty());
        assert_eq!(out.publishes_in_flight(), 0);
        assert_eq!(out.pubcomp(id), Err(AckError::new(id, AckErrorKind::UnknownId)));
    }

    #[test]
    fn duplicate_pubrec_is_reported_distinctly_and_changes_nothing() {
        let mut out: Outgoing<&str, 4> = Outgoing::new();
        let id = out.start_publish(QoS::ExactlyOnce, "m").unwrap();
        out.pubrec(id).unwrap();
        let err = out.pubrec(id).unwrap_err();
        assert_eq!(err.kind, AckErrorKind::DuplicatePubRec);
        assert!(err.is_duplicate_pubrec());
        assert_eq!(out.get(id), Some(&Exchange::AwaitingPubComp));
        assert_eq!(out.publishes_in_flight(), 1);
        out.pubcomp(id).unwrap();
        // After PUBCOMP a PUBREC is unknown, not a duplicate.
        let err = out.pubrec(id).unwrap_err();
        assert_eq!(err.kind, AckErrorKind::UnknownId);
        assert!(!err.is_duplicate_pubrec());
    }

    #[test]
    fn wrong_kind_acks_change_nothing() {
        let mut out: Outgoing<&str, 8> = Outgoing::new();
        let q1 = out.start_publish(QoS::AtLeastOnce, "q1").unwrap();
        let q2 = out.start_publish(QoS::ExactlyOnce, "q2").unwrap();
        let sub = out.start_subscribe().unwrap();
        let unsub = out.start_unsubscribe().unwrap();
        let before = kinds(&out);

        let wrong = |id, expected, found| AckError::wrong_kind(id, expected, found);
        use ExchangeKind::*;
        assert_eq!(out.pubrec(q1), Err(wrong(q1, AwaitingPubRec, AwaitingPubAck)));
        assert_eq!(out.pubcomp(q1), Err(wrong(q1, AwaitingPubComp, AwaitingPubAck)));
        assert_eq!(out.pubrec_rejected(q1), Err(wrong(q1, AwaitingPubRec, AwaitingPubAck)));
        assert_eq!(out.puback(q2), Err(wrong(q2, AwaitingPubAck, AwaitingPubRec)));
        assert_eq!(out.suback(q2), Err(wrong(q2, AwaitingSubAck, AwaitingPubRec)));
        assert_eq!(out.puback(sub), Err(wrong(sub, AwaitingPubAck, AwaitingSubAck)));
        assert_eq!(out.pubrec(sub), Err(wrong(sub, AwaitingPubRec, AwaitingSubAck)));
        assert_eq!(out.unsuback(sub), Err(wrong(sub, AwaitingUnsubAck, AwaitingSubAck)));
        assert_eq!(out.suback(unsub), Err(wrong(unsub, AwaitingSubAck, AwaitingUnsubAck)));
        out.pubrec(q2).unwrap();
        assert_eq!(out.puback(q2), Err(wrong(q2, AwaitingPubAck, AwaitingPubComp)));
        assert_eq!(out.pubrec_rejected(q2), Err(wrong(q2, AwaitingPubRec, AwaitingPubComp)));

        let mut after = before;
        after[1].1 = AwaitingPubComp;
        assert_eq!(kinds(&out), after);
        assert_eq!(out.publishes_in_flight(), 2);
        assert_eq!(out.message_mut(q1), Some(&mut "q1"));
    }

    #[test]
    fn unknown_id_acks() {
        let mut out: Outgoing<(), 4> = Outgoing::new();
        let unknown = |id| Err(AckError::new(id, AckErrorKind::UnknownId));
        assert_eq!(out.puback(id(1)), unknown(id(1)));
        assert_eq!(out.pubrec(id(2)), unknown(id(2)));
        assert_eq!(out.pubrec_rejected(id(2)), unknown(id(2)));
        assert_eq!(out.pubcomp(id(3)), unknown(id(3)));
        assert_eq!(out.suback(id(4)), unknown(id(4)));
        assert_eq!(out.unsuback(PacketId::MAX), unknown(PacketId::MAX));
        // An id `N` apart from one in flight is still unknown.
        out.start_subscribe().unwrap();
        assert_eq!(out.suback(id(5)), unknown(id(5)));
        assert_eq!(out.len(), 1);
    }

    /// MQTT-2.2.1-3: ids are reused only after their exchange completes.
    #[test]
    fn out_of_order_acks_free_ids_for_reuse_only_after_completion() {
        let mut out: Outgoing<u8, 4> = Outgoing::new();
        let a = out.start_publish(QoS::AtLeastOnce, 1).unwrap();
        let b = out.start_publish(QoS::ExactlyOnce, 2).unwrap();
        let c = out.start_subscribe().unwrap();
        let d = out.start_publish(QoS::AtLeastOnce, 4).unwrap();
        assert_eq!([a, b, c, d], [id(1), id(2), id(3), id(4)]);
        assert_eq!(out.start_unsubscribe(), Err(SessionError::NoFreeId(())));

        assert_eq!(out.puback(d), Ok(4));
        assert_eq!(out.pubrec(b), Ok(2));
        out.suback(c).unwrap();
        // a and b are unfinished (b awaits PUBCOMP), so 1 and 2 stay taken;
        // allocation continues after 4 and the slots of c and d are free.
        assert_eq!(out.start_publish(QoS::AtLeastOnce, 5), Ok(id(5)));
        assert_eq!(out.start_publish(QoS::AtLeastOnce, 6), Ok(id(6)));
        // Four publishes in flight reach the default limit of N = 4 before
        // the slots run out.
        assert_eq!(out.start_publish(QoS::AtLeastOnce, 9), Err(SessionError::InflightFull(9)));
        assert_eq!(out.start_subscribe(), Err(SessionError::NoFreeId(())));
        assert_eq!(
            kinds(&out),
            [
                (1, ExchangeKind::AwaitingPubAck),
                (2, ExchangeKind::AwaitingPubComp),
                (5, ExchangeKind::AwaitingPubAck),
                (6, ExchangeKind::AwaitingPubAck),
            ]
        );
        assert_eq!(out.puback(a), Ok(1));
        out.pubcomp(b).unwrap();
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn pubrec_rejected_ends_the_exchange_without_pubrel() {
        let mut out: Outgoing<&str, 4> = Outgoing::new();
        out.set_max_inflight(1);
        let id = out.start_publish(QoS::ExactlyOnce, "m").unwrap();
        assert_eq!(out.pubrec_rejected(id), Ok("m"));
        assert!(out.is_empty());
        assert!(out.can_publish());
    }

    #[test]
    fn cancel_ends_any_exchange() {
        let mut out: Outgoing<&str, 4> = Outgoing::new();
        let p = out.start_publish(QoS::AtLeastOnce, "p").unwrap();
        let s = out.start_subscribe().unwrap();
        assert_eq!(out.cancel(s), Some(Exchange::AwaitingSubAck));
        assert_eq!(out.publishes_in_flight(), 1);
        assert_eq!(out.cancel(p), Some(Exchange::AwaitingPubAck("p")));
        assert_eq!(out.publishes_in_flight(), 0);
        assert_eq!(out.cancel(p), None);
    }
}
