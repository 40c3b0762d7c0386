//! What the one-shot helpers of both adapters share: one message for
//! `publish::multiple`, and the collecting rule of `subscribe::simple`.

use std::ops::ControlFlow;
use std::time::Duration;

use bytes::Bytes;
use mqtt_proto::{Message, QoS};

use crate::ClientOptions;

/// One message for the adapters' `publish::multiple` (paho's
/// `publish.multiple` takes dicts or tuples of these fields).
///
/// # Examples
///
/// ```
/// use mqtt_client_core::OutMessage;
/// use mqtt_proto::QoS;
///
/// let m = OutMessage::new("sensors/1", "21.5", QoS::AtLeastOnce, false);
/// assert_eq!(&m.payload[..], b"21.5");
/// ```
#[derive(Clone, Debug)]
pub struct OutMessage {
    /// Topic.
    pub topic: String,
    /// Payload.
    pub payload: Bytes,
    /// QoS.
    pub qos: QoS,
    /// Retain flag.
    pub retain: bool,
}

impl OutMessage {
    /// A message.
    #[must_use]
    pub fn new(topic: &str, payload: impl Into<Bytes>, qos: QoS, retain: bool) -> Self {
        Self { topic: topic.to_owned(), payload: payload.into(), qos, retain }
    }
}

/// How long the publish helpers wait for each publish to complete: the
/// connect timeout, at least a second.
#[must_use]
pub fn completion_wait(options: &ClientOptions) -> Duration {
    options.mqtt().connect_timeout.max(Duration::from_secs(1))
}

/// The messages of the adapters' `subscribe::simple` (paho's
/// `subscribe.simple`): the first `count`, retained ones only when asked.
///
/// # Examples
///
/// ```
/// use std::ops::ControlFlow;
/// use mqtt_client_core::Collector;
/// use mqtt_proto::{Message, QoS, TopicName};
///
/// let message = |retain| Message {
///     topic: TopicName::try_from("t").unwrap(),
///     payload: "x".into(),
///     qos: QoS::AtMostOnce,
///     retain,
///     dup: false,
///     packet_id: None,
///     properties: Default::default(),
/// };
/// let mut collector = Collector::new(1, false);
/// assert_eq!(collector.offer(&message(true)), ControlFlow::Continue(()));
/// assert_eq!(collector.offer(&message(false)), ControlFlow::Break(()));
/// assert_eq!(collector.into_messages().len(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct Collector {
    got: Vec<Message>,
    count: usize,
    retained: bool,
}

impl Collector {
    /// Collects `count` messages; retained ones count only when `retained`.
    #[must_use]
    pub fn new(count: usize, retained: bool) -> Self {
        Self { got: Vec::with_capacity(count), count, retained }
    }

    /// Whether `count` messages are there (at once when `count` is 0).
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.got.len() >= self.count
    }

    /// Takes `m` if it counts; `Break` once full.
    pub fn offer(&mut self, m: &Message) -> ControlFlow<()> {
        if !self.is_full() && (self.retained || !m.retain) {
            self.got.push(m.clone());
        }
        if self.is_full() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    }

    /// The messages collected, in order.
    #[must_use]
    pub fn into_messages(self) -> Vec<Message> {
        self.got
    }
}
