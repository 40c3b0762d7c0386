//! Helpers for the mosquitto interop tests of the async client: a client whose
//! events a task on smol's executor forwards to std channels, so the scenarios
//! read like mqtt-blocking's.

#![allow(dead_code)]

use std::sync::mpsc::{self, Receiver};

use mqtt_smol::{Client, ClientOptions, CloseReason, Event, IntoSubscriptions, Message, QoS, ReasonCode};

pub(crate) use mqtt_testkit::interop::{TIMEOUT, VERSIONS, options, persistent, recv, start, tag};

/// `fut`'s output within [`TIMEOUT`], or the test fails.
#[track_caller]
pub(crate) fn within<F: std::future::IntoFuture>(what: &str, fut: F) -> F::Output {
    let fut = fut.into_future();
    let out = smol::block_on(futures_lite::future::or(async { Some(fut.await) }, async {
        async_io::Timer::after(TIMEOUT).await;
        None
    }));
    out.unwrap_or_else(|| panic!("timed out after {TIMEOUT:?} waiting for {what}"))
}

/// A connected client, its driver and an event forwarder on smol's executor.
pub(crate) struct Probe {
    pub(crate) client: Client,
    pub(crate) messages: Receiver<Message>,
    /// Session Present of each CONNACK after the first.
    pub(crate) connects: Receiver<bool>,
    pub(crate) disconnects: Receiver<CloseReason>,
    driver: Option<smol::Task<()>>,
}

impl Probe {
    /// Connects and returns the probe and Session Present.
    #[track_caller]
    pub(crate) fn connect(options: ClientOptions, host: &str, port: u16) -> (Self, bool) {
        let result = within("connect", mqtt_smol::connect(options, host, port));
        let (client, driver, mut events) = result.unwrap_or_else(|e| panic!("connect to {host}:{port}: {e}"));
        let driver = smol::spawn(driver);
        let session_present = match within("the first event", events.recv()) {
            Some(Event::Connected(c)) => c.session_present,
            other => panic!("the first event is not Connected: {other:?}"),
        };
        let (message_tx, messages) = mpsc::channel();
        let (connect_tx, connects) = mpsc::channel();
        let (disconnect_tx, disconnects) = mpsc::channel();
        smol::spawn(async move {
            while let Some(event) = events.recv().await {
                let _ = match event {
                    Event::Message(m) => message_tx.send(m).is_ok(),
                    Event::Connected(c) => connect_tx.send(c.session_present).is_ok(),
                    Event::Disconnected(r) => disconnect_tx.send(r).is_ok(),
                    _ => true,
                };
            }
        })
        .detach();
        (Self { client, messages, connects, disconnects, driver: Some(driver) }, session_present)
    }

    /// Subscribes and waits for the SUBACK; returns the result per filter.
    #[track_caller]
    pub(crate) fn subscribe(&self, subscriptions: impl IntoSubscriptions) -> Vec<Result<QoS, ReasonCode>> {
        let token = self.client.subscribe(subscriptions).expect("subscribe");
        within("SUBACK", token).expect("SUBACK").results
    }

    /// Publishes and waits for the completion.
    #[track_caller]
    pub(crate) fn publish(&self, topic: &str, payload: impl Into<bytes::Bytes>, qos: QoS, retain: bool) -> ReasonCode {
        let token = self.client.publish(topic, payload, qos, retain).expect("publish");
        within("the publish to complete", token).expect("publish completes")
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

    /// Disconnects cleanly, waits for the Disconnected event and the driver.
    #[track_caller]
    pub(crate) fn disconnect(&mut self) {
        within("disconnect", self.client.disconnect()).expect("disconnect");
        assert_eq!(recv(&self.disconnects, "Disconnected"), CloseReason::Disconnected);
        if let Some(driver) = self.driver.take() {
            within("the driver to end", driver);
        }
    }
}

/// The topics of `messages`, for failure messages.
pub(crate) fn topics(messages: &[Message]) -> Vec<&str> {
    messages.iter().map(|m| m.topic.as_str()).collect()
}
