//! The streams the application reads: connection events and messages
//! ([`Events`]), and the messages of one route ([`Messages`]).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_lite::Stream;
use mqtt_client_core::ConnectError;
use mqtt_proto::{CloseReason, Connected, Message};

use crate::queue::Queue;

/// What [`Events`] yields, in the order it happened.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// The server accepted a connection: the first one (from
    /// [`connect`](crate::connect)) and every reconnect. When
    /// `session_present` is false after a reconnect, the client subscribes
    /// again by itself (unless auto re-subscribe is off).
    Connected(Connected),
    /// A reconnect attempt failed (and the driver tries again after a delay,
    /// unless auto reconnect is off).
    ConnectFailed(ConnectError),
    /// A connection ended, with why; [`CloseReason::Disconnected`] after
    /// [`Client::disconnect`](crate::Client::disconnect).
    Disconnected(CloseReason),
    /// A message that no route ([`Client::route`](crate::Client::route))
    /// took.
    Message(Message),
}

/// The stream of [`Event`]s of one client, from [`connect`](crate::connect).
///
/// It ends when the driver has ended and every event was read. Nothing is
/// dropped: events wait in an unbounded queue until read (see the crate
/// documentation on back-pressure). Dropping it discards the events that
/// come after; routed messages still reach their routes.
///
/// # Examples
///
/// ```no_run
/// use futures_lite::StreamExt;
/// use mqtt_smol::{ClientOptions, Event};
///
/// # smol::block_on(async {
/// let (client, driver, mut events) = mqtt_smol::connect(ClientOptions::new("demo"), "127.0.0.1", 1883).await?;
/// smol::spawn(driver).detach();
/// while let Some(event) = events.next().await {
///     match event {
///         Event::Message(m) => println!("{}: {:?}", m.topic, m.payload),
///         Event::Disconnected(reason) => println!("disconnected: {reason}"),
///         _ => {}
///     }
/// }
/// # Ok::<(), mqtt_smol::Error>(())
/// # });
/// ```
#[derive(Debug)]
pub struct Events {
    queue: Arc<Queue<Event>>,
}

impl Events {
    pub(crate) fn new(queue: Arc<Queue<Event>>) -> Self {
        Self { queue }
    }

    /// The next event, or `None` once the driver ended and all were read.
    /// Cancel-safe: an event is taken only when this returns it.
    pub async fn recv(&mut self) -> Option<Event> {
        futures_lite::future::poll_fn(|cx| self.queue.poll_pop(cx)).await
    }

    /// The next event if one is waiting.
    pub fn try_recv(&mut self) -> Option<Event> {
        self.queue.try_pop()
    }
}

impl Stream for Events {
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.queue.poll_pop(cx)
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        self.queue.abandon();
    }
}

/// The messages of one route, from [`Client::route`](crate::Client::route).
///
/// Ends when the driver has ended (or the route was removed) and every
/// message was read. Dropping it removes the route: later messages go to
/// other matching routes or to [`Events`].
#[derive(Debug)]
pub struct Messages {
    queue: Arc<Queue<Message>>,
}

impl Messages {
    pub(crate) fn new(queue: Arc<Queue<Message>>) -> Self {
        Self { queue }
    }

    /// The next message, or `None` once the route is gone and all were read.
    /// Cancel-safe: a message is taken only when this returns it.
    pub async fn recv(&mut self) -> Option<Message> {
        futures_lite::future::poll_fn(|cx| self.queue.poll_pop(cx)).await
    }

    /// The next message if one is waiting.
    pub fn try_recv(&mut self) -> Option<Message> {
        self.queue.try_pop()
    }
}

impl Stream for Messages {
    type Item = Message;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        self.queue.poll_pop(cx)
    }
}

impl Drop for Messages {
    fn drop(&mut self) {
        self.queue.abandon();
    }
}
