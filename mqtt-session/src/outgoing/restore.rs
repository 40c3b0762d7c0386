//! Rebuilding [`Outgoing`] exchanges from a persisted session.

use super::{Exchange, Outgoing, SessionError};
use crate::{PacketId, QoS};

impl<T, const N: usize> Outgoing<T, N> {
    /// Restores a persisted QoS 1 or QoS 2 PUBLISH exchange, still awaiting
    /// PUBACK or PUBREC, under its original id, as the newest exchange.
    /// Restore exchanges oldest-first to keep the resend order.
    ///
    /// It ignores `max_inflight`: these messages were in flight already.
    /// The allocation cursor does not move; see
    /// [`set_next_id`](Self::set_next_id).
    ///
    /// # Errors
    ///
    /// Each hands `msg` back: [`SessionError::QoS0`],
    /// [`SessionError::IdInUse`], [`SessionError::NoFreeId`] when all `N`
    /// slots are taken. Any id not in use can be restored while a slot is
    /// free.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Exchange, Outgoing, PacketId, QoS};
    ///
    /// let mut out: Outgoing<&str, 8> = Outgoing::new();
    /// let id = PacketId::new(300).unwrap();
    /// out.restore_publish(id, QoS::AtLeastOnce, "m").unwrap();
    /// assert_eq!(out.get(id), Some(&Exchange::AwaitingPubAck("m")));
    /// assert_eq!(out.puback(id), Ok("m"));
    /// ```
    pub fn restore_publish(&mut self, id: PacketId, qos: QoS, msg: T) -> Result<(), SessionError<T>> {
        let awaiting: fn(T) -> Exchange<T> = match qos {
            QoS::AtMostOnce => return Err(SessionError::QoS0(msg)),
            QoS::AtLeastOnce => Exchange::AwaitingPubAck,
            QoS::ExactlyOnce => Exchange::AwaitingPubRec,
        };
        match self.window.vacant_entry_at(id) {
            Ok(vacant) => {
                vacant.insert(awaiting(msg));
                self.publishes += 1;
                Ok(())
            }
            Err(kind) => Err(SessionError::unavailable(id, kind, msg)),
        }
    }

    /// Restores a persisted QoS 2 exchange that had received PUBREC and
    /// awaits PUBCOMP, under its original id, as the newest exchange. On
    /// reconnect its PUBREL is resent (MQTT-4.4.0-1).
    ///
    /// Like [`restore_publish`](Self::restore_publish), it ignores
    /// `max_inflight` and does not move the allocation cursor.
    ///
    /// # Errors
    ///
    /// [`SessionError::IdInUse`] or [`SessionError::NoFreeId`].
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Exchange, Outgoing, PacketId};
    ///
    /// let mut out: Outgoing<&str, 8> = Outgoing::new();
    /// let id = PacketId::new(9).unwrap();
    /// out.restore_pubrel(id).unwrap();
    /// assert_eq!(out.get(id), Some(&Exchange::AwaitingPubComp));
    /// out.pubcomp(id).unwrap();
    /// ```
    pub fn restore_pubrel(&mut self, id: PacketId) -> Result<(), SessionError<()>> {
        match self.window.vacant_entry_at(id) {
            Ok(vacant) => {
                vacant.insert(Exchange::AwaitingPubComp);
                self.publishes += 1;
                Ok(())
            }
            Err(kind) => Err(SessionError::unavailable(id, kind, ())),
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate alloc;

    use alloc::vec::Vec;

    use super::*;
    use crate::outgoing::ExchangeKind;

    fn id(value: u16) -> PacketId {
        PacketId::new(value).expect("test ids are non-zero")
    }

    fn kinds<T, const N: usize>(out: &Outgoing<T, N>) -> Vec<(u16, ExchangeKind)> {
        out.iter().map(|(id, ex)| (id.get(), ex.kind())).collect()
    }

    #[test]
    fn restore_rebuilds_a_session_in_order() {
        let mut out: Outgoing<&str, 8> = Outgoing::new();
        out.set_max_inflight(1);
        out.restore_publish(id(40), QoS::AtLeastOnce, "a").unwrap();
        out.restore_pubrel(id(41)).unwrap();
        out.restore_publish(id(42), QoS::ExactlyOnce, "c").unwrap();
        out.set_next_id(id(43));
        assert_eq!(out.publishes_in_flight(), 3);
        assert_eq!(
            kinds(&out),
            [
                (40, ExchangeKind::AwaitingPubAck),
                (41, ExchangeKind::AwaitingPubComp),
                (42, ExchangeKind::AwaitingPubRec),
            ]
        );
        assert!(!out.can_publish());
        assert_eq!(out.start_subscribe(), Ok(id(43)));
        assert_eq!(out.pubrec(id(42)), Ok("c"));
        out.pubcomp(id(41)).unwrap();
        assert_eq!(out.puback(id(40)), Ok("a"));
    }

    #[test]
    fn restore_errors_hand_the_message_back() {
        let mut out: Outgoing<&str, 4> = Outgoing::new();
        out.restore_publish(id(2), QoS::AtLeastOnce, "a").unwrap();
        assert_eq!(
            out.restore_publish(id(2), QoS::ExactlyOnce, "b"),
            Err(SessionError::IdInUse { id: id(2), value: "b" })
        );
        assert_eq!(out.restore_publish(id(7), QoS::AtMostOnce, "d"), Err(SessionError::QoS0("d")));
        assert_eq!(out.restore_pubrel(id(2)), Err(SessionError::IdInUse { id: id(2), value: () }));
        out.restore_pubrel(id(1)).unwrap();
        out.restore_pubrel(id(3)).unwrap();
        out.restore_pubrel(id(4)).unwrap();
        assert_eq!(out.restore_publish(id(5), QoS::AtLeastOnce, "e"), Err(SessionError::NoFreeId("e")));
        assert_eq!(out.publishes_in_flight(), 4);
    }

    /// Ids `N` apart, and ids in any order, restore side by side.
    #[test]
    fn any_free_ids_restore_while_slots_are_free() {
        let mut out: Outgoing<&str, 4> = Outgoing::new();
        out.restore_publish(id(2), QoS::AtLeastOnce, "a").unwrap();
        out.restore_publish(id(6), QoS::ExactlyOnce, "b").unwrap();
        out.restore_pubrel(PacketId::MAX).unwrap();
        out.restore_pubrel(id(10)).unwrap();
        assert_eq!(
            kinds(&out),
            [
                (2, ExchangeKind::AwaitingPubAck),
                (6, ExchangeKind::AwaitingPubRec),
                (0xFFFF, ExchangeKind::AwaitingPubComp),
                (10, ExchangeKind::AwaitingPubComp),
            ]
        );
        assert_eq!(out.restore_pubrel(id(14)), Err(SessionError::NoFreeId(())));
        assert_eq!(out.puback(id(2)), Ok("a"));
        out.restore_pubrel(id(14)).unwrap();
        assert_eq!(out.pubrec(id(6)), Ok("b"));
    }
}
