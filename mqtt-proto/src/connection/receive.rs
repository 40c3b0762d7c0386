//! What the connection does with each packet the server sends.

use alloc::vec::Vec;

use mqtt_session::{AckErrorKind, Exchange, PacketId, QoS};

use super::{
    CloseReason, Connected, Connection, Event, Message, PendingAck, ProtocolViolation, Published, State, Subscribed,
    Unsubscribed,
};
use crate::{
    Ack, Auth, AuthProperties, ConnAck, MqttStr, Packet, PacketType, Publish, QosPid, ReasonCode, SubAck, UnsubAck,
};

impl Connection {
    pub(super) fn handle_packet(&mut self, packet: Packet) {
        if self.state == State::Connecting && !matches!(packet, Packet::ConnAck(_) | Packet::Auth(_)) {
            // MQTT-3.2.0-1: the first packet from the server is CONNACK (or AUTH).
            return self.violation(ProtocolViolation::UnexpectedPacket(packet.packet_type()));
        }
        match packet {
            Packet::ConnAck(c) => self.on_connack(*c),
            Packet::Publish(p) => self.on_publish(p),
            Packet::PubAck(a) => self.on_puback(a),
            Packet::PubRec(a) => self.on_pubrec(a),
            Packet::PubRel(a) => self.on_pubrel(&a),
            Packet::PubComp(a) => self.on_pubcomp(a),
            Packet::SubAck(s) => self.on_suback(s),
            Packet::UnsubAck(u) => self.on_unsuback(u),
            Packet::PingResp => self.ping_deadline = None,
            Packet::Disconnect(d) if self.options.version.is_v5() => {
                self.close(CloseReason::ServerDisconnected { reason_code: d.reason_code, properties: d.properties });
            }
            Packet::Auth(a) => self.on_auth(a),
            other => self.violation(ProtocolViolation::UnexpectedPacket(other.packet_type())),
        }
    }

    pub(super) fn violation(&mut self, v: ProtocolViolation) {
        self.close(CloseReason::ProtocolError(v));
    }

    fn on_connack(&mut self, connack: ConnAck) {
        if self.state != State::Connecting {
            return self.violation(ProtocolViolation::UnexpectedPacket(PacketType::ConnAck));
        }
        if connack.reason_code != ReasonCode::Success {
            let ConnAck { reason_code, properties, .. } = connack;
            return self.close(CloseReason::Refused { reason_code, properties });
        }
        if connack.session_present && self.clean_start {
            // MQTT-3.2.2-4 (5.0): a client without session state receiving
            // Session Present closes the connection.
            return self.violation(ProtocolViolation::SessionPresentOnCleanStart);
        }
        if self.authenticating {
            self.authenticating = false;
            let data = connack.properties.authentication_data.as_deref();
            if let Some(auth) = self.options.authenticator.as_mut() {
                if let Err(code) = auth.finish(data) {
                    return self.close(CloseReason::AuthenticationFailed(code));
                }
            }
        }
        self.limits.apply(&connack.properties);
        if let Some(id) = &connack.properties.assigned_client_identifier {
            self.options.client_id = id.clone();
        }
        let window = self.window();
        self.session.outgoing.set_max_inflight(window);
        self.state = State::Connected;
        self.connect_deadline = None;
        // MQTT 3.1 has no Session Present flag: a server keeps the session of a
        // client that connects without Clean Session.
        let session_present = if self.options.version == crate::ProtocolVersion::V3_1 {
            !self.clean_start && self.session.established
        } else {
            connack.session_present
        };
        self.resend_dup = session_present;
        self.session.established = true;
        // Connected comes first: what the lost session completes (below) is
        // reported as a consequence of this CONNACK.
        self.events.push_back(Event::Connected(Connected { session_present, properties: connack.properties }));
        if !session_present {
            self.session_lost();
        }
        // MQTT-4.4.0-1: resend unacknowledged PUBLISH and PUBREL, oldest first.
        self.unsent = self.session.outgoing.iter().filter(|(_, e)| e.is_publish()).map(|(id, _)| id).collect();
        self.pump();
    }

    /// The server holds no session: QoS 2 ids awaiting PUBREL will never be
    /// released, and messages it acknowledged with PUBREC are delivered. Messages
    /// it never acknowledged are sent again as new messages (without DUP), so
    /// that nothing is lost.
    fn session_lost(&mut self) {
        self.session.incoming.clear();
        let released: Vec<PacketId> = self
            .session
            .outgoing
            .iter()
            .filter(|(_, e)| matches!(e, Exchange::AwaitingPubComp))
            .map(|(id, _)| id)
            .collect();
        for packet_id in released {
            self.session.outgoing.cancel(packet_id);
            self.events.push_back(Event::Published(Published {
                packet_id,
                reason_code: ReasonCode::Success,
                properties: Default::default(),
            }));
        }
    }

    fn on_publish(&mut self, publish: Publish) {
        let Publish { dup, qos, retain, topic, payload, properties } = publish;
        let mut properties = properties.map(|p| *p).unwrap_or_default();
        let topic = match properties.topic_alias {
            Some(alias) => match self.aliases_in.resolve(alias, topic) {
                Ok(t) => t,
                Err(v) => return self.violation(v),
            },
            None => topic,
        };
        properties.topic_alias = None;
        let message = Message { topic, payload, qos: qos.qos(), retain, dup, packet_id: qos.packet_id(), properties };
        match qos {
            QosPid::AtMostOnce => self.events.push_back(Event::Message(message)),
            QosPid::AtLeastOnce(id) => {
                if !self.receive_quota_left() {
                    return self.violation(ProtocolViolation::ReceiveMaximumExceeded);
                }
                self.events.push_back(Event::Message(message));
                self.expect_ack(id, QoS::AtLeastOnce);
            }
            QosPid::ExactlyOnce(id) => {
                if self.session.incoming.contains(id) {
                    // MQTT-4.3.3-10 (5.0): a retransmission before PUBREL is
                    // acknowledged again, not delivered again.
                    let waiting = self.pending_acks.iter().any(|p| p.id == id && p.qos == QoS::ExactlyOnce);
                    if !waiting {
                        self.send(&Packet::PubRec(Ack::new(id)));
                    }
                    return;
                }
                if !self.receive_quota_left() {
                    return self.violation(ProtocolViolation::ReceiveMaximumExceeded);
                }
                self.session.incoming.receive(id);
                self.events.push_back(Event::Message(message));
                self.expect_ack(id, QoS::ExactlyOnce);
            }
        }
    }

    /// Whether one more QoS 1 or 2 message fits our Receive Maximum
    /// (MQTT-3.3.4-9). MQTT 3.x has no such limit.
    fn receive_quota_left(&self) -> bool {
        if !self.options.version.is_v5() {
            return true;
        }
        let max = self.options.properties.receive_maximum.map_or(usize::from(u16::MAX), |r| usize::from(r.get()));
        let qos1 = self.pending_acks.iter().filter(|p| p.qos == QoS::AtLeastOnce).count();
        qos1 + self.session.incoming.len() < max
    }

    fn expect_ack(&mut self, id: PacketId, qos: QoS) {
        self.pending_acks.push_back(PendingAck { id, qos, acked: !self.options.manual_acks });
        self.flush_acks();
    }

    /// Sends acknowledgements in the order the messages arrived (MQTT-4.6.0-2,
    /// MQTT-4.6.0-3): an acknowledged message waits for the ones before it.
    pub(super) fn flush_acks(&mut self) {
        while let Some(front) = self.pending_acks.front().copied() {
            if !front.acked {
                break;
            }
            self.pending_acks.pop_front();
            match front.qos {
                QoS::AtLeastOnce => self.send(&Packet::PubAck(Ack::new(front.id))),
                _ => self.send(&Packet::PubRec(Ack::new(front.id))),
            }
        }
    }

    fn on_pubrel(&mut self, ack: &Ack) {
        let mut reply = Ack::new(ack.packet_id);
        if !self.session.incoming.release(ack.packet_id) && self.options.version.is_v5() {
            reply.reason_code = ReasonCode::PacketIdentifierNotFound;
        }
        self.send(&Packet::PubComp(reply));
    }

    fn on_puback(&mut self, ack: Ack) {
        // An acknowledgement of nothing we sent is a late duplicate: ignored.
        if let Ok(slot) = self.session.outgoing.puback(ack.packet_id) {
            self.session.store.remove(slot);
            self.published(ack);
        }
    }

    fn on_pubrec(&mut self, ack: Ack) {
        let id = ack.packet_id;
        if ack.reason_code.is_error() {
            // MQTT 5 4.3.3: a failed PUBREC ends the exchange.
            if let Ok(slot) = self.session.outgoing.pubrec_rejected(id) {
                self.session.store.remove(slot);
                self.published(ack);
            }
            return;
        }
        let mut reply = Ack::new(id);
        match self.session.outgoing.pubrec(id) {
            Ok(slot) => {
                self.session.store.remove(slot);
            }
            Err(e) if e.kind == AckErrorKind::DuplicatePubRec => {}
            Err(_) if self.options.version.is_v5() => reply.reason_code = ReasonCode::PacketIdentifierNotFound,
            Err(_) => {}
        }
        self.send(&Packet::PubRel(reply));
    }

    fn on_pubcomp(&mut self, mut ack: Ack) {
        if self.session.outgoing.pubcomp(ack.packet_id).is_ok() {
            // The server took the message with its PUBREC. Packet Identifier Not
            // Found only says it answered a resent PUBREL after its first PUBCOMP
            // was lost (MQTT 5 section 4.3.3): not a refusal of the message.
            if ack.reason_code == ReasonCode::PacketIdentifierNotFound {
                ack.reason_code = ReasonCode::Success;
            }
            self.published(ack);
        }
    }

    fn published(&mut self, ack: Ack) {
        if let Some(i) = self.unsent.iter().position(|&id| id == ack.packet_id) {
            self.unsent.remove(i);
        }
        let Ack { packet_id, reason_code, properties } = ack;
        self.events.push_back(Event::Published(Published { packet_id, reason_code, properties }));
        self.pump();
    }

    fn take_pending_sub(&mut self, id: PacketId) -> Option<usize> {
        let i = self.pending_subs.iter().position(|&(p, _)| p == id)?;
        Some(self.pending_subs.swap_remove(i).1)
    }

    fn on_suback(&mut self, ack: SubAck) {
        if self.session.outgoing.suback(ack.packet_id).is_err() {
            return;
        }
        let count = self.take_pending_sub(ack.packet_id);
        if count != Some(ack.reason_codes.len()) {
            return self.violation(ProtocolViolation::WrongResultCount(PacketType::SubAck));
        }
        let results = ack
            .reason_codes
            .iter()
            .map(|&code| match code {
                ReasonCode::Success => Ok(QoS::AtMostOnce),
                ReasonCode::GrantedQoS1 => Ok(QoS::AtLeastOnce),
                ReasonCode::GrantedQoS2 => Ok(QoS::ExactlyOnce),
                failure => Err(failure),
            })
            .collect();
        self.events.push_back(Event::Subscribed(Subscribed {
            packet_id: ack.packet_id,
            results,
            properties: ack.properties,
        }));
    }

    fn on_unsuback(&mut self, ack: UnsubAck) {
        if self.session.outgoing.unsuback(ack.packet_id).is_err() {
            return;
        }
        let count = self.take_pending_sub(ack.packet_id).unwrap_or(0);
        let results: Vec<_> = if self.options.version.is_v5() {
            if ack.reason_codes.len() != count {
                return self.violation(ProtocolViolation::WrongResultCount(PacketType::UnsubAck));
            }
            ack.reason_codes.iter().map(|&c| if c.is_error() { Err(c) } else { Ok(c) }).collect()
        } else {
            (0..count).map(|_| Ok(ReasonCode::Success)).collect()
        };
        self.events.push_back(Event::Unsubscribed(Unsubscribed {
            packet_id: ack.packet_id,
            results,
            properties: ack.properties,
        }));
    }

    fn on_auth(&mut self, auth: Auth) {
        let method_ok = match (&self.options.authenticator, &auth.properties.authentication_method) {
            (Some(a), Some(m)) => a.method() == m.as_str(),
            _ => false,
        };
        if !self.authenticating || !method_ok {
            return self.violation(ProtocolViolation::BadAuthentication);
        }
        let data = auth.properties.authentication_data.as_deref();
        let Some(authenticator) = self.options.authenticator.as_mut() else {
            return self.violation(ProtocolViolation::BadAuthentication);
        };
        match auth.reason_code {
            ReasonCode::ContinueAuthentication => match authenticator.respond(data) {
                Ok(response) => {
                    let properties = AuthProperties {
                        authentication_method: MqttStr::try_from(authenticator.method()).ok(),
                        authentication_data: response,
                        ..Default::default()
                    };
                    self.send(&Packet::Auth(Auth { reason_code: ReasonCode::ContinueAuthentication, properties }));
                }
                Err(code) => self.close(CloseReason::AuthenticationFailed(code)),
            },
            // Success of a re-authentication (during connect, CONNACK ends it).
            ReasonCode::Success if self.state == State::Connected => {
                self.authenticating = false;
                match authenticator.finish(data) {
                    Ok(()) => self.events.push_back(Event::Reauthenticated),
                    Err(code) => self.close(CloseReason::AuthenticationFailed(code)),
                }
            }
            _ => self.violation(ProtocolViolation::BadAuthentication),
        }
    }
}
