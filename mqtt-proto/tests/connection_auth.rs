//! MQTT 5 enhanced authentication (section 4.12) through the public API, with a
//! small challenge-response [`Authenticator`]: the CONNECT, the AUTH exchange
//! before CONNACK, the server's final proof, failures on either side, and
//! re-authentication on a live connection.

extern crate alloc;

mod sim;

use alloc::sync::Arc;
use std::sync::Mutex;

use bytes::Bytes;
use mqtt_proto::{
    Auth, AuthProperties, Authenticator, CloseReason, CommandError, ConnAck, ConnAckProperties, Disconnect,
    DisconnectProperties, Event, Options, Packet, ProtocolVersion, ProtocolViolation, QoS, QosPid, ReasonCode,
    TopicFilter,
};
use sim::*;

const METHOD: &str = "X-CHALLENGE";
const FIRST: &[u8] = b"client-first";
const PROOF: &[u8] = b"server-proof";

/// What the server saw the mechanism do.
#[derive(Debug, Default)]
struct Log {
    starts: usize,
    challenges: Vec<Option<Vec<u8>>>,
    finishes: Vec<Option<Vec<u8>>>,
}

/// Answers a challenge `nonce:<bytes>` with the bytes XORed with a shared
/// secret; accepts the server when it proves itself with [`PROOF`].
#[derive(Debug, Clone)]
struct ChallengeResponse {
    secret: u8,
    log: Arc<Mutex<Log>>,
}

impl ChallengeResponse {
    fn new() -> (Self, Arc<Mutex<Log>>) {
        let log = Arc::new(Mutex::new(Log::default()));
        (Self { secret: 0x5A, log: Arc::clone(&log) }, log)
    }
}

/// The answer the mechanism gives to `nonce`.
fn answer(nonce: &[u8]) -> Bytes {
    nonce.iter().map(|b| b ^ 0x5A).collect()
}

impl Authenticator for ChallengeResponse {
    fn method(&self) -> &str {
        METHOD
    }

    fn start(&mut self) -> Option<Bytes> {
        self.log.lock().unwrap().starts += 1;
        Some(Bytes::from_static(FIRST))
    }

    fn respond(&mut self, challenge: Option<&[u8]>) -> Result<Option<Bytes>, ReasonCode> {
        self.log.lock().unwrap().challenges.push(challenge.map(<[u8]>::to_vec));
        let nonce = challenge.and_then(|c| c.strip_prefix(b"nonce:")).ok_or(ReasonCode::UnspecifiedError)?;
        Ok(Some(nonce.iter().map(|b| b ^ self.secret).collect()))
    }

    fn finish(&mut self, data: Option<&[u8]>) -> Result<(), ReasonCode> {
        self.log.lock().unwrap().finishes.push(data.map(<[u8]>::to_vec));
        if data == Some(PROOF) { Ok(()) } else { Err(ReasonCode::ImplementationSpecificError) }
    }

    fn clone_box(&self) -> Box<dyn Authenticator> {
        Box::new(self.clone())
    }
}

fn auth_options(version: ProtocolVersion) -> (Options, Arc<Mutex<Log>>) {
    let (mechanism, log) = ChallengeResponse::new();
    (options(version).with_authenticator(Box::new(mechanism)), log)
}

/// An AUTH from the server with `code`, `method` and `data`.
fn server_auth(code: ReasonCode, method: &str, data: Option<&'static [u8]>) -> Packet {
    Packet::Auth(Auth {
        reason_code: code,
        properties: AuthProperties {
            authentication_method: Some(mqtt_str(method)),
            authentication_data: data.map(Bytes::from_static),
            ..Default::default()
        },
    })
}

fn challenge(nonce: &'static [u8]) -> Packet {
    server_auth(ReasonCode::ContinueAuthentication, METHOD, Some(nonce))
}

/// The CONNACK ending a successful exchange, with the server's proof.
fn connack_proof(data: Option<&'static [u8]>) -> Packet {
    connack_props(ConnAckProperties {
        authentication_method: Some(mqtt_str(METHOD)),
        authentication_data: data.map(Bytes::from_static),
        ..Default::default()
    })
}

/// The AUTH the client answers with.
fn client_auth(code: ReasonCode, data: Option<Bytes>) -> Packet {
    Packet::Auth(Auth {
        reason_code: code,
        properties: AuthProperties {
            authentication_method: Some(mqtt_str(METHOD)),
            authentication_data: data,
            ..Default::default()
        },
    })
}

fn disconnect(code: ReasonCode) -> Packet {
    Packet::Disconnect(Disconnect { reason_code: code, properties: DisconnectProperties::default() })
}

/// A v5 connection authenticated in one round trip; events consumed.
fn authenticated() -> (Sim, Arc<Mutex<Log>>) {
    let (opts, log) = auth_options(ProtocolVersion::V5);
    let mut sim = Sim::new(opts);
    sim.recv_connect();
    sim.send(challenge(b"nonce:0"));
    assert_eq!(sim.recv(), [client_auth(ReasonCode::ContinueAuthentication, Some(answer(b"0")))]);
    sim.send(connack_proof(Some(PROOF)));
    assert!(matches!(sim.take_events().as_slice(), [Event::Connected(_)]));
    (sim, log)
}

// ---- Authentication at connect ----

#[test]
fn v5_connect_carries_authentication_method_and_initial_data() {
    let (opts, log) = auth_options(ProtocolVersion::V5);
    let mut sim = Sim::new(opts);
    let connect = sim.recv_connect();
    assert_eq!(connect.properties.authentication_method, Some(mqtt_str(METHOD)));
    assert_eq!(connect.properties.authentication_data.as_deref(), Some(FIRST));
    assert_eq!(log.lock().unwrap().starts, 1);
}

#[test]
fn authentication_is_not_sent_before_v5() {
    for version in [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1] {
        let (opts, log) = auth_options(version);
        let mut sim = Sim::new(opts);
        assert_eq!(sim.recv_connect().properties, Default::default(), "{version}");
        assert_eq!(log.lock().unwrap().starts, 0);
    }
}

#[test]
fn mqtt_4_12_0_3_v5_client_answers_each_challenge_with_auth_0x18() {
    let (opts, log) = auth_options(ProtocolVersion::V5);
    let mut sim = Sim::new(opts);
    sim.recv_connect();
    for nonce in [&b"nonce:abc"[..], b"nonce:second round"] {
        let packet = server_auth(ReasonCode::ContinueAuthentication, METHOD, Some(nonce));
        sim.send(packet);
        // MQTT-4.12.0-5: the same method on every AUTH.
        let expected = client_auth(ReasonCode::ContinueAuthentication, Some(answer(&nonce[6..])));
        assert_eq!(sim.recv(), [expected]);
        assert!(sim.take_events().is_empty(), "still connecting");
        assert!(!sim.client.is_connected());
    }
    assert_eq!(log.lock().unwrap().challenges, [Some(b"nonce:abc".to_vec()), Some(b"nonce:second round".to_vec())]);
}

#[test]
fn v5_connack_success_calls_finish_with_the_server_data() {
    let (sim, log) = authenticated();
    assert!(sim.client.is_connected());
    let log = log.lock().unwrap();
    assert_eq!(log.finishes, [Some(PROOF.to_vec())]);
    assert_eq!(log.starts, 1);
}

#[test]
fn v5_connack_without_a_challenge_still_checks_the_proof() {
    // A mechanism may finish in the CONNACK right away.
    let (opts, log) = auth_options(ProtocolVersion::V5);
    let mut sim = Sim::new(opts);
    sim.recv_connect();
    sim.send(connack_proof(Some(PROOF)));
    assert!(
        matches!(sim.take_events().as_slice(), [Event::Connected(c)] if c.properties.authentication_data.as_deref() == Some(PROOF))
    );
    assert_eq!(log.lock().unwrap().challenges, Vec::<Option<Vec<u8>>>::new());
}

#[test]
fn mqtt_3_1_2_30_v5_nothing_but_auth_before_connack() {
    let (opts, _log) = auth_options(ProtocolVersion::V5);
    let mut sim = Sim::new(opts.with_keep_alive(1));
    sim.recv_connect();
    sim.send(challenge(b"nonce:1"));
    assert_eq!(sim.recv().len(), 1);
    let id = sim.client.publish(topic("t"), Bytes::from_static(b"queued"), QoS::AtLeastOnce, false).unwrap().unwrap();
    let err = sim.client.publish(topic("t"), Bytes::new(), QoS::AtMostOnce, false).unwrap_err();
    assert_eq!(err, CommandError::NotConnected);
    let err = sim.client.subscribe([(TopicFilter::try_from("t").unwrap(), Q1)], Default::default()).unwrap_err();
    assert_eq!(err, CommandError::NotConnected);
    sim.advance(core::time::Duration::from_secs(5)); // keep alive 1 s: still no PINGREQ
    assert_eq!(sim.recv(), [], "no PUBLISH, SUBSCRIBE or PINGREQ before CONNACK");
    sim.send(connack_proof(Some(PROOF)));
    let sent = sim.recv();
    assert!(matches!(sent.as_slice(), [Packet::Publish(p)] if p.qos == QosPid::AtLeastOnce(id)), "{sent:?}");
}

#[test]
fn v5_bad_challenge_closes_with_authentication_failed_and_disconnect() {
    for bad in [server_auth(ReasonCode::ContinueAuthentication, METHOD, Some(b"garbage")), {
        server_auth(ReasonCode::ContinueAuthentication, METHOD, None)
    }] {
        let (opts, _log) = auth_options(ProtocolVersion::V5);
        let mut sim = Sim::new(opts);
        sim.recv_connect();
        sim.send(bad);
        // The DISCONNECT carries the code the mechanism chose.
        assert_eq!(sim.recv(), [disconnect(ReasonCode::UnspecifiedError)]);
        assert_eq!(sim.take_closed(), (vec![], CloseReason::AuthenticationFailed(ReasonCode::UnspecifiedError)));
        sim.send(connack_proof(Some(PROOF)));
        assert!(sim.take_events().is_empty());
        assert_eq!(sim.recv(), []);
    }
}

#[test]
fn v5_server_without_proof_closes_with_authentication_failed_and_disconnect() {
    for data in [None, Some(&b"forged"[..])] {
        let (opts, log) = auth_options(ProtocolVersion::V5);
        let mut sim = Sim::new(opts);
        sim.recv_connect();
        sim.send(connack_proof(data));
        assert_eq!(sim.recv(), [disconnect(ReasonCode::ImplementationSpecificError)], "{data:?}");
        let (before, reason) = sim.take_closed();
        assert_eq!(before, [], "no Connected for a server that did not prove itself");
        assert_eq!(reason, CloseReason::AuthenticationFailed(ReasonCode::ImplementationSpecificError));
        assert_eq!(log.lock().unwrap().finishes, [data.map(<[u8]>::to_vec)]);
        assert!(!sim.client.is_connected());
    }
}

#[test]
fn v5_refused_authentication_is_refused() {
    let (opts, _log) = auth_options(ProtocolVersion::V5);
    let mut sim = Sim::new(opts);
    sim.recv_connect();
    let refusal = ConnAck {
        session_present: false,
        reason_code: ReasonCode::BadAuthenticationMethod,
        properties: ConnAckProperties { reason_string: Some(mqtt_str("unknown method")), ..Default::default() },
    };
    sim.send(Packet::from(refusal.clone()));
    assert_eq!(sim.recv(), []);
    let expected = CloseReason::Refused { reason_code: refusal.reason_code, properties: refusal.properties };
    assert_eq!(sim.take_closed(), (vec![], expected));
}

#[test]
fn mqtt_4_12_0_5_v5_auth_with_another_method_is_a_protocol_error() {
    // During the connect exchange.
    let (opts, _log) = auth_options(ProtocolVersion::V5);
    let mut sim = Sim::new(opts);
    sim.recv_connect();
    sim.send(server_auth(ReasonCode::ContinueAuthentication, "SCRAM-SHA-256", Some(b"nonce:1")));
    assert_eq!(sim.recv(), [disconnect(ReasonCode::ProtocolError)]);
    let reason = CloseReason::ProtocolError(ProtocolViolation::BadAuthentication);
    assert_eq!(sim.take_closed(), (vec![], reason.clone()));

    // During a re-authentication.
    let (mut sim, _log) = authenticated();
    sim.client.reauthenticate().unwrap();
    assert_eq!(sim.recv().len(), 1);
    sim.send(server_auth(ReasonCode::ContinueAuthentication, "OTHER", Some(b"nonce:1")));
    assert_eq!(sim.recv(), [disconnect(ReasonCode::ProtocolError)]);
    assert_eq!(sim.take_closed(), (vec![], reason));
}

#[test]
fn mqtt_4_12_0_6_v5_auth_without_enhanced_authentication_is_a_protocol_error() {
    let reason = CloseReason::ProtocolError(ProtocolViolation::BadAuthentication);
    // Before CONNACK: the client sent no Authentication Method.
    let mut sim = Sim::new(options(ProtocolVersion::V5));
    sim.recv_connect();
    sim.send(challenge(b"nonce:1"));
    assert_eq!(sim.recv(), [disconnect(ReasonCode::ProtocolError)]);
    assert_eq!(sim.take_closed(), (vec![], reason.clone()));
    // After CONNACK.
    let mut sim = Sim::connected(ProtocolVersion::V5);
    sim.send(server_auth(ReasonCode::Success, METHOD, None));
    assert_eq!(sim.recv(), [disconnect(ReasonCode::ProtocolError)]);
    assert_eq!(sim.take_closed(), (vec![], reason));
}

#[test]
fn v5_auth_reason_codes_out_of_place_are_protocol_errors() {
    let reason = CloseReason::ProtocolError(ProtocolViolation::BadAuthentication);
    // Success ends a connect exchange only in CONNACK; Re-authenticate is the
    // client's to send.
    for code in [ReasonCode::Success, ReasonCode::ReAuthenticate] {
        let (opts, _log) = auth_options(ProtocolVersion::V5);
        let mut sim = Sim::new(opts);
        sim.recv_connect();
        sim.send(server_auth(code, METHOD, None));
        assert_eq!(sim.recv(), [disconnect(ReasonCode::ProtocolError)], "{code}");
        assert_eq!(sim.take_closed(), (vec![], reason.clone()));
    }
    // An AUTH while connected and not re-authenticating.
    let (mut sim, _log) = authenticated();
    sim.send(challenge(b"nonce:unasked"));
    assert_eq!(sim.recv(), [disconnect(ReasonCode::ProtocolError)]);
    assert_eq!(sim.take_closed(), (vec![], reason));
}

// ---- Re-authentication ----

#[test]
fn mqtt_4_12_1_1_v5_reauthentication_exchanges_auth_and_reports_success() {
    let (mut sim, log) = authenticated();
    sim.client.reauthenticate().unwrap();
    // AUTH 0x19 with the method of the connection and fresh initial data.
    assert_eq!(sim.recv(), [client_auth(ReasonCode::ReAuthenticate, Some(Bytes::from_static(FIRST)))]);
    assert_eq!(log.lock().unwrap().starts, 2);
    // Other traffic goes on with the earlier authentication meanwhile.
    sim.client.publish(topic("t"), Bytes::from_static(b"during"), QoS::AtMostOnce, false).unwrap();
    assert!(matches!(sim.recv().as_slice(), [Packet::Publish(_)]));
    sim.send(challenge(b"nonce:re"));
    assert_eq!(sim.recv(), [client_auth(ReasonCode::ContinueAuthentication, Some(answer(b"re")))]);
    assert!(sim.take_events().is_empty());
    sim.send(server_auth(ReasonCode::Success, METHOD, Some(PROOF)));
    assert_eq!(sim.take_events(), [Event::Reauthenticated]);
    assert_eq!(sim.recv(), []);
    assert_eq!(log.lock().unwrap().finishes, [Some(PROOF.to_vec()), Some(PROOF.to_vec())]);
    // And it can be done again.
    sim.client.reauthenticate().unwrap();
    assert_eq!(sim.recv().len(), 1);
    sim.send(server_auth(ReasonCode::Success, METHOD, Some(PROOF)));
    assert_eq!(sim.take_events(), [Event::Reauthenticated]);
    assert!(sim.client.is_connected());
}

#[test]
fn mqtt_4_12_1_2_v5_failed_reauthentication_closes_the_connection() {
    // The server refuses: its DISCONNECT ends the connection.
    let (mut sim, _log) = authenticated();
    sim.client.reauthenticate().unwrap();
    assert_eq!(sim.recv().len(), 1);
    sim.send(disconnect(ReasonCode::NotAuthorized));
    assert_eq!(sim.recv(), []);
    let (_, reason) = sim.take_closed();
    assert!(matches!(reason, CloseReason::ServerDisconnected { reason_code: ReasonCode::NotAuthorized, .. }));

    // The client refuses a bad challenge: DISCONNECT, then Closed.
    let (mut sim, _log) = authenticated();
    sim.client.reauthenticate().unwrap();
    assert_eq!(sim.recv().len(), 1);
    sim.send(challenge(b"not a nonce"));
    assert_eq!(sim.recv(), [disconnect(ReasonCode::UnspecifiedError)]);
    assert_eq!(sim.take_closed(), (vec![], CloseReason::AuthenticationFailed(ReasonCode::UnspecifiedError)));

    // The server's final data does not prove it.
    let (mut sim, _log) = authenticated();
    sim.client.reauthenticate().unwrap();
    assert_eq!(sim.recv().len(), 1);
    sim.send(server_auth(ReasonCode::Success, METHOD, Some(b"forged")));
    assert_eq!(sim.recv(), [disconnect(ReasonCode::ImplementationSpecificError)]);
    let (before, reason) = sim.take_closed();
    assert_eq!(before, [], "no Reauthenticated");
    assert_eq!(reason, CloseReason::AuthenticationFailed(ReasonCode::ImplementationSpecificError));
}

#[test]
fn reauthenticate_without_authenticator_or_before_v5_is_refused() {
    let mut sim = Sim::connected(ProtocolVersion::V5);
    assert_eq!(sim.client.reauthenticate(), Err(CommandError::AuthenticationNotConfigured));
    for version in [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1] {
        let (opts, log) = auth_options(version);
        let mut sim = Sim::connected_with(opts, connack_ok(false));
        assert_eq!(sim.client.reauthenticate(), Err(CommandError::AuthenticationNotConfigured), "{version}");
        assert_eq!(log.lock().unwrap().starts, 0);
        assert_eq!(sim.recv(), []);
    }
    // Before CONNACK there is nothing to re-authenticate yet.
    let (opts, _log) = auth_options(ProtocolVersion::V5);
    let mut sim = Sim::new(opts);
    sim.recv_connect();
    assert_eq!(sim.client.reauthenticate(), Err(CommandError::NotConnected));
    assert_eq!(sim.recv(), []);
}

#[test]
fn reauthenticate_while_one_is_under_way_is_refused() {
    let (mut sim, log) = authenticated();
    sim.client.reauthenticate().unwrap();
    assert!(sim.client.reauthenticate().is_err());
    assert_eq!(sim.recv().len(), 1, "one AUTH 0x19 only");
    assert_eq!(log.lock().unwrap().starts, 2);
}
