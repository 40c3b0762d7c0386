//! Tokens: what `publish`, `subscribe` and `unsubscribe` return at once, and
//! the futures of their completions.
//!
//! A token holds a share of a completion that the driver sets; awaiting it
//! only reads that. Dropping a token or its future therefore changes nothing:
//! the packet still goes out and its result is still recorded.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use mqtt_client_core::{Completion, PublishResult, SubscribeResult, UnsubscribeResult};
use mqtt_proto::{PacketId, ReasonCode, Subscribed, Unsubscribed};

use crate::Error;

/// One publish: its packet id, and (awaited) its completion.
///
/// `token.await` (or `token.wait().await`) gives the server's reason code
/// once QoS 1 is acknowledged (PUBACK) or QoS 2 completed (PUBCOMP); QoS 0
/// completes at once. A QoS 1 or 2 publish made while the driver reconnects
/// completes after the reconnect that sends it.
///
/// # Examples
///
/// ```no_run
/// # async fn demo(client: mqtt_smol::Client) -> Result<(), mqtt_smol::Error> {
/// use mqtt_smol::QoS;
///
/// let token = client.publish("t", "x", QoS::AtLeastOnce, false)?;
/// assert!(token.packet_id().is_some());
/// // Racing it against a timer is fine: losing the race loses nothing.
/// let quick = futures_lite::future::or(async { Some(token.wait().await) }, async {
///     async_io::Timer::after(std::time::Duration::from_millis(1)).await;
///     None
/// })
/// .await;
/// if quick.is_none() {
///     token.await?; // still completes
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PublishToken {
    id: Option<PacketId>,
    completion: Arc<Completion<PublishResult>>,
}

impl PublishToken {
    pub(crate) fn new(id: Option<PacketId>, completion: Arc<Completion<PublishResult>>) -> Self {
        Self { id, completion }
    }

    /// The packet id (paho's `mid`); `None` for QoS 0, which has none.
    #[must_use]
    pub fn packet_id(&self) -> Option<PacketId> {
        self.id
    }

    /// Whether the publish completed, successfully or not.
    #[must_use]
    pub fn is_published(&self) -> bool {
        self.completion.is_done()
    }

    /// A future of the completion, leaving the token usable.
    pub fn wait(&self) -> PublishFuture {
        PublishFuture { completion: self.completion.clone() }
    }
}

impl fmt::Debug for PublishToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublishToken").field("packet_id", &self.id).field("result", &self.completion.get()).finish()
    }
}

impl IntoFuture for PublishToken {
    type Output = Result<ReasonCode, Error>;
    type IntoFuture = PublishFuture;

    fn into_future(self) -> PublishFuture {
        PublishFuture { completion: self.completion }
    }
}

/// The completion of a publish: the server's reason code, or
/// [`Error::PublishFailed`] when the server refused the message (MQTT 5) or
/// it could not be sent. Cancel-safe.
#[must_use = "a future does nothing unless awaited; dropping it loses nothing"]
#[derive(Debug)]
pub struct PublishFuture {
    completion: Arc<Completion<PublishResult>>,
}

impl Future for PublishFuture {
    type Output = Result<ReasonCode, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.completion.poll(cx).map(|r| r.map_err(Error::PublishFailed))
    }
}

/// One SUBSCRIBE: its packet id, and (awaited) the SUBACK with the granted
/// QoS or the failure per filter.
#[derive(Clone, Debug)]
pub struct SubscribeToken {
    id: PacketId,
    completion: Arc<Completion<SubscribeResult>>,
}

impl SubscribeToken {
    pub(crate) fn new(id: PacketId, completion: Arc<Completion<SubscribeResult>>) -> Self {
        Self { id, completion }
    }

    /// The packet id.
    #[must_use]
    pub fn packet_id(&self) -> PacketId {
        self.id
    }

    /// A future of the SUBACK, leaving the token usable.
    pub fn wait(&self) -> SubscribeFuture {
        SubscribeFuture { completion: self.completion.clone() }
    }
}

impl IntoFuture for SubscribeToken {
    type Output = Result<Subscribed, Error>;
    type IntoFuture = SubscribeFuture;

    fn into_future(self) -> SubscribeFuture {
        SubscribeFuture { completion: self.completion }
    }
}

/// The SUBACK of a SUBSCRIBE, or [`Error::Closed`] when the connection closed
/// before it. Cancel-safe.
#[must_use = "a future does nothing unless awaited; dropping it loses nothing"]
#[derive(Debug)]
pub struct SubscribeFuture {
    completion: Arc<Completion<SubscribeResult>>,
}

impl Future for SubscribeFuture {
    type Output = Result<Subscribed, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.completion.poll(cx).map(|r| r.map_err(|reason| Error::Closed(Box::new(reason))))
    }
}

/// One UNSUBSCRIBE: its packet id, and (awaited) the UNSUBACK with a result
/// per filter.
#[derive(Clone, Debug)]
pub struct UnsubscribeToken {
    id: PacketId,
    completion: Arc<Completion<UnsubscribeResult>>,
}

impl UnsubscribeToken {
    pub(crate) fn new(id: PacketId, completion: Arc<Completion<UnsubscribeResult>>) -> Self {
        Self { id, completion }
    }

    /// The packet id.
    #[must_use]
    pub fn packet_id(&self) -> PacketId {
        self.id
    }

    /// A future of the UNSUBACK, leaving the token usable.
    pub fn wait(&self) -> UnsubscribeFuture {
        UnsubscribeFuture { completion: self.completion.clone() }
    }
}

impl IntoFuture for UnsubscribeToken {
    type Output = Result<Unsubscribed, Error>;
    type IntoFuture = UnsubscribeFuture;

    fn into_future(self) -> UnsubscribeFuture {
        UnsubscribeFuture { completion: self.completion }
    }
}

/// The UNSUBACK of an UNSUBSCRIBE, or [`Error::Closed`] when the connection
/// closed before it. Cancel-safe.
#[must_use = "a future does nothing unless awaited; dropping it loses nothing"]
#[derive(Debug)]
pub struct UnsubscribeFuture {
    completion: Arc<Completion<UnsubscribeResult>>,
}

impl Future for UnsubscribeFuture {
    type Output = Result<Unsubscribed, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.completion.poll(cx).map(|r| r.map_err(|reason| Error::Closed(Box::new(reason))))
    }
}
