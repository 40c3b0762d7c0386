//! The state of one outgoing exchange.

use core::fmt;

/// Where one outgoing exchange stands: which acknowledgement it waits for, and
/// the message while it may still have to be resent.
///
/// The specification fixes this set: PUBLISH (QoS 1 and 2), SUBSCRIBE and
/// UNSUBSCRIBE are the only packets a client sends with a packet identifier
/// (MQTT 2.2.1), so the enum is exhaustive and a resend loop can match it
/// without a wildcard arm.
///
/// # Examples
///
/// ```
/// use mqtt_session::{Exchange, ExchangeKind, Outgoing, QoS};
///
/// let mut out: Outgoing<&str, 4> = Outgoing::new();
/// let id = out.start_publish(QoS::ExactlyOnce, "m").unwrap();
/// assert_eq!(out.get(id), Some(&Exchange::AwaitingPubRec("m")));
/// out.pubrec(id).unwrap();
/// assert_eq!(out.get(id), Some(&Exchange::AwaitingPubComp));
/// assert_eq!(out.get(id).unwrap().kind(), ExchangeKind::AwaitingPubComp);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exchange<T> {
    /// A QoS 1 PUBLISH was sent; on reconnect it is resent with DUP set.
    AwaitingPubAck(T),
    /// A QoS 2 PUBLISH was sent; on reconnect it is resent with DUP set.
    AwaitingPubRec(T),
    /// A QoS 2 PUBREC arrived and PUBREL was sent. The message is released:
    /// from now on only PUBREL is resent, never the PUBLISH (MQTT-4.3.3-6).
    AwaitingPubComp,
    /// A SUBSCRIBE was sent.
    AwaitingSubAck,
    /// An UNSUBSCRIBE was sent.
    AwaitingUnsubAck,
}

impl<T> Exchange<T> {
    /// Which acknowledgement the exchange waits for, without the message.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{Exchange, ExchangeKind};
    ///
    /// assert_eq!(Exchange::AwaitingPubAck(()).kind(), ExchangeKind::AwaitingPubAck);
    /// ```
    #[must_use]
    pub const fn kind(&self) -> ExchangeKind {
        match self {
            Self::AwaitingPubAck(_) => ExchangeKind::AwaitingPubAck,
            Self::AwaitingPubRec(_) => ExchangeKind::AwaitingPubRec,
            Self::AwaitingPubComp => ExchangeKind::AwaitingPubComp,
            Self::AwaitingSubAck => ExchangeKind::AwaitingSubAck,
            Self::AwaitingUnsubAck => ExchangeKind::AwaitingUnsubAck,
        }
    }

    /// The message, while the exchange may still resend its PUBLISH.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Exchange;
    ///
    /// assert_eq!(Exchange::AwaitingPubRec("m").message(), Some(&"m"));
    /// assert_eq!(Exchange::<&str>::AwaitingPubComp.message(), None);
    /// ```
    #[must_use]
    pub const fn message(&self) -> Option<&T> {
        match self {
            Self::AwaitingPubAck(msg) | Self::AwaitingPubRec(msg) => Some(msg),
            Self::AwaitingPubComp | Self::AwaitingSubAck | Self::AwaitingUnsubAck => None,
        }
    }

    /// Whether this is a QoS 1 or QoS 2 PUBLISH exchange, the kind that counts
    /// against [`Outgoing::max_inflight`](crate::Outgoing::max_inflight).
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Exchange;
    ///
    /// assert!(Exchange::<()>::AwaitingPubComp.is_publish());
    /// assert!(!Exchange::<()>::AwaitingSubAck.is_publish());
    /// ```
    #[must_use]
    pub const fn is_publish(&self) -> bool {
        self.kind().is_publish()
    }

    /// The message, mutably, while the exchange may still resend its PUBLISH.
    pub(super) fn message_mut(&mut self) -> Option<&mut T> {
        match self {
            Self::AwaitingPubAck(msg) | Self::AwaitingPubRec(msg) => Some(msg),
            Self::AwaitingPubComp | Self::AwaitingSubAck | Self::AwaitingUnsubAck => None,
        }
    }
}

/// The state of an [`Exchange`] without its message, as reported in an
/// [`AckError`](crate::AckError).
///
/// Exhaustive for the same reason as [`Exchange`]: the specification fixes
/// the set.
///
/// # Examples
///
/// ```
/// use mqtt_session::ExchangeKind;
///
/// assert_eq!(ExchangeKind::AwaitingPubRec.to_string(), "awaiting PUBREC");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExchangeKind {
    /// QoS 1 PUBLISH sent, waiting for PUBACK.
    AwaitingPubAck,
    /// QoS 2 PUBLISH sent, waiting for PUBREC.
    AwaitingPubRec,
    /// QoS 2 PUBREL sent, waiting for PUBCOMP.
    AwaitingPubComp,
    /// SUBSCRIBE sent, waiting for SUBACK.
    AwaitingSubAck,
    /// UNSUBSCRIBE sent, waiting for UNSUBACK.
    AwaitingUnsubAck,
}

impl ExchangeKind {
    /// Whether this is a state of a QoS 1 or QoS 2 PUBLISH exchange.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::ExchangeKind;
    ///
    /// assert!(ExchangeKind::AwaitingPubAck.is_publish());
    /// assert!(!ExchangeKind::AwaitingUnsubAck.is_publish());
    /// ```
    #[must_use]
    pub const fn is_publish(self) -> bool {
        matches!(self, Self::AwaitingPubAck | Self::AwaitingPubRec | Self::AwaitingPubComp)
    }
}

impl fmt::Display for ExchangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AwaitingPubAck => "awaiting PUBACK",
            Self::AwaitingPubRec => "awaiting PUBREC",
            Self::AwaitingPubComp => "awaiting PUBCOMP",
            Self::AwaitingSubAck => "awaiting SUBACK",
            Self::AwaitingUnsubAck => "awaiting UNSUBACK",
        })
    }
}
