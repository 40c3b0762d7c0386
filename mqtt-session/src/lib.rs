//! MQTT session bookkeeping that outlives a network connection: packet
//! identifiers, the inflight window, and the QoS 1 and QoS 2 exchanges.
//!
//! ```
//! use mqtt_session::{IncomingQos2, Outgoing, PacketId, QoS};
//!
//! // Room for 16 exchanges; the broker's Receive Maximum allows 10 publishes.
//! let mut out: Outgoing<&str, 16> = Outgoing::new();
//! out.set_max_inflight(10);
//!
//! // QoS 1: send PUBLISH with `id`, wait for PUBACK.
//! let id = out.start_publish(QoS::AtLeastOnce, "temperature 21")?;
//! assert_eq!(out.puback(id)?, "temperature 21");
//!
//! // QoS 2: PUBLISH, PUBREC (send PUBREL), PUBCOMP.
//! let id = out.start_publish(QoS::ExactlyOnce, "door open")?;
//! assert_eq!(out.pubrec(id)?, "door open");
//! // A retransmitted PUBREC is answered with PUBREL again.
//! assert!(out.pubrec(id).unwrap_err().is_duplicate_pubrec());
//! out.pubcomp(id)?;
//! assert!(out.is_empty());
//!
//! // Receiving QoS 2: deliver once, however often the PUBLISH is resent.
//! let mut incoming = IncomingQos2::new();
//! let id = PacketId::new(7).unwrap();
//! assert!(incoming.receive(id)); // deliver, send PUBREC
//! assert!(!incoming.receive(id)); // retransmission: PUBREC only
//! assert!(incoming.release(id)); // PUBREL: send PUBCOMP
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! This crate does no I/O, reads no clock, uses no randomness and needs no
//! allocator: it is `#![no_std]` without `alloc`, and every container is a
//! fixed-capacity array inside the value. Time, bytes and connections belong
//! to the caller (the `mqtt-proto` crate drives these types).
//!
//! - [`Window`]: a table of up to `N` values keyed by [`PacketId`]; allocates
//!   free ids, stores any free id while below its run-time cap, looks ids up
//!   in O(1) expected time, iterates oldest-first.
//! - [`Outgoing`]: the client's outgoing exchanges (PUBLISH QoS 1 and 2,
//!   SUBSCRIBE, UNSUBSCRIBE) on a [`Window`], with the in-flight limit for
//!   publishes and the resend order for reconnects.
//! - [`IncomingQos2`]: the ids of incoming QoS 2 messages between PUBLISH and
//!   PUBREL, for exactly-once delivery.
//!
//! Nothing here panics on any input: errors are typed values that hand back
//! what was not stored.

#![no_std]
#![forbid(unsafe_code)]
#![warn(clippy::std_instead_of_core, clippy::alloc_instead_of_core, clippy::std_instead_of_alloc)]

mod ids;
mod incoming;
mod outgoing;
mod window;

pub use ids::{InvalidQoS, PacketId, QoS, ZeroPacketId};
pub use incoming::{HeldIds, IncomingQos2};
pub use outgoing::{AckError, AckErrorKind, Exchange, ExchangeKind, Outgoing, SessionError};
pub use window::{Full, InsertError, InsertErrorKind, Iter, IterMut, VacantEntry, Window};
