//! Topic names, topic filters and matching (MQTT 4.7).

use alloc::string::String;
use core::fmt;

use bytes::Bytes;

use crate::string::{Buffer, scan};
use crate::{DecodeError, MqttStr};

/// A topic name: the topic a message is published to (MQTT 4.7).
///
/// Non-empty (MQTT-4.7.3-1), no wildcard characters (MQTT-4.7.1-1), and a valid
/// MQTT string. The one exception is a v5 PUBLISH decoded with a topic alias, whose
/// topic name may be empty on the wire; see [`TopicName::is_empty`].
///
/// # Examples
///
/// ```
/// use mqtt_proto::TopicName;
///
/// let t = TopicName::try_from("sensors/room1/temperature").unwrap();
/// assert_eq!(t.as_str(), "sensors/room1/temperature");
/// assert!(TopicName::try_from("sensors/+").is_err());
/// assert!(TopicName::try_from("").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TopicName<B: Buffer = Bytes>(MqttStr<B>);

impl<B: Buffer> TopicName<B> {
    /// Validates `bytes` as a topic name.
    ///
    /// # Errors
    ///
    /// [`DecodeError::EmptyTopic`], [`DecodeError::WildcardInTopicName`], or a
    /// string error.
    pub fn new(bytes: B) -> Result<Self, DecodeError> {
        if bytes.as_ref().is_empty() {
            return Err(DecodeError::EmptyTopic);
        }
        Self::new_allow_empty(bytes)
    }

    /// Validation that lets an empty name through (a v5 PUBLISH with a topic alias).
    #[inline]
    pub(crate) fn new_allow_empty(bytes: B) -> Result<Self, DecodeError> {
        if scan(bytes.as_ref(), true)? {
            return Err(DecodeError::WildcardInTopicName);
        }
        Ok(Self(MqttStr::from_validated(bytes)))
    }

    /// The topic.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The topic's bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Whether the name is empty, which only a v5 PUBLISH using a topic alias carries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The name as an [`MqttStr`].
    #[must_use]
    pub fn as_mqtt_str(&self) -> &MqttStr<B> {
        &self.0
    }

    /// The underlying buffer.
    #[must_use]
    pub fn into_inner(self) -> B {
        self.0.into_inner()
    }
}

impl TopicName<Bytes> {
    /// A topic name from a `'static` string, without copying.
    ///
    /// # Errors
    ///
    /// As [`TopicName::new`].
    pub fn from_static(s: &'static str) -> Result<Self, DecodeError> {
        Self::new(Bytes::from_static(s.as_bytes()))
    }
}

/// A topic filter: what a subscription matches (MQTT 4.7), possibly with the
/// wildcards `+` (one level) and `#` (this level and all below), possibly a shared
/// subscription `$share/{name}/{filter}` (MQTT 4.8.2).
///
/// # Examples
///
/// ```
/// use mqtt_proto::TopicFilter;
///
/// assert!(TopicFilter::try_from("sensors/+/temperature").is_ok());
/// assert!(TopicFilter::try_from("sensors/#").is_ok());
/// assert!(TopicFilter::try_from("sensors/#/x").is_err());
/// assert!(TopicFilter::try_from("sensors+").is_err());
/// assert!(TopicFilter::try_from("$share/group/a/b").is_ok());
/// assert!(TopicFilter::try_from("$share//a").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TopicFilter<B: Buffer = Bytes>(MqttStr<B>);

impl<B: Buffer> TopicFilter<B> {
    /// Validates `bytes` as a topic filter.
    ///
    /// # Errors
    ///
    /// [`DecodeError::EmptyTopic`], [`DecodeError::InvalidTopicFilter`], or a string
    /// error.
    pub fn new(bytes: B) -> Result<Self, DecodeError> {
        let b = bytes.as_ref();
        if b.is_empty() {
            return Err(DecodeError::EmptyTopic);
        }
        if scan(b, true)? && !wildcards_well_placed(b) {
            return Err(DecodeError::InvalidTopicFilter);
        }
        if let Some(rest) = b.strip_prefix(b"$share/") {
            // MQTT-4.8.2-1: a non-empty share name without `/`, `+` or `#`;
            // MQTT-4.8.2-2: followed by `/` and a non-empty filter.
            let Some(slash) = rest.iter().position(|&c| c == b'/') else {
                return Err(DecodeError::InvalidTopicFilter);
            };
            let (name, filter) = (&rest[..slash], &rest[slash + 1..]);
            if name.is_empty() || name.iter().any(|&c| c == b'+' || c == b'#') || filter.is_empty() {
                return Err(DecodeError::InvalidTopicFilter);
            }
        }
        Ok(Self(MqttStr::from_validated(bytes)))
    }

    /// The filter.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The filter's bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// A filter from bytes validated before (a decoded packet's list).
    pub(crate) const fn from_validated(bytes: B) -> Self {
        Self(MqttStr::from_validated(bytes))
    }

    /// Whether this is a shared subscription (`$share/{name}/{filter}`).
    #[must_use]
    pub fn is_shared(&self) -> bool {
        self.as_bytes().starts_with(b"$share/")
    }

    /// Whether `topic` matches this filter (see [`topic_matches_sub`]).
    #[must_use]
    pub fn matches(&self, topic: &str) -> bool {
        topic_matches_sub(self.as_str(), topic)
    }

    /// The underlying buffer.
    #[must_use]
    pub fn into_inner(self) -> B {
        self.0.into_inner()
    }
}

impl TopicFilter<Bytes> {
    /// A topic filter from a `'static` string, without copying.
    ///
    /// # Errors
    ///
    /// As [`TopicFilter::new`].
    pub fn from_static(s: &'static str) -> Result<Self, DecodeError> {
        Self::new(Bytes::from_static(s.as_bytes()))
    }
}

/// `#` only as the last level and alone in it (MQTT-4.7.1-2); `+` alone in its
/// level (MQTT-4.7.1-3).
fn wildcards_well_placed(filter: &[u8]) -> bool {
    let mut levels = filter.split(|&c| c == b'/').peekable();
    while let Some(level) = levels.next() {
        match level {
            b"#" => return levels.peek().is_none(),
            b"+" => {}
            _ if level.iter().any(|&c| c == b'+' || c == b'#') => return false,
            _ => {}
        }
    }
    true
}

macro_rules! string_conversions {
    ($ty:ident) => {
        impl TryFrom<&str> for $ty<Bytes> {
            type Error = DecodeError;

            fn try_from(s: &str) -> Result<Self, DecodeError> {
                Self::new(Bytes::copy_from_slice(s.as_bytes()))
            }
        }

        impl TryFrom<String> for $ty<Bytes> {
            type Error = DecodeError;

            fn try_from(s: String) -> Result<Self, DecodeError> {
                Self::new(Bytes::from(s))
            }
        }

        impl<B: Buffer> fmt::Debug for $ty<B> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self.as_str(), f)
            }
        }

        impl<B: Buffer> fmt::Display for $ty<B> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<B: Buffer> PartialEq<str> for $ty<B> {
            fn eq(&self, other: &str) -> bool {
                self.as_bytes() == other.as_bytes()
            }
        }

        impl<B: Buffer> PartialEq<&str> for $ty<B> {
            fn eq(&self, other: &&str) -> bool {
                self.as_bytes() == other.as_bytes()
            }
        }
    };
}

string_conversions!(TopicName);
string_conversions!(TopicFilter);

/// Whether `topic` matches the subscription `filter` (MQTT 4.7).
///
/// - `+` matches exactly one level, which may be empty; `#` matches its parent
///   level and everything below it (`sport/#` matches `sport`).
/// - Topics starting with `$` are not matched by filters starting with a wildcard
///   (MQTT-4.7.2-1).
/// - A shared subscription `$share/{name}/{filter}` matches as its `{filter}`.
///
/// An invalid filter or topic matches nothing.
///
/// # Examples
///
/// ```
/// use mqtt_proto::topic_matches_sub;
///
/// assert!(topic_matches_sub("sport/tennis/+", "sport/tennis/player1"));
/// assert!(topic_matches_sub("sport/#", "sport"));
/// assert!(!topic_matches_sub("#", "$SYS/broker/load"));
/// assert!(topic_matches_sub("$SYS/#", "$SYS/broker/load"));
/// assert!(topic_matches_sub("$share/g/sensors/+", "sensors/a"));
/// ```
#[must_use]
pub fn topic_matches_sub(filter: &str, topic: &str) -> bool {
    let mut filter = filter.as_bytes();
    let topic = topic.as_bytes();
    if filter.is_empty() || topic.is_empty() || topic.iter().any(|&c| c == b'+' || c == b'#') {
        return false;
    }
    if let Some(rest) = filter.strip_prefix(b"$share/") {
        match rest.iter().position(|&c| c == b'/') {
            Some(slash) if slash > 0 && slash + 1 < rest.len() => filter = &rest[slash + 1..],
            _ => return false,
        }
    }
    if !wildcards_well_placed(filter) {
        return false;
    }
    if topic[0] == b'$' && matches!(filter[0], b'+' | b'#') {
        return false;
    }
    let mut f_levels = filter.split(|&c| c == b'/');
    let mut t_levels = topic.split(|&c| c == b'/');
    loop {
        match (f_levels.next(), t_levels.next()) {
            (Some(b"#"), _) => return true,
            (Some(b"+"), Some(_)) => {}
            (Some(f), Some(t)) if f == t => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mqtt_4_7_1_2_multi_level_wildcard_last_and_alone() {
        for ok in ["#", "sport/#", "sport/tennis/#", "/#", "+/#"] {
            assert!(TopicFilter::try_from(ok).is_ok(), "{ok}");
        }
        for bad in ["sport/tennis#", "sport/tennis/#/ranking", "##", "a/#/"] {
            assert_eq!(TopicFilter::try_from(bad), Err(DecodeError::InvalidTopicFilter), "{bad}");
        }
    }

    #[test]
    fn mqtt_4_7_1_3_single_level_wildcard_alone_in_level() {
        for ok in ["+", "+/tennis/#", "sport/+/player1", "/+", "+/+", "a//+"] {
            assert!(TopicFilter::try_from(ok).is_ok(), "{ok}");
        }
        for bad in ["sport+", "sport/+x", "a/++/b"] {
            assert_eq!(TopicFilter::try_from(bad), Err(DecodeError::InvalidTopicFilter), "{bad}");
        }
    }

    #[test]
    fn mqtt_4_7_3_1_empty_topics_rejected() {
        assert_eq!(TopicFilter::try_from(""), Err(DecodeError::EmptyTopic));
        assert_eq!(TopicName::try_from(""), Err(DecodeError::EmptyTopic));
    }

    #[test]
    fn mqtt_4_7_1_1_no_wildcards_in_topic_names() {
        for bad in ["a/+", "#", "a/b#", "+"] {
            assert_eq!(TopicName::try_from(bad), Err(DecodeError::WildcardInTopicName), "{bad}");
        }
        assert!(TopicName::try_from("/").is_ok());
        assert!(TopicName::try_from("a//b").is_ok());
    }

    #[test]
    fn mqtt_4_8_2_shared_subscription_syntax() {
        assert!(TopicFilter::try_from("$share/g/a/#").is_ok());
        assert!(TopicFilter::try_from("$share/g/+").is_ok());
        for bad in ["$share/g", "$share/g/", "$share//a", "$share/g+/a", "$share/#/a"] {
            assert_eq!(TopicFilter::try_from(bad), Err(DecodeError::InvalidTopicFilter), "{bad}");
        }
        assert!(TopicFilter::try_from("$share/g/a").unwrap().is_shared());
    }

    #[test]
    fn matching_follows_mqtt_4_7() {
        let cases = [
            ("sport/tennis/player1/#", "sport/tennis/player1", true),
            ("sport/tennis/player1/#", "sport/tennis/player1/ranking", true),
            ("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true),
            ("sport/#", "sport", true),
            ("#", "anything/at/all", true),
            ("sport/tennis/+", "sport/tennis/player1", true),
            ("sport/tennis/+", "sport/tennis/player1/ranking", false),
            ("sport/+", "sport", false),
            ("sport/+", "sport/", true),
            ("+/+", "/finance", true),
            ("/+", "/finance", true),
            ("+", "/finance", false),
            ("a/b", "a/b", true),
            ("a/b", "a/b/c", false),
            ("a/b/c", "a/b", false),
            ("A/b", "a/b", false),
            ("+/b", "a/b", true),
        ];
        for (filter, topic, want) in cases {
            assert_eq!(topic_matches_sub(filter, topic), want, "{filter} vs {topic}");
        }
    }

    #[test]
    fn mqtt_4_7_2_1_dollar_topics_not_matched_by_leading_wildcards() {
        assert!(!topic_matches_sub("#", "$SYS"));
        assert!(!topic_matches_sub("+/monitor/Clients", "$SYS/monitor/Clients"));
        assert!(topic_matches_sub("$SYS/#", "$SYS/monitor/Clients"));
        assert!(topic_matches_sub("$SYS/monitor/+", "$SYS/monitor/Clients"));
        assert!(topic_matches_sub("a/+", "a/$b"));
    }

    #[test]
    fn shared_subscriptions_match_as_their_filter() {
        assert!(topic_matches_sub("$share/group/sport/#", "sport/tennis"));
        assert!(!topic_matches_sub("$share/group/sport/#", "news"));
        assert!(!topic_matches_sub("$share/group", "group"));
        assert!(!topic_matches_sub("$share//x", "x"));
    }

    #[test]
    fn invalid_inputs_match_nothing() {
        assert!(!topic_matches_sub("a/#/b", "a/x/b"));
        assert!(!topic_matches_sub("", "a"));
        assert!(!topic_matches_sub("a", ""));
        assert!(!topic_matches_sub("#", "a/+"));
    }
}
