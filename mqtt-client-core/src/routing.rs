//! Per-filter message routing (paho's `message_callback_add`): a table of topic
//! filters, each with a handler, that says which handlers a message's topic
//! matches.

use mqtt_proto::{DecodeError, TopicFilter};

/// Topic filters with a handler each: a callback in the blocking adapter, a
/// channel in the async one.
///
/// Every matching filter's handler gets the message (as paho does); a message
/// no filter matches goes to the adapter's catch-all (`on_message`, the event
/// stream). Adding a filter that is there already replaces its handler.
///
/// # Examples
///
/// ```
/// use mqtt_client_core::Router;
///
/// let mut router = Router::new();
/// router.add("sensors/+/temperature", "temperatures").unwrap();
/// router.add("sensors/#", "all sensors").unwrap();
/// let matched: Vec<_> = router.matching("sensors/7/temperature").copied().collect();
/// assert_eq!(matched, ["temperatures", "all sensors"]);
/// assert_eq!(router.matching("other").count(), 0);
/// assert!(router.remove("sensors/#"));
/// assert!(router.add("bad/#/filter", "x").is_err());
/// ```
#[derive(Debug)]
pub struct Router<H> {
    routes: Vec<(TopicFilter, H)>,
}

impl<H> Default for Router<H> {
    fn default() -> Self {
        Self { routes: Vec::new() }
    }
}

impl<H> Router<H> {
    /// An empty table.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Routes messages matching `filter` to `handler`, replacing the handler
    /// `filter` had.
    ///
    /// # Errors
    ///
    /// The [`DecodeError`] saying why `filter` is not a valid topic filter.
    pub fn add(&mut self, filter: &str, handler: H) -> Result<(), DecodeError> {
        let filter = TopicFilter::try_from(filter)?;
        self.routes.retain(|(f, _)| *f != filter);
        self.routes.push((filter, handler));
        Ok(())
    }

    /// Removes the route of `filter`; true when there was one.
    pub fn remove(&mut self, filter: &str) -> bool {
        let before = self.routes.len();
        self.routes.retain(|(f, _)| f.as_str() != filter);
        self.routes.len() != before
    }

    /// Keeps only the routes whose handler `keep` accepts (such as channels
    /// whose receiver is still there).
    pub fn retain(&mut self, mut keep: impl FnMut(&H) -> bool) {
        self.routes.retain(|(_, h)| keep(h));
    }

    /// The handlers of every filter `topic` matches, in the order they were
    /// added.
    pub fn matching<'a>(&'a self, topic: &'a str) -> impl Iterator<Item = &'a H> + 'a {
        self.routes.iter().filter(move |(f, _)| f.matches(topic)).map(|(_, h)| h)
    }

    /// Whether there is no route.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The filters, in the order they were added.
    pub fn filters(&self) -> impl Iterator<Item = &str> {
        self.routes.iter().map(|(f, _)| f.as_str())
    }
}
