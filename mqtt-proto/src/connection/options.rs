//! What a connection asks for: the CONNECT fields and the client's own limits.

use alloc::boxed::Box;
use core::fmt;
use core::num::NonZeroU16;
use core::time::Duration;

use bytes::Bytes;

use super::Authenticator;
use crate::{ConnectProperties, MqttStr, ProtocolVersion, Will};

/// The most outgoing exchanges (QoS 1 and 2 publishes in flight, SUBSCRIBE and
/// UNSUBSCRIBE awaiting their acknowledgement) one session tracks at once.
pub const MAX_OUTGOING: usize = 1024;

/// Options of a client connection.
///
/// Fields are public; [`Options::new`] fills in the defaults, and the `with_*`
/// methods set one field each.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use mqtt_proto::{Options, ProtocolVersion};
///
/// let options = Options::new(ProtocolVersion::V5, "sensor-17")
///     .unwrap()
///     .with_keep_alive(30)
///     .with_credentials("user", b"secret".as_slice())
///     .with_max_inflight(64);
/// assert_eq!(options.keep_alive, 30);
/// // The password does not show in Debug output.
/// assert!(!format!("{options:?}").contains("secret"));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Options {
    /// Protocol version.
    pub version: ProtocolVersion,
    /// Client identifier. Empty asks the server to assign one (3.1.1 with clean
    /// session, and 5.0).
    pub client_id: MqttStr,
    /// Clean Session (3.x) / Clean Start (5.0) of the first connection.
    pub clean_start: bool,
    /// Clean Session / Clean Start of the connections that resume a session with
    /// [`Connection::resume`](crate::Connection::resume). `false` (the default)
    /// resumes the session at the server.
    pub clean_start_on_resume: bool,
    /// Keep alive in seconds; 0 turns it off. An MQTT 5 Server Keep Alive wins.
    pub keep_alive: u16,
    /// How long to wait for CONNACK (and any AUTH exchange) after CONNECT.
    pub connect_timeout: Duration,
    /// How long to wait for PINGRESP after PINGREQ before closing.
    pub ping_timeout: Duration,
    /// The will message.
    pub will: Option<Will>,
    /// User name.
    pub username: Option<MqttStr>,
    /// Password.
    pub password: Option<Bytes>,
    /// MQTT 5 CONNECT properties. `receive_maximum`, `maximum_packet_size` and
    /// `topic_alias_maximum` are also enforced on what the server sends.
    pub properties: ConnectProperties,
    /// Most QoS 1 and 2 publishes in flight at once (paho's
    /// max_inflight_messages); the server's Receive Maximum may lower it.
    pub max_inflight: NonZeroU16,
    /// Most QoS 1 and 2 publishes waiting for room in the window (paho's
    /// max_queued_messages); publishing beyond it fails with
    /// [`CommandError::QueueFull`](crate::CommandError::QueueFull).
    pub max_queued: usize,
    /// When true, received QoS 1 and 2 messages are acknowledged only when the
    /// application calls [`Connection::ack`](crate::Connection::ack).
    pub manual_acks: bool,
    /// When true (MQTT 5), outgoing topics get topic aliases automatically, within
    /// the server's Topic Alias Maximum.
    pub topic_alias_outgoing: bool,
    /// The enhanced authentication mechanism (MQTT 5).
    pub authenticator: Option<Box<dyn Authenticator>>,
}

impl Options {
    /// Options with the defaults: clean start on the first connection and resume
    /// after, 60 s keep alive, 30 s connect timeout, 10 s ping timeout, 20
    /// publishes in flight, 1000 queued, automatic acknowledgements.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`](crate::DecodeError) when `client_id` contains U+0000.
    pub fn new(version: ProtocolVersion, client_id: &str) -> Result<Self, crate::DecodeError> {
        Ok(Self {
            version,
            client_id: MqttStr::try_from(client_id)?,
            clean_start: true,
            clean_start_on_resume: false,
            keep_alive: 60,
            connect_timeout: Duration::from_secs(30),
            ping_timeout: Duration::from_secs(10),
            will: None,
            username: None,
            password: None,
            properties: ConnectProperties::default(),
            max_inflight: NonZeroU16::new(20).unwrap_or(NonZeroU16::MIN),
            max_queued: 1000,
            manual_acks: false,
            topic_alias_outgoing: false,
            authenticator: None,
        })
    }

    /// Sets the keep alive in seconds.
    #[must_use]
    pub fn with_keep_alive(mut self, seconds: u16) -> Self {
        self.keep_alive = seconds;
        self
    }

    /// Sets Clean Session / Clean Start for the first connection.
    #[must_use]
    pub fn with_clean_start(mut self, clean: bool) -> Self {
        self.clean_start = clean;
        self
    }

    /// Sets the user name and password.
    ///
    /// A user name containing U+0000 is not valid MQTT and is ignored.
    #[must_use]
    pub fn with_credentials(mut self, username: &str, password: impl Into<Bytes>) -> Self {
        self.username = MqttStr::try_from(username).ok();
        self.password = Some(password.into());
        self
    }

    /// Sets the will message.
    #[must_use]
    pub fn with_will(mut self, will: Will) -> Self {
        self.will = Some(will);
        self
    }

    /// Sets how many QoS 1 and 2 publishes may be in flight (at least 1; at most
    /// [`MAX_OUTGOING`] minus room for subscriptions).
    #[must_use]
    pub fn with_max_inflight(mut self, max: u16) -> Self {
        self.max_inflight = NonZeroU16::new(max).unwrap_or(NonZeroU16::MIN);
        self
    }

    /// Sets how many publishes may wait for room in the window.
    #[must_use]
    pub fn with_max_queued(mut self, max: usize) -> Self {
        self.max_queued = max;
        self
    }

    /// Turns manual acknowledgement of received messages on or off.
    #[must_use]
    pub fn with_manual_acks(mut self, manual: bool) -> Self {
        self.manual_acks = manual;
        self
    }

    /// Sets the enhanced authentication mechanism (MQTT 5).
    #[must_use]
    pub fn with_authenticator(mut self, authenticator: Box<dyn Authenticator>) -> Self {
        self.authenticator = Some(authenticator);
        self
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("version", &self.version)
            .field("client_id", &self.client_id)
            .field("clean_start", &self.clean_start)
            .field("clean_start_on_resume", &self.clean_start_on_resume)
            .field("keep_alive", &self.keep_alive)
            .field("connect_timeout", &self.connect_timeout)
            .field("ping_timeout", &self.ping_timeout)
            .field("will", &self.will)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("properties", &self.properties)
            .field("max_inflight", &self.max_inflight)
            .field("max_queued", &self.max_queued)
            .field("manual_acks", &self.manual_acks)
            .field("topic_alias_outgoing", &self.topic_alias_outgoing)
            .field("authenticator", &self.authenticator)
            .finish()
    }
}
