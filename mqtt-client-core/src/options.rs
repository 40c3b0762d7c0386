//! Client options: paho's constructor arguments and `*_set` methods in one
//! builder.

use std::time::Duration;

use bytes::Bytes;
use mqtt_proto::{
    ConnectProperties, DecodeError, MqttStr, Options, ProtocolVersion, QoS, TopicName, Will, WillProperties,
};

use crate::reconnect::Backoff;
use crate::transport::{TlsOptions, Transport, WebSocketOptions};

/// Everything a client needs to know before it connects, for either adapter
/// (`mqtt_blocking::Client`, `mqtt_smol::connect`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use mqtt_client_core::ClientOptions;
/// use mqtt_proto::{ProtocolVersion, QoS};
///
/// let options = ClientOptions::new("sensor-17")
///     .protocol(ProtocolVersion::V5)
///     .keepalive(30)
///     .username_pw("user", "secret")
///     .will("sensors/17/status", "offline", QoS::AtLeastOnce, true)
///     .unwrap()
///     .reconnect_delay(Duration::from_secs(1), Duration::from_secs(60));
/// assert!(!format!("{options:?}").contains("secret"));
/// ```
#[derive(Clone, Debug)]
pub struct ClientOptions {
    mqtt: Options,
    transport: Transport,
    backoff: Backoff,
    auto_reconnect: bool,
    resubscribe: bool,
    nodelay: bool,
}

impl ClientOptions {
    /// Options for `client_id` with MQTT 3.1.1, clean session, 60 s keep alive,
    /// TCP, reconnect delays from 1 s to 120 s.
    ///
    /// An empty `client_id` asks the server to assign one where the protocol
    /// allows it (3.1.1 with clean session, 5.0); otherwise a random id is
    /// generated at connect.
    ///
    /// A client id containing U+0000 is not valid MQTT; it is replaced by a
    /// generated one (and logged).
    #[must_use]
    pub fn new(client_id: &str) -> Self {
        let mut mqtt = match Options::new(ProtocolVersion::V3_1_1, client_id) {
            Ok(o) => o,
            Err(e) => {
                log::warn!("client id {client_id:?} is not valid MQTT ({e}); generating one");
                let fallback = Options::new(ProtocolVersion::V3_1_1, "");
                fallback.unwrap_or_else(|_| unreachable_options())
            }
        };
        mqtt.connect_timeout = Duration::from_secs(30);
        Self {
            mqtt,
            transport: Transport::Tcp,
            backoff: Backoff::new(Duration::from_secs(1), Duration::from_secs(120)),
            auto_reconnect: true,
            resubscribe: true,
            nodelay: true,
        }
    }

    /// The protocol version (paho's `protocol`).
    #[must_use]
    pub fn protocol(mut self, version: ProtocolVersion) -> Self {
        self.mqtt.version = version;
        self
    }

    /// Clean Session (3.x) / Clean Start (5.0) of the first connection (paho's
    /// `clean_session` / `clean_start`). Reconnects resume the session.
    #[must_use]
    pub fn clean_session(mut self, clean: bool) -> Self {
        self.mqtt.clean_start = clean;
        self
    }

    /// Whether reconnects ask for a clean start too (default false: they resume
    /// the session, so nothing in flight is lost).
    #[must_use]
    pub fn clean_start_on_reconnect(mut self, clean: bool) -> Self {
        self.mqtt.clean_start_on_resume = clean;
        self
    }

    /// Keep alive in seconds (paho's `keepalive` argument of `connect`).
    #[must_use]
    pub fn keepalive(mut self, seconds: u16) -> Self {
        self.mqtt.keep_alive = seconds;
        self
    }

    /// How long `connect` waits for the TCP, TLS and WebSocket handshakes and the
    /// CONNACK.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.mqtt.connect_timeout = timeout;
        self
    }

    /// User name and password (paho's `username_pw_set`). The password never
    /// appears in `Debug` output or logs.
    #[must_use]
    pub fn username_pw(mut self, username: &str, password: impl Into<Bytes>) -> Self {
        self.mqtt = self.mqtt.with_credentials(username, password);
        self
    }

    /// The will message (paho's `will_set`).
    ///
    /// # Errors
    ///
    /// The [`DecodeError`] saying why `topic` is not a valid topic name.
    pub fn will(mut self, topic: &str, payload: impl Into<Bytes>, qos: QoS, retain: bool) -> Result<Self, DecodeError> {
        let topic = TopicName::try_from(topic)?;
        self.mqtt.will =
            Some(Will { topic, payload: payload.into(), qos, retain, properties: WillProperties::default() });
        Ok(self)
    }

    /// MQTT 5 will properties, for a will set with [`will`](Self::will).
    #[must_use]
    pub fn will_properties(mut self, properties: WillProperties) -> Self {
        if let Some(will) = &mut self.mqtt.will {
            will.properties = properties;
        }
        self
    }

    /// MQTT 5 CONNECT properties (session expiry, receive maximum, maximum packet
    /// size, topic alias maximum, user properties, ...).
    #[must_use]
    pub fn properties(mut self, properties: ConnectProperties) -> Self {
        self.mqtt.properties = properties;
        self
    }

    /// Most QoS 1 and 2 messages in flight at once (paho's
    /// `max_inflight_messages_set`, default 20).
    #[must_use]
    pub fn max_inflight_messages(mut self, max: u16) -> Self {
        self.mqtt = self.mqtt.with_max_inflight(max);
        self
    }

    /// Most QoS 1 and 2 messages waiting for the window or for a reconnect
    /// (paho's `max_queued_messages_set`, default 1000).
    #[must_use]
    pub fn max_queued_messages(mut self, max: usize) -> Self {
        self.mqtt = self.mqtt.with_max_queued(max);
        self
    }

    /// Reconnect delays (paho's `reconnect_delay_set`): the first retry waits
    /// `min`, each further one twice as long up to `max`, each with up to 25 %
    /// random jitter so many clients do not reconnect in step.
    #[must_use]
    pub fn reconnect_delay(mut self, min: Duration, max: Duration) -> Self {
        self.backoff = Backoff::new(min, max);
        self
    }

    /// Whether the client reconnects by itself after losing the connection
    /// (default true).
    #[must_use]
    pub fn auto_reconnect(mut self, on: bool) -> Self {
        self.auto_reconnect = on;
        self
    }

    /// Whether the client subscribes again when a reconnect finds the server
    /// lost the session (default true).
    #[must_use]
    pub fn auto_resubscribe(mut self, on: bool) -> Self {
        self.resubscribe = on;
        self
    }

    /// Acknowledge received QoS 1 and 2 messages only when the application
    /// calls the client's `ack` (paho's `manual_ack_set`).
    #[must_use]
    pub fn manual_ack(mut self, on: bool) -> Self {
        self.mqtt = self.mqtt.with_manual_acks(on);
        self
    }

    /// MQTT 5: assign topic aliases to outgoing topics automatically.
    #[must_use]
    pub fn topic_alias_outgoing(mut self, on: bool) -> Self {
        self.mqtt.topic_alias_outgoing = on;
        self
    }

    /// Whether the TCP socket sends each write at once (`TCP_NODELAY`, the
    /// default, as paho sets it) or lets the kernel hold small writes back
    /// while earlier bytes are unacknowledged (Nagle's algorithm, `false`).
    ///
    /// Nagle's algorithm coalesces bursts of small packets into fewer
    /// segments, which keeps the throughput of long QoS 0 streams steadier
    /// (see BENCHMARKS.md), at a price in latency: a publish sent shortly
    /// after another that the broker does not answer (QoS 0) can wait for the
    /// broker's delayed acknowledgement, up to about 40 ms on Linux.
    ///
    /// ```
    /// use mqtt_client_core::ClientOptions;
    ///
    /// assert!(ClientOptions::new("sensor").nodelay());
    /// assert!(!ClientOptions::new("bulk-loader").tcp_nodelay(false).nodelay());
    /// ```
    #[must_use]
    pub fn tcp_nodelay(mut self, on: bool) -> Self {
        self.nodelay = on;
        self
    }

    /// The transport (paho's `transport` and `tls_set`).
    #[must_use]
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }

    /// TLS with these options (paho's `tls_set`); keeps WebSocket if set.
    #[must_use]
    pub fn tls(mut self, tls: TlsOptions) -> Self {
        self.transport = match self.transport {
            Transport::WebSocket(ws) | Transport::SecureWebSocket(ws, _) => Transport::SecureWebSocket(ws, tls),
            _ => Transport::Tls(tls),
        };
        self
    }

    /// WebSocket on `path` with extra headers (paho's `transport="websockets"`
    /// and `ws_set_options`); keeps TLS if set.
    #[must_use]
    pub fn websocket(mut self, ws: WebSocketOptions) -> Self {
        self.transport = match self.transport {
            Transport::Tls(tls) | Transport::SecureWebSocket(_, tls) => Transport::SecureWebSocket(ws, tls),
            _ => Transport::WebSocket(ws),
        };
        self
    }

    /// The underlying sans-IO connection options, for anything not covered here.
    #[must_use]
    pub fn mqtt_options(&mut self) -> &mut Options {
        &mut self.mqtt
    }

    // ---- Getters, for the adapters ----

    /// The underlying sans-IO connection options.
    #[must_use]
    pub fn mqtt(&self) -> &Options {
        &self.mqtt
    }

    /// The transport.
    #[must_use]
    pub fn transport_options(&self) -> &Transport {
        &self.transport
    }

    /// The reconnect policy (delays with jitter).
    #[must_use]
    pub fn backoff(&self) -> Backoff {
        self.backoff
    }

    /// Whether the socket sends each write at once (`TCP_NODELAY`).
    #[must_use]
    pub fn nodelay(&self) -> bool {
        self.nodelay
    }

    /// Whether the client reconnects by itself.
    #[must_use]
    pub fn reconnects(&self) -> bool {
        self.auto_reconnect
    }

    /// Whether the client subscribes again when the server lost the session.
    #[must_use]
    pub fn resubscribes(&self) -> bool {
        self.resubscribe
    }

    /// Fills in a generated client id where the protocol needs one: MQTT 3.1
    /// always, 3.1.1 without clean session.
    pub fn ensure_client_id(&mut self) {
        let needs = match self.mqtt.version {
            ProtocolVersion::V3_1 => true,
            ProtocolVersion::V3_1_1 => !self.mqtt.clean_start,
            ProtocolVersion::V5 => false,
        };
        if needs && self.mqtt.client_id.is_empty() {
            // MQTT 3.1 limits client ids to 23 characters, and every server
            // must accept 1 to 23 of [0-9a-zA-Z] (MQTT-3.1.3-5): stay inside.
            let id: String = "mqttrs".chars().chain(core::iter::repeat_with(fastrand::alphanumeric).take(17)).collect();
            if let Ok(id) = MqttStr::try_from(id) {
                log::info!("generated client id {id}");
                self.mqtt.client_id = id;
            }
        }
    }
}

#[allow(clippy::panic)]
fn unreachable_options() -> Options {
    // An empty client id is always valid MQTT.
    unreachable!("Options::new with an empty client id cannot fail")
}
