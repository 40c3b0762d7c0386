//! Commands: what the application asks the connection to do.

use alloc::vec::Vec;

use bytes::Bytes;
use mqtt_session::{PacketId, QoS};

use super::{CloseReason, CommandError, Connection, State, encode_with_alias};
use crate::properties::PropertySet;
use crate::{
    Auth, AuthProperties, Disconnect, DisconnectProperties, EncodeError, MqttStr, Packet, Publish, PublishProperties,
    QosPid, ReasonCode, Subscribe, SubscribeProperties, Subscription, TopicFilter, TopicName, Unsubscribe,
    UnsubscribeProperties,
};

impl Connection {
    /// Publishes `payload` to `topic`.
    ///
    /// QoS 0 goes out at once and returns `None`. QoS 1 and 2 return their packet
    /// id at once: the message goes out when the window has room (at once, or
    /// after acknowledgements free it, or after CONNACK when not connected yet),
    /// and [`Event::Published`](crate::Event::Published) reports its completion.
    ///
    /// # Errors
    ///
    /// [`CommandError::NotConnected`] for QoS 0 before CONNACK,
    /// [`CommandError::Closed`] for QoS 0 after close,
    /// [`CommandError::QueueFull`], [`CommandError::QoSNotSupported`],
    /// [`CommandError::RetainNotSupported`], [`CommandError::PacketTooLarge`].
    /// QoS 1 and 2 publishes are queued while connecting or closed, to be sent
    /// by the connection that [`resume`](Self::resume)s this session.
    pub fn publish(
        &mut self,
        topic: TopicName,
        payload: Bytes,
        qos: QoS,
        retain: bool,
    ) -> Result<Option<PacketId>, CommandError> {
        self.publish_with_properties(topic, payload, qos, retain, PublishProperties::default())
    }

    /// [`publish`](Self::publish) with MQTT 5 properties.
    ///
    /// # Errors
    ///
    /// As [`publish`](Self::publish), and [`CommandError::Encode`] with
    /// [`EncodeError::NotInVersion`] for properties before MQTT 5.
    ///
    /// A Topic Alias in `properties` is not sent: topic aliases belong to the
    /// connection, which assigns them when
    /// [`Options::topic_alias_outgoing`](crate::Options::topic_alias_outgoing) is
    /// set, within the server's Topic Alias Maximum (MQTT-3.3.2-9).
    pub fn publish_with_properties(
        &mut self,
        topic: TopicName,
        payload: Bytes,
        qos: QoS,
        retain: bool,
        mut properties: PublishProperties,
    ) -> Result<Option<PacketId>, CommandError> {
        let version = self.options.version;
        if !version.is_v5() && !properties.is_empty() {
            return Err(EncodeError::NotInVersion { version, what: "PUBLISH properties" }.into());
        }
        // The caller's alias could exceed the server's maximum, or remap an
        // alias the connection assigned so that later messages for another
        // topic reach this one; with the topic always given in full it would
        // serve nothing.
        properties.topic_alias = None;
        if topic.is_empty() {
            return Err(EncodeError::EmptyTopic.into());
        }
        match (self.state, qos) {
            (State::Closed, QoS::AtMostOnce) => return Err(CommandError::Closed),
            (State::Connecting, QoS::AtMostOnce) => return Err(CommandError::NotConnected),
            (State::Connected, _) => self.check_publish(qos, retain)?,
            _ => {}
        }
        let mut publish = Publish::new(topic, payload).with_properties(properties);
        publish.retain = retain;
        if qos == QoS::AtMostOnce {
            let codec = self.out_codec();
            let alias_max = self.alias_max();
            encode_with_alias(&mut publish, &mut self.aliases_out, alias_max, codec, &mut self.tx)?;
            return Ok(None);
        }
        let direct = self.state == State::Connected
            && self.session.queue.is_empty()
            && self.unsent.is_empty()
            && self.session.outgoing.can_publish();
        if direct {
            let slot = self.session.store.insert(publish);
            match self.session.outgoing.start_publish(qos, slot) {
                Ok(id) => {
                    if let Some(p) = self.session.store.get_mut(slot) {
                        p.qos = QosPid::new(qos, id);
                    }
                    if let Err(e) = self.transmit_publish(slot, false) {
                        self.session.outgoing.cancel(id);
                        self.session.store.remove(slot);
                        return Err(e);
                    }
                    return Ok(Some(id));
                }
                Err(e) => {
                    let Some(p) = self.session.store.remove(slot) else { return Err(CommandError::NoFreePacketId) };
                    publish = p;
                    let _ = e;
                }
            }
        }
        if self.session.queue.len() >= self.options.max_queued {
            return Err(CommandError::QueueFull);
        }
        let id = self.session.allocate_queued_id().ok_or(CommandError::NoFreePacketId)?;
        publish.qos = QosPid::new(qos, id);
        if self.state == State::Connected {
            // The server's Maximum Packet Size is known: refuse now what could
            // never be sent (MQTT-3.2.2-15) rather than accept and drop it.
            if let Err(e) = self.out_codec().encoded_len(&Packet::Publish(publish.clone())) {
                self.session.queued_ids.remove(id);
                return Err(e.into());
            }
        }
        self.session.queue.push_back(publish);
        self.pump();
        Ok(Some(id))
    }

    /// Subscribes to one or more filters, each with its QoS or (MQTT 5) options,
    /// and returns the SUBSCRIBE's packet id;
    /// [`Event::Subscribed`](crate::Event::Subscribed) carries the result per
    /// filter.
    ///
    /// # Errors
    ///
    /// [`CommandError::NotConnected`] before CONNACK, [`CommandError::Closed`],
    /// [`CommandError::NoTopicFilters`], the server's refusals of wildcard, shared
    /// or identified subscriptions (MQTT 5), [`CommandError::NoFreePacketId`],
    /// [`CommandError::PacketTooLarge`].
    pub fn subscribe<S: Into<Subscription>>(
        &mut self,
        subscriptions: impl IntoIterator<Item = S>,
        properties: SubscribeProperties,
    ) -> Result<PacketId, CommandError> {
        self.require_connected()?;
        let subscriptions: Vec<Subscription> = subscriptions.into_iter().map(Into::into).collect();
        if subscriptions.is_empty() {
            return Err(CommandError::NoTopicFilters);
        }
        if self.options.version.is_v5() {
            let limits = &self.limits;
            for s in &subscriptions {
                let bytes = s.filter.as_bytes();
                if !limits.wildcard_subscription_available && bytes.iter().any(|&c| c == b'+' || c == b'#') {
                    return Err(CommandError::WildcardSubscriptionsNotSupported);
                }
                if !limits.shared_subscription_available && s.filter.is_shared() {
                    return Err(CommandError::SharedSubscriptionsNotSupported);
                }
            }
            if !limits.subscription_identifiers_available && properties.subscription_identifier.is_some() {
                return Err(CommandError::SubscriptionIdentifiersNotSupported);
            }
        }
        self.session.skip_queued_ids();
        let id = self.session.outgoing.start_subscribe().map_err(|_| CommandError::NoFreePacketId)?;
        let count = subscriptions.len();
        let packet = Packet::Subscribe(Subscribe { packet_id: id, subscriptions: subscriptions.into(), properties });
        if let Err(e) = self.out_codec().encode(&packet, &mut self.tx) {
            self.session.outgoing.cancel(id);
            return Err(e.into());
        }
        self.pending_subs.push((id, count));
        Ok(id)
    }

    /// Unsubscribes from one or more filters and returns the UNSUBSCRIBE's packet
    /// id; [`Event::Unsubscribed`](crate::Event::Unsubscribed) carries the result.
    ///
    /// # Errors
    ///
    /// As [`subscribe`](Self::subscribe).
    pub fn unsubscribe(
        &mut self,
        filters: impl IntoIterator<Item = TopicFilter>,
        properties: UnsubscribeProperties,
    ) -> Result<PacketId, CommandError> {
        self.require_connected()?;
        let filters: Vec<TopicFilter> = filters.into_iter().collect();
        if filters.is_empty() {
            return Err(CommandError::NoTopicFilters);
        }
        self.session.skip_queued_ids();
        let id = self.session.outgoing.start_unsubscribe().map_err(|_| CommandError::NoFreePacketId)?;
        let count = filters.len();
        let packet = Packet::Unsubscribe(Unsubscribe { packet_id: id, filters: filters.into(), properties });
        if let Err(e) = self.out_codec().encode(&packet, &mut self.tx) {
            self.session.outgoing.cancel(id);
            return Err(e.into());
        }
        self.pending_subs.push((id, count));
        Ok(id)
    }

    /// Acknowledges a received QoS 1 or 2 message in manual-ack mode
    /// ([`Options::manual_acks`](crate::Options::manual_acks)). Acknowledgements
    /// still go out in the order the messages arrived (MQTT-4.6.0-2,
    /// MQTT-4.6.0-3): acknowledging a later message first holds its PUBACK until
    /// the earlier ones are acknowledged.
    ///
    /// # Errors
    ///
    /// [`CommandError::UnknownPacketId`] when no received message awaits an
    /// acknowledgement with this id; [`CommandError::Closed`].
    pub fn ack(&mut self, packet_id: PacketId) -> Result<(), CommandError> {
        if self.state == State::Closed {
            return Err(CommandError::Closed);
        }
        let pending = self.pending_acks.iter_mut().find(|p| p.id == packet_id && !p.acked);
        let Some(pending) = pending else { return Err(CommandError::UnknownPacketId) };
        pending.acked = true;
        self.flush_acks();
        Ok(())
    }

    /// Disconnects normally: queues DISCONNECT and closes. The server discards
    /// the will (MQTT-3.14.4-3).
    pub fn disconnect(&mut self) {
        self.disconnect_with(ReasonCode::Success, DisconnectProperties::default());
    }

    /// Disconnects with an MQTT 5 reason code and properties (for example
    /// [`ReasonCode::DisconnectWithWillMessage`], or a new Session Expiry
    /// Interval). Before MQTT 5 they are not sent.
    pub fn disconnect_with(&mut self, reason_code: ReasonCode, properties: DisconnectProperties) {
        if self.state == State::Closed {
            return;
        }
        let d =
            if self.options.version.is_v5() { Disconnect { reason_code, properties } } else { Disconnect::default() };
        self.send(&Packet::Disconnect(d));
        self.close(CloseReason::Disconnected);
    }

    /// Starts an MQTT 5 re-authentication with the configured
    /// [`Authenticator`](crate::Authenticator) (MQTT 5 section 4.12.1).
    /// [`Event::Reauthenticated`](crate::Event::Reauthenticated) reports success.
    ///
    /// # Errors
    ///
    /// [`CommandError::AuthenticationNotConfigured`] without an authenticator or
    /// before MQTT 5; [`CommandError::NotConnected`], [`CommandError::Closed`].
    pub fn reauthenticate(&mut self) -> Result<(), CommandError> {
        self.require_connected()?;
        if !self.options.version.is_v5() || self.authenticating {
            return Err(CommandError::AuthenticationNotConfigured);
        }
        let Some(auth) = self.options.authenticator.as_mut() else {
            return Err(CommandError::AuthenticationNotConfigured);
        };
        let properties = AuthProperties {
            authentication_method: MqttStr::try_from(auth.method()).ok(),
            authentication_data: auth.start(),
            ..Default::default()
        };
        self.authenticating = true;
        self.send(&Packet::Auth(Auth { reason_code: ReasonCode::ReAuthenticate, properties }));
        Ok(())
    }

    fn require_connected(&self) -> Result<(), CommandError> {
        match self.state {
            State::Connected => Ok(()),
            State::Connecting => Err(CommandError::NotConnected),
            State::Closed => Err(CommandError::Closed),
        }
    }

    pub(super) fn alias_max(&self) -> u16 {
        if self.options.version.is_v5() && self.options.topic_alias_outgoing {
            self.limits.topic_alias_maximum
        } else {
            0
        }
    }
}
