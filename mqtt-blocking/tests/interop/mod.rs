//! Helpers for the mosquitto interop tests: a client whose callbacks report on
//! channels, and (from mqtt-testkit) a TCP proxy whose connections a test can
//! cut to simulate a network failure.

#![allow(dead_code, clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::sync::mpsc::{self, Receiver};

use mqtt_blocking::{
    Client, ClientOptions, CloseReason, ConnectFlags, IntoSubscriptions, Message, PacketId, QoS, ReasonCode,
};

pub(crate) use mqtt_testkit::interop::{TIMEOUT, VERSIONS, options, persistent, recv, start, tag};

type SubAck = (PacketId, Vec<Result<QoS, ReasonCode>>);

/// A client whose callbacks (run by `loop_start`'s thread) send what they see
/// on channels.
pub(crate) struct Probe {
    pub(crate) client: Client,
    pub(crate) messages: Receiver<Message>,
    pub(crate) connects: Receiver<(ConnectFlags, ReasonCode)>,
    pub(crate) disconnects: Receiver<CloseReason>,
    pub(crate) published: Receiver<(PacketId, ReasonCode)>,
    subacks: Receiver<SubAck>,
}

impl Probe {
    /// A client with channel-reporting callbacks and its callback loop running;
    /// not connected yet.
    pub(crate) fn new(options: ClientOptions) -> Self {
        let client = Client::new(options);
        let (message_tx, messages) = mpsc::channel();
        client.on_message(move |_, m| {
            let _ = message_tx.send(m.clone());
        });
        let (connect_tx, connects) = mpsc::channel();
        client.on_connect(move |_, flags, rc, _| {
            let _ = connect_tx.send((flags, rc));
        });
        let (disconnect_tx, disconnects) = mpsc::channel();
        client.on_disconnect(move |_, reason| {
            let _ = disconnect_tx.send(reason.clone());
        });
        let (published_tx, published) = mpsc::channel();
        client.on_publish(move |_, id, rc| {
            let _ = published_tx.send((id, rc));
        });
        let (suback_tx, subacks) = mpsc::channel();
        client.on_subscribe(move |_, id, results| {
            let _ = suback_tx.send((id, results.to_vec()));
        });
        client.loop_start().expect("loop_start");
        Self { client, messages, connects, disconnects, published, subacks }
    }

    /// Connects (blocking until CONNACK) and checks `on_connect` saw it.
    #[track_caller]
    pub(crate) fn connect(&self, host: &str, port: u16) -> ConnectFlags {
        let flags = self.client.connect(host, port).unwrap_or_else(|e| panic!("connect to {host}:{port}: {e}"));
        let (seen, rc) = recv(&self.connects, "on_connect");
        assert_eq!((seen, rc), (flags, ReasonCode::Success));
        flags
    }

    /// Subscribes and waits for the SUBACK; returns the result per filter.
    #[track_caller]
    pub(crate) fn subscribe(&self, subscriptions: impl IntoSubscriptions) -> Vec<Result<QoS, ReasonCode>> {
        let id = self.client.subscribe(subscriptions).expect("subscribe");
        let (acked, results) = recv(&self.subacks, "on_subscribe");
        assert_eq!(acked, id, "SUBACK for another SUBSCRIBE");
        results
    }

    /// The next message, failing the test after [`TIMEOUT`].
    #[track_caller]
    pub(crate) fn next_message(&self) -> Message {
        recv(&self.messages, "a message")
    }

    /// Every message up to and including the first one on `topic`.
    #[track_caller]
    pub(crate) fn messages_until(&self, topic: &str) -> Vec<Message> {
        let mut got = Vec::new();
        loop {
            let m = recv(&self.messages, &format!("a message on {topic} (so far: {:?})", topics(&got)));
            let done = m.topic.as_str() == topic;
            got.push(m);
            if done {
                return got;
            }
        }
    }

    /// Disconnects cleanly and waits for `on_disconnect`.
    #[track_caller]
    pub(crate) fn disconnect(&self) {
        self.client.disconnect().expect("disconnect");
        assert_eq!(recv(&self.disconnects, "on_disconnect"), CloseReason::Disconnected);
    }
}

/// The topics of `messages`, for failure messages.
pub(crate) fn topics(messages: &[Message]) -> Vec<&str> {
    messages.iter().map(|m| m.topic.as_str()).collect()
}

/// The proxy whose connections a test can cut lives in mqtt-testkit, shared
/// with mqtt-smol's interop tests.
pub(crate) use mqtt_testkit::CutProxy;
