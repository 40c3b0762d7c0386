//! Topic aliases (MQTT 5 section 3.3.2.3.4), per network connection.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::num::NonZeroU16;

use bytes::Bytes;

use super::ProtocolViolation;
use crate::TopicName;

/// Aliases the server defined, up to our Topic Alias Maximum.
#[derive(Debug, Default)]
pub(crate) struct IncomingAliases {
    max: u16,
    topics: Vec<Option<TopicName>>,
}

impl IncomingAliases {
    pub(crate) fn new(max: u16) -> Self {
        Self { max, topics: Vec::new() }
    }

    /// Applies the alias of a received PUBLISH: defines it when the topic is
    /// given, resolves it when the topic is empty.
    pub(crate) fn resolve(&mut self, alias: NonZeroU16, topic: TopicName) -> Result<TopicName, ProtocolViolation> {
        if alias.get() > self.max {
            // MQTT-3.3.2-10 (5.0): above our Topic Alias Maximum.
            return Err(ProtocolViolation::TopicAliasInvalid);
        }
        let i = usize::from(alias.get() - 1);
        if topic.is_empty() {
            // MQTT 5 section 3.3.4: an alias with no mapping is a Protocol Error.
            return self.topics.get(i).cloned().flatten().ok_or(ProtocolViolation::UnknownTopicAlias);
        }
        if self.topics.len() <= i {
            self.topics.resize(i + 1, None);
        }
        self.topics[i] = Some(topic.clone());
        Ok(topic)
    }
}

/// Aliases we assigned, within the server's Topic Alias Maximum. The first
/// topics get aliases and keep them for the connection; later topics go in full.
#[derive(Debug, Default)]
pub(crate) struct OutgoingAliases {
    assigned: BTreeMap<Bytes, NonZeroU16>,
}

impl OutgoingAliases {
    /// The alias for `topic` and whether the server knows it already, or `None`
    /// when all aliases are taken.
    pub(crate) fn lookup(&self, topic: &[u8], max: u16) -> Option<(NonZeroU16, bool)> {
        if let Some(&alias) = self.assigned.get(topic) {
            return Some((alias, true));
        }
        let next = u16::try_from(self.assigned.len() + 1).ok()?;
        (next <= max).then_some(())?;
        NonZeroU16::new(next).map(|a| (a, false))
    }

    /// Records that `alias` was sent with `topic`, defining it.
    pub(crate) fn confirm(&mut self, topic: &[u8], alias: NonZeroU16) {
        self.assigned.insert(Bytes::copy_from_slice(topic), alias);
    }
}
