//! One message for the one-shot publish helpers of both adapters.

use bytes::Bytes;
use mqtt_proto::QoS;

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
