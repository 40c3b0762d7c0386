//! Connecting, and the client handle's commands.

use std::future::Future;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use async_io::Timer;
use bytes::Bytes;
use futures_lite::future;
use mqtt_client_core::{ClientOptions, IntoFilters, IntoSubscriptions, Status};
use mqtt_proto::{
    DisconnectProperties, PacketId, PublishProperties, QoS, ReasonCode, State, SubscribeProperties, TopicName,
    UnsubscribeProperties,
};

use crate::Error;
use crate::driver::{self, Driver};
use crate::events::{Events, Messages};
use crate::queue::Queue;
use crate::shared::{Inner, Shared};
use crate::token::{PublishToken, SubscribeToken, UnsubscribeToken};

/// Connects to `host:port` and waits for the CONNACK: TCP, then the TLS and
/// WebSocket handshakes the options ask for, then CONNECT.
///
/// Returns the client handle (cloneable, `Send`), the [`Driver`] that does the
/// network work from now on (spawn it or await it; nothing happens on the
/// network without it), and the [`Events`] stream, whose first event is the
/// [`Event::Connected`](crate::Event::Connected) of this connection.
///
/// Cancel-safe: dropping the future before it completes closes whatever it
/// opened; nothing was handed out yet.
///
/// # Errors
///
/// [`Error::Connect`] saying why: the name did not resolve, the TCP connection
/// was refused, TLS or the WebSocket upgrade failed, no CONNACK within the
/// connect timeout, or the server refused (with its reason code).
///
/// # Examples
///
/// ```no_run
/// use mqtt_smol::{ClientOptions, QoS};
///
/// # smol::block_on(async {
/// let (client, driver, _events) = mqtt_smol::connect(ClientOptions::new("demo"), "127.0.0.1", 1883).await?;
/// smol::spawn(driver).detach();
/// let token = client.publish("hello", "world", QoS::AtLeastOnce, false)?;
/// println!("sent as packet {:?}", token.packet_id());
/// token.await?; // PUBACK
/// client.disconnect().await?;
/// # Ok::<(), mqtt_smol::Error>(())
/// # });
/// ```
pub async fn connect(options: ClientOptions, host: &str, port: u16) -> Result<(Client, Driver, Events), Error> {
    let queue = Arc::new(Queue::new());
    let shared = Arc::new(Shared::new(options, queue.clone()));
    let mut io = driver::establish(&shared, host, port).await?;
    let outcome = driver::serve(&shared, &mut io, true).await;
    if outcome.closed {
        let e = driver::connect_error(&shared.lock(), outcome.failure);
        return Err(e.into());
    }
    let client = Client { handle: Arc::new(Handle { shared: shared.clone() }) };
    let driver = Driver::new(shared, io, host.to_owned(), port);
    Ok((client, driver, Events::new(queue)))
}

/// What the user's handles share; dropping the last one disconnects.
#[derive(Debug)]
struct Handle {
    shared: Arc<Shared>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        let mut inner = self.shared.lock();
        close(&mut inner, &self.shared, ReasonCode::Success, DisconnectProperties::default());
        drop(inner);
        self.shared.driver.notify();
        self.shared.changed.notify_all();
    }
}

/// Asks the driver to end after a DISCONNECT.
fn close(inner: &mut Inner, shared: &Shared, reason: ReasonCode, properties: DisconnectProperties) {
    inner.closing = true;
    inner.state.set_status(Status::Disconnected);
    if let Some(conn) = inner.state.conn_mut() {
        match conn.state() {
            State::Connected => conn.disconnect_with(reason, properties),
            // Before CONNACK a DISCONNECT is not allowed: just close.
            State::Connecting => conn.handle_eof(shared.now()),
            State::Closed => {}
        }
    }
}

/// An async MQTT client handle, from [`connect`].
///
/// Clone it freely (it is `Send` and `Sync`); dropping the last handle
/// disconnects. Commands decide at once, under a short lock that is never
/// held across an `.await`, and return a token; the [`Driver`] does the I/O.
/// Every future the client returns is cancel-safe (see the crate
/// documentation).
#[derive(Clone, Debug)]
pub struct Client {
    handle: Arc<Handle>,
}

impl Client {
    fn shared(&self) -> &Shared {
        &self.handle.shared
    }

    /// Runs `f` on the state, then wakes the driver.
    fn command<T>(&self, f: impl FnOnce(&mut Inner) -> Result<T, Error>) -> Result<T, Error> {
        let mut inner = self.shared().lock();
        if inner.closing || inner.driver_done {
            return Err(Error::NotConnected);
        }
        let result = f(&mut inner);
        drop(inner);
        self.shared().driver.notify();
        result
    }

    /// Publishes `payload` to `topic` and returns a token with the packet id
    /// at once; the token is a future of the completion (QoS 1: PUBACK; QoS 2:
    /// PUBCOMP; QoS 0: at once, when handed to the connection).
    ///
    /// QoS 1 and 2 publishes made while the driver reconnects are queued (up to
    /// `max_queued_messages`) and sent after the reconnect. Dropping the token
    /// or its future loses nothing: the message is sent all the same.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTopic`]; [`Error::NotConnected`] for QoS 0 without a
    /// connection, or after [`disconnect`](Self::disconnect);
    /// [`Error::Command`] when the queue is full or the server's limits forbid
    /// the message.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo(client: mqtt_smol::Client) -> Result<(), mqtt_smol::Error> {
    /// use mqtt_smol::QoS;
    ///
    /// let token = client.publish("sensors/1", "21.5", QoS::ExactlyOnce, false)?;
    /// let id = token.packet_id().expect("QoS 2 has an id");
    /// let reason = token.await?; // PUBCOMP
    /// # Ok(()) }
    /// ```
    pub fn publish(
        &self,
        topic: &str,
        payload: impl Into<Bytes>,
        qos: QoS,
        retain: bool,
    ) -> Result<PublishToken, Error> {
        self.publish_with_properties(topic, payload, qos, retain, PublishProperties::default())
    }

    /// [`publish`](Self::publish) with MQTT 5 properties.
    ///
    /// # Errors
    ///
    /// As [`publish`](Self::publish).
    pub fn publish_with_properties(
        &self,
        topic: &str,
        payload: impl Into<Bytes>,
        qos: QoS,
        retain: bool,
        properties: PublishProperties,
    ) -> Result<PublishToken, Error> {
        let topic = TopicName::try_from(topic)?;
        let payload = payload.into();
        self.command(|inner| {
            let (id, completion) = inner.state.publish(topic, payload, qos, retain, properties)?;
            Ok(PublishToken::new(id, completion))
        })
    }

    /// Subscribes: one `(filter, qos)` pair, or a list of them; MQTT 5
    /// subscription options in place of a QoS. The token is a future of the
    /// SUBACK, with the granted QoS or failure per filter.
    ///
    /// Granted filters are subscribed again by themselves when a reconnect
    /// finds the server lost the session.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTopic`], [`Error::NotConnected`], [`Error::Command`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo(client: mqtt_smol::Client) -> Result<(), mqtt_smol::Error> {
    /// use mqtt_smol::QoS;
    ///
    /// let suback = client.subscribe([("a/#", QoS::AtLeastOnce), ("b", QoS::AtMostOnce)])?.await?;
    /// assert_eq!(suback.results.len(), 2);
    /// # Ok(()) }
    /// ```
    pub fn subscribe(&self, subscriptions: impl IntoSubscriptions) -> Result<SubscribeToken, Error> {
        self.subscribe_with_properties(subscriptions, SubscribeProperties::default())
    }

    /// [`subscribe`](Self::subscribe) with MQTT 5 properties (subscription
    /// identifier, user properties).
    ///
    /// # Errors
    ///
    /// As [`subscribe`](Self::subscribe).
    pub fn subscribe_with_properties(
        &self,
        subscriptions: impl IntoSubscriptions,
        properties: SubscribeProperties,
    ) -> Result<SubscribeToken, Error> {
        let subs = subscriptions.into_subscriptions()?;
        self.command(|inner| {
            let (id, completion) = inner.state.subscribe(subs, properties)?;
            Ok(SubscribeToken::new(id, completion))
        })
    }

    /// Unsubscribes from one filter or a list; the token is a future of the
    /// UNSUBACK.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTopic`], [`Error::NotConnected`], [`Error::Command`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo(client: mqtt_smol::Client) -> Result<(), mqtt_smol::Error> {
    /// let unsuback = client.unsubscribe(["a/#", "b"])?.await?;
    /// assert_eq!(unsuback.results.len(), 2);
    /// # Ok(()) }
    /// ```
    pub fn unsubscribe(&self, filters: impl IntoFilters) -> Result<UnsubscribeToken, Error> {
        self.unsubscribe_with_properties(filters, UnsubscribeProperties::default())
    }

    /// [`unsubscribe`](Self::unsubscribe) with MQTT 5 properties.
    ///
    /// # Errors
    ///
    /// As [`unsubscribe`](Self::unsubscribe).
    pub fn unsubscribe_with_properties(
        &self,
        filters: impl IntoFilters,
        properties: UnsubscribeProperties,
    ) -> Result<UnsubscribeToken, Error> {
        let filters = filters.into_filters()?;
        self.command(|inner| {
            let (id, completion) = inner.state.unsubscribe(filters, properties)?;
            Ok(UnsubscribeToken::new(id, completion))
        })
    }

    /// Acknowledges a received QoS 1 or 2 message when manual acks are on
    /// ([`ClientOptions::manual_ack`]); acks still go out in arrival order.
    ///
    /// # Errors
    ///
    /// [`Error::Command`] when no message awaits this acknowledgement.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use mqtt_smol::{ClientOptions, Event};
    ///
    /// # smol::block_on(async {
    /// let options = ClientOptions::new("worker").manual_ack(true);
    /// let (client, driver, mut events) = mqtt_smol::connect(options, "127.0.0.1", 1883).await?;
    /// smol::spawn(driver).detach();
    /// while let Some(event) = events.recv().await {
    ///     if let Event::Message(m) = event {
    ///         // ... store the message, then:
    ///         if let Some(id) = m.packet_id {
    ///             client.ack(id)?;
    ///         }
    ///     }
    /// }
    /// # Ok::<(), mqtt_smol::Error>(())
    /// # });
    /// ```
    pub fn ack(&self, packet_id: PacketId) -> Result<(), Error> {
        self.command(|inner| inner.state.ack(packet_id).map_err(Error::from))
    }

    /// Routes messages whose topic matches `filter` to the returned stream
    /// instead of [`Events`] (paho's `message_callback_add`; the filter
    /// need not be one subscribed to). A message goes to every matching route;
    /// one no route matches goes to [`Events`]. Routing `filter` again
    /// replaces its route.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTopic`] when `filter` is not a valid topic filter.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo(client: mqtt_smol::Client) -> Result<(), mqtt_smol::Error> {
    /// use mqtt_smol::QoS;
    ///
    /// let mut temperatures = client.route("sensors/+/temperature")?;
    /// client.subscribe(("sensors/#", QoS::AtLeastOnce))?.await?;
    /// while let Some(m) = temperatures.recv().await {
    ///     println!("{}: {:?}", m.topic, m.payload);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn route(&self, filter: &str) -> Result<Messages, Error> {
        let queue = Arc::new(Queue::new());
        let mut inner = self.shared().lock();
        inner.routes.add(filter, queue.clone())?;
        if inner.driver_done {
            queue.close();
            inner.routes.remove(filter);
        }
        Ok(Messages::new(queue))
    }

    /// Removes the route of `filter`; its stream ends after what it holds.
    /// True when there was one.
    pub fn unroute(&self, filter: &str) -> bool {
        let removed = self.shared().lock().routes.remove(filter);
        removed.map(|queue| queue.close()).is_some()
    }

    /// Whether the client is connected now.
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.shared().lock().state.status() == Status::Connected
    }

    /// QoS 1 and 2 publishes not completed yet (in flight or queued).
    #[must_use]
    pub fn unfinished_publishes(&self) -> usize {
        self.shared().lock().state.unfinished_publishes()
    }

    /// Waits until the client is connected (at once if it is). Cancel-safe.
    ///
    /// # Errors
    ///
    /// [`Error::NotConnected`] once the client is disconnected for good.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo(client: mqtt_smol::Client) -> Result<(), mqtt_smol::Error> {
    /// use std::time::Duration;
    ///
    /// // After a connection loss: wait for the driver's reconnect, at most 10 s.
    /// let reconnected = futures_lite::future::or(async { Some(client.connected().await) }, async {
    ///     async_io::Timer::after(Duration::from_secs(10)).await;
    ///     None
    /// })
    /// .await;
    /// # Ok(()) }
    /// ```
    pub async fn connected(&self) -> Result<(), Error> {
        wait_for(self.shared(), |inner| match inner.state.status() {
            Status::Connected => Some(Ok(())),
            _ if inner.closing || inner.driver_done => Some(Err(Error::NotConnected)),
            _ => None,
        })
        .await
    }

    /// Disconnects cleanly: waits until the QoS 1 and 2 publishes made so far
    /// completed (at most the connect timeout of the options), then sends
    /// DISCONNECT; the driver ends once it is written. See
    /// [`disconnect_with`](Self::disconnect_with).
    ///
    /// # Errors
    ///
    /// As [`disconnect_with`](Self::disconnect_with).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo(client: mqtt_smol::Client) -> Result<(), mqtt_smol::Error> {
    /// use mqtt_smol::QoS;
    ///
    /// let _token = client.publish("t", "last words", QoS::AtLeastOnce, false)?;
    /// // Returns once the PUBACK came and the DISCONNECT was written.
    /// client.disconnect().await?;
    /// # Ok(()) }
    /// ```
    pub async fn disconnect(&self) -> Result<(), Error> {
        self.disconnect_with(ReasonCode::Success, DisconnectProperties::default()).await
    }

    /// Disconnects with an MQTT 5 reason code and properties (for example
    /// [`ReasonCode::DisconnectWithWillMessage`]), after flushing as
    /// [`disconnect`](Self::disconnect) does.
    ///
    /// Cancel-safe: dropped while it waits for the flush, nothing changed and
    /// the client stays connected; dropped after, the disconnect goes on.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] when publishes were still unfinished after the
    /// connect timeout (the client disconnects anyway; their tokens fail);
    /// [`Error::NotConnected`] when the client was disconnected already.
    pub async fn disconnect_with(&self, reason: ReasonCode, properties: DisconnectProperties) -> Result<(), Error> {
        let limit = {
            let inner = self.shared().lock();
            if inner.closing || inner.driver_done {
                return Err(Error::NotConnected);
            }
            inner.state.options().mqtt().connect_timeout
        };
        let flushed = with_limit(
            limit,
            wait_for(self.shared(), |inner| {
                let done = inner.state.unfinished_publishes() == 0 || inner.closing || inner.driver_done;
                done.then_some(())
            }),
        )
        .await
        .is_some();
        {
            let mut inner = self.shared().lock();
            if !inner.closing {
                close(&mut inner, self.shared(), reason, properties);
            }
        }
        self.shared().driver.notify();
        self.shared().changed.notify_all();
        // Until the driver wrote the DISCONNECT and ended (bounded: the driver
        // may not be polled at all).
        let _ = with_limit(limit, wait_for(self.shared(), |inner| inner.driver_done.then_some(()))).await;
        if flushed { Ok(()) } else { Err(Error::Timeout) }
    }
}

/// Waits until `check` gives a value, looking again whenever the state
/// changes. Registers under the state lock, so no change is missed.
async fn wait_for<T>(shared: &Shared, mut check: impl FnMut(&Inner) -> Option<T>) -> T {
    future::poll_fn(|cx| {
        let inner = shared.lock();
        if let Some(t) = check(&inner) {
            return Poll::Ready(t);
        }
        shared.changed.register(cx.waker());
        Poll::Pending
    })
    .await
}

/// `fut`'s output, or `None` after `limit`.
async fn with_limit<T>(limit: Duration, fut: impl Future<Output = T>) -> Option<T> {
    future::or(async { Some(fut.await) }, async {
        Timer::after(limit).await;
        None
    })
    .await
}
