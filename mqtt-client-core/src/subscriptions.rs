//! What `subscribe` and `unsubscribe` accept: one filter with a QoS, a pair, or
//! a list, as paho's `subscribe` does.

use mqtt_proto::{DecodeError, Subscription, SubscriptionOptions, TopicFilter};

/// Filters with their QoS or MQTT 5 subscription options.
///
/// Implemented for a `(filter, QoS)` or `(filter, SubscriptionOptions)` pair, and
/// for arrays, slices and vectors of them, with `&str` or `String` filters.
///
/// # Examples
///
/// ```
/// use mqtt_client_core::IntoSubscriptions;
/// use mqtt_proto::QoS;
///
/// assert_eq!(("hello", QoS::AtMostOnce).into_subscriptions().unwrap().len(), 1);
/// let list = [("temperature", QoS::AtMostOnce), ("humidity", QoS::AtLeastOnce)];
/// assert_eq!(list.into_subscriptions().unwrap().len(), 2);
/// assert!(("bad/#/filter", QoS::AtMostOnce).into_subscriptions().is_err());
/// ```
pub trait IntoSubscriptions {
    /// The validated subscriptions.
    ///
    /// # Errors
    ///
    /// The [`DecodeError`] of the first filter that is not valid.
    fn into_subscriptions(self) -> Result<Vec<Subscription>, DecodeError>;
}

fn one(filter: &str, options: SubscriptionOptions) -> Result<Subscription, DecodeError> {
    let filter = TopicFilter::try_from(filter)?;
    Ok(Subscription { filter, options })
}

impl<S: AsRef<str>, O: Into<SubscriptionOptions> + Copy> IntoSubscriptions for (S, O) {
    fn into_subscriptions(self) -> Result<Vec<Subscription>, DecodeError> {
        Ok(vec![one(self.0.as_ref(), self.1.into())?])
    }
}

impl<S: AsRef<str>, O: Into<SubscriptionOptions> + Copy> IntoSubscriptions for &[(S, O)] {
    fn into_subscriptions(self) -> Result<Vec<Subscription>, DecodeError> {
        self.iter().map(|(f, o)| one(f.as_ref(), (*o).into())).collect()
    }
}

impl<S: AsRef<str>, O: Into<SubscriptionOptions> + Copy, const N: usize> IntoSubscriptions for [(S, O); N] {
    fn into_subscriptions(self) -> Result<Vec<Subscription>, DecodeError> {
        self.as_slice().into_subscriptions()
    }
}

impl<S: AsRef<str>, O: Into<SubscriptionOptions> + Copy> IntoSubscriptions for Vec<(S, O)> {
    fn into_subscriptions(self) -> Result<Vec<Subscription>, DecodeError> {
        self.as_slice().into_subscriptions()
    }
}

/// Subscriptions made already (validated filters with their options).
impl IntoSubscriptions for Vec<Subscription> {
    fn into_subscriptions(self) -> Result<Vec<Subscription>, DecodeError> {
        Ok(self)
    }
}

impl IntoSubscriptions for Subscription {
    fn into_subscriptions(self) -> Result<Vec<Subscription>, DecodeError> {
        Ok(vec![self])
    }
}

/// One or more topic filters, for `unsubscribe`: a `&str`, a `String`, or an
/// array, slice or vector of them.
pub trait IntoFilters {
    /// The validated filters.
    ///
    /// # Errors
    ///
    /// The [`DecodeError`] of the first filter that is not valid.
    fn into_filters(self) -> Result<Vec<TopicFilter>, DecodeError>;
}

fn filter(s: &str) -> Result<TopicFilter, DecodeError> {
    TopicFilter::try_from(s)
}

impl IntoFilters for &str {
    fn into_filters(self) -> Result<Vec<TopicFilter>, DecodeError> {
        Ok(vec![filter(self)?])
    }
}

impl IntoFilters for String {
    fn into_filters(self) -> Result<Vec<TopicFilter>, DecodeError> {
        Ok(vec![filter(&self)?])
    }
}

impl<S: AsRef<str>> IntoFilters for &[S] {
    fn into_filters(self) -> Result<Vec<TopicFilter>, DecodeError> {
        self.iter().map(|s| filter(s.as_ref())).collect()
    }
}

impl<S: AsRef<str>, const N: usize> IntoFilters for [S; N] {
    fn into_filters(self) -> Result<Vec<TopicFilter>, DecodeError> {
        self.as_slice().into_filters()
    }
}

impl<S: AsRef<str>> IntoFilters for Vec<S> {
    fn into_filters(self) -> Result<Vec<TopicFilter>, DecodeError> {
        self.as_slice().into_filters()
    }
}
