//! One-shot helpers, like paho's `publish.single` / `publish.multiple` and
//! `subscribe.simple` / `subscribe.callback`, and mqtt-blocking's of the same
//! names. Each runs its client's driver alongside its own work, in the same
//! task: nothing is spawned.

use std::future::Future;
use std::time::Duration;

use async_io::Timer;
use futures_lite::future;

use crate::{Client, Driver, Error};

/// Runs `work` with the client's driver alongside, then disconnects (also when
/// `work` failed) and lets the driver finish.
async fn with_client<T>(
    client: Client,
    driver: Driver,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let work = async {
        let result = work.await;
        let closed = client.disconnect().await;
        // The work's error says more than the disconnect's.
        let value = result?;
        match closed {
            Ok(()) | Err(Error::NotConnected) => Ok(value),
            Err(e) => Err(e),
        }
    };
    future::zip(work, driver).await.0
}

/// `fut`'s output, or [`Error::Timeout`] after `limit`.
async fn limited<T>(limit: Duration, fut: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    future::or(fut, async {
        Timer::after(limit).await;
        Err(Error::Timeout)
    })
    .await
}

/// Publish without keeping a client (paho's `paho.mqtt.publish`).
pub mod publish {
    use bytes::Bytes;
    use mqtt_proto::QoS;

    use crate::{ClientOptions, Error};

    /// One message for [`multiple`] (the same type as mqtt-blocking's).
    pub use mqtt_client_core::OutMessage;

    /// Connects, publishes one message, waits until it completed, disconnects
    /// (paho's `publish.single`).
    ///
    /// # Errors
    ///
    /// Connecting or publishing failed, or a QoS 1 or 2 message was not
    /// acknowledged within the connect timeout.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use mqtt_smol::{ClientOptions, QoS};
    ///
    /// # smol::block_on(async {
    /// mqtt_smol::publish::single("status", "up", QoS::AtLeastOnce, true, "127.0.0.1", 1883, ClientOptions::new(""))
    ///     .await?;
    /// # Ok::<(), mqtt_smol::Error>(())
    /// # });
    /// ```
    pub async fn single(
        topic: &str,
        payload: impl Into<Bytes>,
        qos: QoS,
        retain: bool,
        host: &str,
        port: u16,
        options: ClientOptions,
    ) -> Result<(), Error> {
        multiple([OutMessage::new(topic, payload, qos, retain)], host, port, options).await
    }

    /// Connects, publishes every message in order, waits until all completed,
    /// disconnects (paho's `publish.multiple`).
    ///
    /// # Errors
    ///
    /// As [`single`].
    pub async fn multiple(
        messages: impl IntoIterator<Item = OutMessage>,
        host: &str,
        port: u16,
        options: ClientOptions,
    ) -> Result<(), Error> {
        let wait = mqtt_client_core::completion_wait(&options);
        let (client, driver, _events) = crate::connect(options, host, port).await?;
        let work = async {
            let mut tokens = Vec::new();
            for m in messages {
                tokens.push(client.publish(&m.topic, m.payload, m.qos, m.retain)?);
            }
            for t in tokens {
                super::limited(wait, async { t.await.map(|_| ()) }).await?;
            }
            Ok(())
        };
        super::with_client(client.clone(), driver, work).await
    }
}

/// Subscribe without keeping a client (paho's `paho.mqtt.subscribe`).
pub mod subscribe {
    use std::ops::ControlFlow;

    use mqtt_client_core::Collector;
    use mqtt_proto::Message;

    use crate::{Client, ClientOptions, Error, Event, IntoSubscriptions};

    /// Connects, subscribes, returns the first `count` messages, disconnects
    /// (paho's `subscribe.simple`). Retained messages count only when
    /// `retained` is true.
    ///
    /// # Errors
    ///
    /// Connecting or subscribing failed, or the client disconnected for good
    /// before `count` messages arrived.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use mqtt_smol::{ClientOptions, QoS};
    ///
    /// # smol::block_on(async {
    /// let news = mqtt_smol::subscribe::simple(("news/#", QoS::AtLeastOnce), 3, false, "127.0.0.1", 1883, ClientOptions::new(""))
    ///     .await?;
    /// assert_eq!(news.len(), 3);
    /// # Ok::<(), mqtt_smol::Error>(())
    /// # });
    /// ```
    pub async fn simple(
        topics: impl IntoSubscriptions,
        count: usize,
        retained: bool,
        host: &str,
        port: u16,
        options: ClientOptions,
    ) -> Result<Vec<Message>, Error> {
        let mut collector = Collector::new(count, retained);
        if !collector.is_full() {
            callback(|_, m| collector.offer(m), topics, host, port, options).await?;
        }
        Ok(collector.into_messages())
    }

    /// Connects, subscribes, and calls `f` for every message until it returns
    /// [`ControlFlow::Break`], then disconnects (paho's `subscribe.callback`,
    /// which runs forever; this one stops when asked).
    ///
    /// `f` runs in the task that awaits this, which also polls the driver:
    /// keep it short (or use [`connect`](crate::connect), spawn the driver and
    /// read the events yourself).
    ///
    /// # Errors
    ///
    /// Connecting or subscribing failed, or the client disconnected for good.
    pub async fn callback(
        mut f: impl FnMut(&Client, &Message) -> ControlFlow<()>,
        topics: impl IntoSubscriptions,
        host: &str,
        port: u16,
        options: ClientOptions,
    ) -> Result<(), Error> {
        let subscriptions = topics.into_subscriptions()?;
        let (client, driver, mut events) = crate::connect(options, host, port).await?;
        let work = async {
            let suback = client.subscribe(subscriptions)?.await?;
            if let Some(Err(code)) = suback.results.iter().find(|r| r.is_err()) {
                return Err(Error::SubscribeRefused(*code));
            }
            while let Some(event) = events.recv().await {
                if let Event::Message(m) = event {
                    if f(&client, &m).is_break() {
                        return Ok(());
                    }
                }
            }
            Err(Error::NotConnected)
        };
        super::with_client(client.clone(), driver, work).await
    }
}
