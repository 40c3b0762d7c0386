//! One-shot helpers, like paho's `publish.single` / `publish.multiple` and
//! `subscribe.simple` / `subscribe.callback`.

/// Publish without keeping a client (paho's `paho.mqtt.publish`).
pub mod publish {
    use bytes::Bytes;
    use mqtt_proto::QoS;

    use crate::{Client, ClientOptions, Error};

    /// One message for [`multiple`] (the same type as mqtt-smol's).
    pub use mqtt_client_core::OutMessage;

    /// Connects, publishes one message, waits until it completed, disconnects
    /// (paho's `publish.single`).
    ///
    /// # Errors
    ///
    /// Connecting or publishing failed, or a QoS 1 or 2 message was not
    /// acknowledged within the connect timeout.
    pub fn single(
        topic: &str,
        payload: impl Into<Bytes>,
        qos: QoS,
        retain: bool,
        host: &str,
        port: u16,
        options: ClientOptions,
    ) -> Result<(), Error> {
        multiple([OutMessage::new(topic, payload, qos, retain)], host, port, options)
    }

    /// Connects, publishes every message in order, waits until all completed,
    /// disconnects (paho's `publish.multiple`).
    ///
    /// # Errors
    ///
    /// As [`single`].
    pub fn multiple(
        messages: impl IntoIterator<Item = OutMessage>,
        host: &str,
        port: u16,
        options: ClientOptions,
    ) -> Result<(), Error> {
        let wait = mqtt_client_core::completion_wait(&options);
        let client = Client::new(options);
        client.connect(host, port)?;
        let result = (|| {
            let mut tokens = Vec::new();
            for m in messages {
                tokens.push(client.publish(&m.topic, m.payload, m.qos, m.retain)?);
            }
            for t in tokens {
                t.wait_for_publish(wait)?;
            }
            Ok(())
        })();
        client.disconnect()?;
        result
    }
}

/// Subscribe without keeping a client (paho's `paho.mqtt.subscribe`).
pub mod subscribe {
    use std::ops::ControlFlow;
    use std::sync::mpsc;
    use std::time::Duration;

    use mqtt_client_core::Collector;
    use mqtt_proto::Message;

    use crate::{Client, ClientOptions, Error, IntoSubscriptions};

    /// Connects, subscribes, returns the first `count` messages, disconnects
    /// (paho's `subscribe.simple`). Retained messages count only when `retained`
    /// is true.
    ///
    /// # Errors
    ///
    /// Connecting or subscribing failed, or the client disconnected for good
    /// before `count` messages arrived.
    pub fn simple(
        topics: impl IntoSubscriptions,
        count: usize,
        retained: bool,
        host: &str,
        port: u16,
        options: ClientOptions,
    ) -> Result<Vec<Message>, Error> {
        let mut collector = Collector::new(count, retained);
        if !collector.is_full() {
            callback(|_, m| collector.offer(m), topics, host, port, options)?;
        }
        Ok(collector.into_messages())
    }

    /// Connects, subscribes, and calls `f` for every message until it returns
    /// [`ControlFlow::Break`], then disconnects (paho's `subscribe.callback`,
    /// which runs forever; this one stops when asked).
    ///
    /// # Errors
    ///
    /// Connecting or subscribing failed ([`Error::SubscribeRefused`] when the
    /// server refused a subscription), or the client disconnected for good.
    pub fn callback(
        mut f: impl FnMut(&Client, &Message) -> ControlFlow<()>,
        topics: impl IntoSubscriptions,
        host: &str,
        port: u16,
        options: ClientOptions,
    ) -> Result<(), Error> {
        let client = Client::new(options);
        let (tx, rx) = mpsc::channel();
        client.on_message(move |_, m| {
            let _ = tx.send(m.clone());
        });
        let (suback_tx, suback) = mpsc::channel();
        client.on_subscribe(move |_, _, results| {
            let refused = results.iter().find_map(|r| r.err());
            let _ = suback_tx.send(refused);
        });
        client.connect(host, port)?;
        client.subscribe(topics)?;
        let result = loop {
            if let Err(e) = client.loop_once(Duration::from_millis(100)) {
                break Err(e);
            }
            // A refused subscription: no message can come.
            if let Ok(Some(code)) = suback.try_recv() {
                break Err(Error::SubscribeRefused(code));
            }
            let mut stop = false;
            while let Ok(m) = rx.try_recv() {
                if f(&client, &m).is_break() {
                    stop = true;
                    break;
                }
            }
            if stop {
                break Ok(());
            }
        };
        client.disconnect()?;
        result
    }
}
