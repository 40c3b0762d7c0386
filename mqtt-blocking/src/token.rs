//! Publish tokens (paho's `MQTTMessageInfo`).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mqtt_proto::{PacketId, ReasonCode};

use crate::Error;
use crate::core::{Inner, TokenState};

/// The handle of one publish: its packet id, whether it completed, and a way to
/// wait for it.
///
/// QoS 0 publishes complete when written to the network; QoS 1 on PUBACK, QoS 2
/// on PUBCOMP. A QoS 1 or 2 publish made while disconnected completes after the
/// reconnect that sends it.
#[derive(Clone)]
pub struct PublishToken {
    pub(crate) id: Option<PacketId>,
    pub(crate) state: Arc<TokenState>,
    pub(crate) inner: Arc<Inner>,
}

impl PublishToken {
    /// The packet id (paho's `mid`); `None` for QoS 0, which has none.
    #[must_use]
    pub fn packet_id(&self) -> Option<PacketId> {
        self.id
    }

    /// Whether the publish completed, successfully or not (paho's
    /// `is_published()`).
    #[must_use]
    pub fn is_published(&self) -> bool {
        self.state.is_done()
    }

    /// Waits up to `timeout` for the publish to complete (paho's
    /// `wait_for_publish(timeout)`).
    ///
    /// From a callback of this client it does not wait: it returns the result
    /// if the publish is complete, else [`Error::InCallback`] at once (paho
    /// hangs there). While a callback waits, no other callback of the client
    /// runs, `on_publish` included; react to completions in `on_publish`
    /// instead, or wait on another thread.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`]; [`Error::PublishFailed`] when the server refused
    /// the message or it could not be sent; [`Error::InCallback`] from a
    /// callback of this client while the publish is not complete.
    pub fn wait_for_publish(&self, timeout: Duration) -> Result<ReasonCode, Error> {
        let deadline = Instant::now() + timeout;
        let in_callback = crate::callbacks::in_callback_of(&self.inner);
        let mut core = self.inner.lock();
        loop {
            if let Some(result) = self.state.get() {
                return result.map_err(Error::PublishFailed);
            }
            if in_callback {
                return Err(Error::InCallback);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::Timeout);
            }
            core = match self.inner.changed.wait_timeout(core, left) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }
}

impl fmt::Debug for PublishToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublishToken").field("packet_id", &self.id).field("result", &self.state.get()).finish()
    }
}
