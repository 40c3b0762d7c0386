//! Proptest strategies for valid MQTT packets of every type and version, and for
//! corrupted wire bytes built from them.

use core::num::{NonZeroU16, NonZeroU32};

use bytes::Bytes;
use mqtt_proto::{
    Ack, AckProperties, Auth, AuthProperties, Codec, ConnAck, ConnAckProperties, Connect, ConnectProperties,
    Disconnect, DisconnectProperties, MqttStr, Packet, PacketId, PacketType, PayloadFormat, ProtocolVersion, Publish,
    PublishProperties, QoS, QosPid, ReasonCode, RetainHandling, SubAck, Subscribe, SubscribeProperties, Subscription,
    SubscriptionOptions, TopicFilter, TopicName, UnsubAck, Unsubscribe, UnsubscribeProperties, UserProperty, Will,
    WillProperties,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::strategy::Union;

/// Every protocol version.
pub(crate) const VERSIONS: [ProtocolVersion; 3] = [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1, ProtocolVersion::V5];

/// The largest Subscription Identifier (a variable byte integer, MQTT 5 section 3.8.2.1.2).
const SUB_ID_MAX: u32 = 268_435_455;

// ---------------------------------------------------------------------------
// Strings, topics, binary data
// ---------------------------------------------------------------------------

/// Characters that exercise multi-byte UTF-8 and MQTT's special characters.
const SPECIAL: &[char] = &[
    '/',
    '+',
    '#',
    '$',
    ' ',
    'é',
    'ß',
    '€',
    '中',
    '😀',
    '\u{7F}',
    '\u{80}',
    '\u{7FF}',
    '\u{800}',
    '\u{FFFF}',
    '\u{10FFFF}',
];
/// The same without `/`, `+` and `#`, for topic levels.
const SPECIAL_LEVEL: &[char] = &['$', ' ', 'é', 'ß', '€', '中', '😀', '\u{7F}', '\u{80}', '\u{FEFF}', '\u{10FFFF}'];

/// Any character but U+0000: mostly ASCII letters, some chosen special characters,
/// some arbitrary Unicode scalar values.
fn mqtt_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => prop::char::range('a', 'z'),
        2 => select(SPECIAL),
        2 => any::<char>(),
    ]
    .prop_map(|c| if c == '\0' { '0' } else { c })
}

/// A character allowed inside a topic level: no U+0000, `/`, `+` or `#`.
fn level_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => prop::char::range('a', 'z'),
        1 => prop::char::range('0', '9'),
        2 => select(SPECIAL_LEVEL),
        2 => any::<char>(),
    ]
    .prop_map(|c| if matches!(c, '\0' | '/' | '+' | '#') { '_' } else { c })
}

/// A string of up to `max` arbitrary characters (U+0000 excluded), or now and then
/// a long one whose length prefix needs its high byte.
fn string(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![12 => vec(mqtt_char(), 0..max), 1 => vec(mqtt_char(), 250..300)].prop_map(String::from_iter)
}

/// A valid MQTT UTF-8 string.
fn mqtt_str() -> impl Strategy<Value = MqttStr> {
    string(12).prop_map(|s| MqttStr::try_from(s).expect("no U+0000"))
}

/// Binary data of up to `max` bytes.
fn bin(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

/// One topic level without wildcards (possibly empty, now and then long).
fn level() -> impl Strategy<Value = String> {
    prop_oneof![12 => vec(level_char(), 0..8), 1 => vec(level_char(), 60..90)].prop_map(String::from_iter)
}

/// A non-empty topic name without wildcards, sometimes under `$SYS/`.
pub(crate) fn topic_name() -> impl Strategy<Value = TopicName> {
    (any::<bool>(), vec(level(), 1..5)).prop_filter_map("valid topic name", |(sys, levels)| {
        let mut s = levels.join("/");
        if sys {
            s.insert_str(0, "$SYS/");
        }
        if s.is_empty() {
            s.push('t');
        }
        TopicName::try_from(s).ok()
    })
}

/// A topic filter with well-placed wildcards: `+` alone in its level, `#` alone in
/// the last level.
fn filter_string() -> impl Strategy<Value = String> {
    (vec(prop_oneof![3 => level(), 1 => Just("+".to_owned())], 0..5), any::<bool>()).prop_map(|(mut levels, hash)| {
        if hash || levels.is_empty() {
            levels.push("#".to_owned());
        }
        let s = levels.join("/");
        if s.is_empty() { "+".to_owned() } else { s }
    })
}

/// A topic filter; in MQTT 5 sometimes a shared subscription `$share/{name}/{filter}`.
pub(crate) fn topic_filter(v: ProtocolVersion) -> impl Strategy<Value = TopicFilter> {
    let s = if v.is_v5() {
        prop_oneof![
            3 => filter_string(),
            1 => (vec(level_char(), 1..6), filter_string())
                .prop_map(|(name, f)| format!("$share/{}/{f}", String::from_iter(name))),
        ]
        .boxed()
    } else {
        filter_string().boxed()
    };
    s.prop_filter_map("valid topic filter", |s| TopicFilter::try_from(s).ok())
}

// ---------------------------------------------------------------------------
// Numbers, identifiers, codes
// ---------------------------------------------------------------------------

fn packet_id() -> impl Strategy<Value = PacketId> {
    prop_oneof![Just(1u16), Just(u16::MAX), 1..=u16::MAX].prop_map(|id| PacketId::new(id).expect("non-zero"))
}

fn qos() -> impl Strategy<Value = QoS> {
    select(&[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce][..])
}

fn qos_pid() -> impl Strategy<Value = QosPid> {
    (qos(), packet_id()).prop_map(|(q, id)| QosPid::new(q, id))
}

fn nz16() -> impl Strategy<Value = NonZeroU16> {
    prop_oneof![Just(1u16), Just(u16::MAX), 1..=u16::MAX].prop_map(|x| NonZeroU16::new(x).expect("non-zero"))
}

fn nz32() -> impl Strategy<Value = NonZeroU32> {
    prop_oneof![Just(1u32), Just(u32::MAX), 1..=u32::MAX].prop_map(|x| NonZeroU32::new(x).expect("non-zero"))
}

/// A Subscription Identifier, 1 to 268,435,455, covering each varint length.
fn sub_id() -> impl Strategy<Value = NonZeroU32> {
    prop_oneof![
        1u32..=127,
        128u32..=16_383,
        16_384u32..=2_097_151,
        2_097_152u32..=SUB_ID_MAX,
        select(&[1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, SUB_ID_MAX][..]),
    ]
    .prop_map(|x| NonZeroU32::new(x).expect("non-zero"))
}

fn opt_u32() -> impl Strategy<Value = Option<u32>> {
    option::of(prop_oneof![Just(0u32), Just(u32::MAX), any::<u32>()])
}

fn opt_u16() -> impl Strategy<Value = Option<u16>> {
    option::of(prop_oneof![Just(0u16), Just(u16::MAX), any::<u16>()])
}

/// Reason codes `packet` may carry in `v`.
pub(crate) fn valid_codes(packet: PacketType, v: ProtocolVersion) -> Vec<ReasonCode> {
    (0..=u8::MAX).filter_map(|b| ReasonCode::try_from(b).ok()).filter(|c| c.is_valid_for(packet, v)).collect()
}

fn reason_code(packet: PacketType, v: ProtocolVersion) -> impl Strategy<Value = ReasonCode> {
    let codes = valid_codes(packet, v);
    assert!(!codes.is_empty(), "{packet} has reason codes in {v}");
    // Success, the short form, half the time.
    prop_oneof![Just(ReasonCode::Success), select(codes)]
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

/// User properties from a small pool of names and values, so that repeated names
/// and repeated pairs are common; their order matters.
fn user_properties() -> impl Strategy<Value = Vec<UserProperty>> {
    let part = || {
        prop_oneof![
            2 => select(&["a", "key", "", "ключ"][..]).prop_map(|s| MqttStr::try_from(s).expect("valid")),
            1 => mqtt_str(),
        ]
    };
    vec((part(), part()).prop_map(|(name, value)| UserProperty { name, value }), 0..5)
}

fn payload_format() -> impl Strategy<Value = Option<PayloadFormat>> {
    option::of(select(&[PayloadFormat::Unspecified, PayloadFormat::Utf8][..]))
}

fn opt_str() -> impl Strategy<Value = Option<MqttStr>> {
    option::of(mqtt_str())
}

fn opt_bin() -> impl Strategy<Value = Option<Bytes>> {
    option::of(bin(24))
}

fn opt_bool() -> impl Strategy<Value = Option<bool>> {
    option::of(any::<bool>())
}

/// `s` in MQTT 5 (or now and then the defaults), the defaults before.
fn v5_only<T: Default + Clone + core::fmt::Debug + 'static>(
    v: ProtocolVersion,
    s: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<T> {
    if v.is_v5() { prop_oneof![1 => Just(T::default()), 4 => s].boxed() } else { Just(T::default()).boxed() }
}

fn connect_properties() -> impl Strategy<Value = ConnectProperties> {
    (
        opt_u32(),
        option::of(nz16()),
        option::of(nz32()),
        opt_u16(),
        opt_bool(),
        opt_bool(),
        opt_str(),
        opt_bin(),
        user_properties(),
    )
        .prop_map(|(sei, rm, mps, tam, rri, rpi, am, ad, up)| ConnectProperties {
            session_expiry_interval: sei,
            receive_maximum: rm,
            maximum_packet_size: mps,
            topic_alias_maximum: tam,
            request_response_information: rri,
            request_problem_information: rpi,
            authentication_method: am,
            authentication_data: ad,
            user_properties: up.into(),
        })
}

fn will_properties() -> impl Strategy<Value = WillProperties> {
    (opt_u32(), payload_format(), opt_u32(), opt_str(), option::of(topic_name()), opt_bin(), user_properties())
        .prop_map(|(wdi, pf, mei, ct, rt, cd, up)| WillProperties {
            will_delay_interval: wdi,
            payload_format: pf,
            message_expiry_interval: mei,
            content_type: ct,
            response_topic: rt,
            correlation_data: cd,
            user_properties: up.into(),
        })
}

fn connack_properties() -> impl Strategy<Value = ConnAckProperties> {
    (
        (
            opt_u32(),
            option::of(nz16()),
            option::of(select(&[QoS::AtMostOnce, QoS::AtLeastOnce][..])),
            opt_bool(),
            option::of(nz32()),
            opt_str(),
            opt_u16(),
            opt_str(),
            user_properties(),
        ),
        (opt_bool(), opt_bool(), opt_bool(), opt_u16(), opt_str(), opt_str(), opt_str(), opt_bin()),
    )
        .prop_map(|((sei, rm, mq, ra, mps, aci, tam, rs, up), (wsa, sia, ssa, ska, ri, sr, am, ad))| {
            ConnAckProperties {
                session_expiry_interval: sei,
                receive_maximum: rm,
                maximum_qos: mq,
                retain_available: ra,
                maximum_packet_size: mps,
                assigned_client_identifier: aci,
                topic_alias_maximum: tam,
                reason_string: rs,
                user_properties: up.into(),
                wildcard_subscription_available: wsa,
                subscription_identifiers_available: sia,
                shared_subscription_available: ssa,
                server_keep_alive: ska,
                response_information: ri,
                server_reference: sr,
                authentication_method: am,
                authentication_data: ad,
            }
        })
}

fn publish_properties() -> impl Strategy<Value = PublishProperties> {
    (
        payload_format(),
        opt_u32(),
        option::of(nz16()),
        option::of(topic_name()),
        opt_bin(),
        user_properties(),
        vec(sub_id(), 0..4),
        opt_str(),
    )
        .prop_map(|(pf, mei, ta, rt, cd, up, sids, ct)| PublishProperties {
            payload_format: pf,
            message_expiry_interval: mei,
            topic_alias: ta,
            response_topic: rt,
            correlation_data: cd,
            user_properties: up.into(),
            subscription_identifiers: sids.into(),
            content_type: ct,
        })
}

fn ack_properties() -> impl Strategy<Value = AckProperties> {
    (opt_str(), user_properties()).prop_map(|(reason_string, user_properties)| AckProperties {
        reason_string,
        user_properties: user_properties.into(),
    })
}

fn subscribe_properties() -> impl Strategy<Value = SubscribeProperties> {
    (option::of(sub_id()), user_properties()).prop_map(|(subscription_identifier, user_properties)| {
        SubscribeProperties { subscription_identifier, user_properties: user_properties.into() }
    })
}

fn unsubscribe_properties() -> impl Strategy<Value = UnsubscribeProperties> {
    user_properties().prop_map(|user_properties| UnsubscribeProperties { user_properties: user_properties.into() })
}

fn disconnect_properties() -> impl Strategy<Value = DisconnectProperties> {
    (opt_u32(), opt_str(), user_properties(), opt_str()).prop_map(|(sei, rs, up, sr)| DisconnectProperties {
        session_expiry_interval: sei,
        reason_string: rs,
        user_properties: up.into(),
        server_reference: sr,
    })
}

fn auth_properties() -> impl Strategy<Value = AuthProperties> {
    (opt_str(), opt_bin(), opt_str(), user_properties()).prop_map(|(am, ad, rs, up)| AuthProperties {
        authentication_method: am,
        authentication_data: ad,
        reason_string: rs,
        user_properties: up.into(),
    })
}

// ---------------------------------------------------------------------------
// Packets
// ---------------------------------------------------------------------------

fn will(v: ProtocolVersion) -> impl Strategy<Value = Will> {
    (topic_name(), bin(64), qos(), any::<bool>(), v5_only(v, will_properties()))
        .prop_map(|(topic, payload, qos, retain, properties)| Will { topic, payload, qos, retain, properties })
}

/// A CONNECT declaring `v`; before MQTT 5 a password only comes with a user name.
pub(crate) fn connect(v: ProtocolVersion) -> impl Strategy<Value = Connect> {
    (
        any::<bool>(),
        any::<u16>(),
        mqtt_str(),
        option::of(will(v)),
        option::of(mqtt_str()),
        option::of(bin(24)),
        v5_only(v, connect_properties()),
    )
        .prop_map(move |(clean_start, keep_alive, client_id, will, username, mut password, properties)| {
            if !v.is_v5() && username.is_none() {
                password = None;
            }
            Connect { protocol: v, clean_start, keep_alive, client_id, will, username, password, properties }
        })
}

/// A CONNACK: Session Present only on success, and never in MQTT 3.1 (which has no
/// such flag).
fn connack(v: ProtocolVersion) -> impl Strategy<Value = ConnAck> {
    (any::<bool>(), reason_code(PacketType::ConnAck, v), v5_only(v, connack_properties())).prop_map(
        move |(session_present, reason_code, properties)| ConnAck {
            session_present: session_present && reason_code == ReasonCode::Success && v != ProtocolVersion::V3_1,
            reason_code,
            properties,
        },
    )
}

/// A PUBLISH: DUP only with QoS 1 or 2; in MQTT 5 sometimes an empty topic name
/// with a Topic Alias.
pub(crate) fn publish(v: ProtocolVersion) -> impl Strategy<Value = Publish> {
    let topic = if v.is_v5() {
        prop_oneof![5 => topic_name().prop_map(Some), 1 => Just(None)].boxed()
    } else {
        topic_name().prop_map(Some).boxed()
    };
    (
        any::<bool>(),
        qos_pid(),
        any::<bool>(),
        topic,
        prop_oneof![2 => bin(16), 1 => bin(2048)],
        v5_only(v, publish_properties()),
        nz16(),
    )
        .prop_map(|(dup, qos, retain, topic, payload, mut properties, alias)| {
            let topic = topic.unwrap_or_else(|| {
                properties.topic_alias.get_or_insert(alias);
                TopicName::default()
            });
            Publish { dup: dup && qos != QosPid::AtMostOnce, qos, retain, topic, payload, properties: None }
                .with_properties(properties)
        })
}

fn ack(v: ProtocolVersion, packet: PacketType) -> impl Strategy<Value = Ack> {
    (packet_id(), reason_code(packet, v), v5_only(v, ack_properties()))
        .prop_map(|(packet_id, reason_code, properties)| Ack { packet_id, reason_code, properties })
}

fn subscription(v: ProtocolVersion) -> impl Strategy<Value = Subscription> {
    let options = (
        qos(),
        any::<bool>(),
        any::<bool>(),
        select(&[RetainHandling::SendAtSubscribe, RetainHandling::SendAtSubscribeIfNew, RetainHandling::DoNotSend][..]),
    )
        .prop_map(move |(qos, no_local, retain_as_published, retain_handling)| {
            if v.is_v5() {
                SubscriptionOptions { qos, no_local, retain_as_published, retain_handling }
            } else {
                SubscriptionOptions::new(qos)
            }
        });
    (topic_filter(v), options).prop_map(|(filter, mut options)| {
        // MQTT-3.8.3-4: No Local may not be set on a shared subscription.
        options.no_local &= !filter.is_shared();
        Subscription { filter, options }
    })
}

fn subscribe(v: ProtocolVersion) -> impl Strategy<Value = Subscribe> {
    (packet_id(), vec(subscription(v), 1..5), v5_only(v, subscribe_properties())).prop_map(
        |(packet_id, subscriptions, properties)| Subscribe {
            packet_id,
            subscriptions: subscriptions.into(),
            properties,
        },
    )
}

fn suback(v: ProtocolVersion) -> impl Strategy<Value = SubAck> {
    (packet_id(), vec(reason_code(PacketType::SubAck, v), 1..6), v5_only(v, ack_properties()))
        .prop_map(|(packet_id, reason_codes, properties)| SubAck { packet_id, reason_codes, properties })
}

fn unsubscribe(v: ProtocolVersion) -> impl Strategy<Value = Unsubscribe> {
    (packet_id(), vec(topic_filter(v), 1..5), v5_only(v, unsubscribe_properties()))
        .prop_map(|(packet_id, filters, properties)| Unsubscribe { packet_id, filters: filters.into(), properties })
}

/// An UNSUBACK: MQTT 5 has one reason code per filter, 3.x none.
fn unsuback(v: ProtocolVersion) -> impl Strategy<Value = UnsubAck> {
    let codes = if v.is_v5() { vec(reason_code(PacketType::UnsubAck, v), 1..6).boxed() } else { Just(vec![]).boxed() };
    (packet_id(), codes, v5_only(v, ack_properties())).prop_map(|(packet_id, reason_codes, properties)| UnsubAck {
        packet_id,
        reason_codes,
        properties,
    })
}

fn disconnect(v: ProtocolVersion) -> impl Strategy<Value = Disconnect> {
    (reason_code(PacketType::Disconnect, v), v5_only(v, disconnect_properties()))
        .prop_map(|(reason_code, properties)| Disconnect { reason_code, properties })
}

fn auth() -> impl Strategy<Value = Auth> {
    (reason_code(PacketType::Auth, ProtocolVersion::V5), auth_properties())
        .prop_map(|(reason_code, properties)| Auth { reason_code, properties })
}

/// A valid packet of any type `v` has (AUTH only in MQTT 5).
pub(crate) fn packet(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    let mut arms: Vec<(u32, BoxedStrategy<Packet>)> = vec![
        (3, connect(v).prop_map(Packet::from).boxed()),
        (2, connack(v).prop_map(Packet::from).boxed()),
        (4, publish(v).prop_map(Packet::Publish).boxed()),
        (1, ack(v, PacketType::PubAck).prop_map(Packet::PubAck).boxed()),
        (1, ack(v, PacketType::PubRec).prop_map(Packet::PubRec).boxed()),
        (1, ack(v, PacketType::PubRel).prop_map(Packet::PubRel).boxed()),
        (1, ack(v, PacketType::PubComp).prop_map(Packet::PubComp).boxed()),
        (2, subscribe(v).prop_map(Packet::Subscribe).boxed()),
        (2, suback(v).prop_map(Packet::SubAck).boxed()),
        (2, unsubscribe(v).prop_map(Packet::Unsubscribe).boxed()),
        (2, unsuback(v).prop_map(Packet::UnsubAck).boxed()),
        (1, Just(Packet::PingReq).boxed()),
        (1, Just(Packet::PingResp).boxed()),
        (1, disconnect(v).prop_map(Packet::Disconnect).boxed()),
    ];
    if v.is_v5() {
        arms.push((1, auth().prop_map(Packet::Auth).boxed()));
    }
    Union::new_weighted(arms).boxed()
}

/// A protocol version and a valid packet of it.
pub(crate) fn any_packet() -> impl Strategy<Value = (ProtocolVersion, Packet)> {
    select(&VERSIONS[..]).prop_flat_map(|v| packet(v).prop_map(move |p| (v, p)))
}

// ---------------------------------------------------------------------------
// Corrupted input
// ---------------------------------------------------------------------------

/// An edit of wire bytes.
#[derive(Clone, Debug)]
pub(crate) enum Mutation {
    /// Flip one bit of one byte.
    FlipBit(Index, u8),
    /// Overwrite one byte.
    Set(Index, u8),
    /// Cut the input at a point.
    Truncate(Index),
    /// Insert a byte.
    Insert(Index, u8),
    /// Remove a byte.
    Remove(Index),
    /// Append bytes.
    Extend(Vec<u8>),
}

impl Mutation {
    fn apply(&self, bytes: &mut Vec<u8>) {
        let len = bytes.len();
        match self {
            Self::FlipBit(i, bit) if len > 0 => bytes[i.index(len)] ^= 1 << (bit % 8),
            Self::Set(i, b) if len > 0 => bytes[i.index(len)] = *b,
            Self::Truncate(i) => bytes.truncate(i.index(len + 1)),
            Self::Insert(i, b) => bytes.insert(i.index(len + 1), *b),
            Self::Remove(i) if len > 0 => {
                bytes.remove(i.index(len));
            }
            Self::Extend(tail) => bytes.extend_from_slice(tail),
            _ => {}
        }
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        2 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => any::<Index>().prop_map(Mutation::Remove),
        1 => vec(any::<u8>(), 1..16).prop_map(Mutation::Extend),
    ]
}

/// Bytes that are likely to start, or sit inside, a packet header.
const INTERESTING: &[u8] = &[
    0x00, 0x01, 0x02, 0x7F, 0x80, 0xFF, 0x10, 0x20, 0x30, 0x32, 0x34, 0x3B, 0x40, 0x50, 0x62, 0x70, 0x82, 0x8A, 0x90,
    0xA2, 0xB0, 0xC0, 0xD0, 0xE0, 0xF0, 0x04, b'M', b'Q', b'T', 0x05, 0x26, 0x0B, 0x23,
];

/// Input for the decoders: arbitrary bytes, bytes drawn from values that appear in
/// headers, or the encodings of valid packets (of any version) after random edits.
pub(crate) fn fuzz_input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => vec(any::<u8>(), 0..512),
        1 => vec(select(INTERESTING), 0..64),
        5 => (vec(any_packet(), 1..3), vec(mutation(), 0..4)).prop_map(|(packets, mutations)| {
            let mut bytes = Vec::new();
            for (v, p) in &packets {
                Codec::new(*v).encode(p, &mut bytes).expect("a valid packet encodes");
            }
            for m in &mutations {
                m.apply(&mut bytes);
            }
            bytes
        }),
    ]
}

// ---------------------------------------------------------------------------
// Invalid packets
// ---------------------------------------------------------------------------

/// An edit that may make a valid packet invalid, in its version or another.
#[derive(Clone, Debug)]
pub(crate) enum Tweak {
    /// Set DUP on a PUBLISH, whatever its QoS.
    Dup,
    /// Empty the topic name of a PUBLISH (keeping any topic alias).
    EmptyTopic,
    /// Replace the (first) reason code with any code.
    ReasonCode(Index),
    /// Set Session Present on a CONNACK.
    SessionPresent,
    /// Set Maximum QoS 2 in CONNACK properties.
    MaximumQos2,
    /// Empty the filter or reason code list of SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK.
    EmptyList,
    /// Set No Local on every subscription of a SUBSCRIBE.
    NoLocal,
    /// Change the version a CONNECT declares.
    Protocol(ProtocolVersion),
    /// Give a CONNECT a password without a user name.
    PasswordOnly,
}

impl Tweak {
    /// Applies the edit where it makes sense for `packet`.
    pub(crate) fn apply(&self, packet: &mut Packet) {
        let any_code = |i: &Index| {
            let all: Vec<ReasonCode> = (0..=u8::MAX).filter_map(|b| ReasonCode::try_from(b).ok()).collect();
            all[i.index(all.len())]
        };
        match (self, packet) {
            (Self::Dup, Packet::Publish(p)) => p.dup = true,
            (Self::EmptyTopic, Packet::Publish(p)) => p.topic = TopicName::default(),
            (Self::ReasonCode(i), Packet::ConnAck(c)) => c.reason_code = any_code(i),
            (Self::ReasonCode(i), Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a)) => {
                a.reason_code = any_code(i)
            }
            (Self::ReasonCode(i), Packet::SubAck(SubAck { reason_codes, .. }))
            | (Self::ReasonCode(i), Packet::UnsubAck(UnsubAck { reason_codes, .. })) => {
                if let Some(c) = reason_codes.first_mut() {
                    *c = any_code(i);
                }
            }
            (Self::ReasonCode(i), Packet::Disconnect(d)) => d.reason_code = any_code(i),
            (Self::ReasonCode(i), Packet::Auth(a)) => a.reason_code = any_code(i),
            (Self::SessionPresent, Packet::ConnAck(c)) => c.session_present = true,
            (Self::MaximumQos2, Packet::ConnAck(c)) => c.properties.maximum_qos = Some(QoS::ExactlyOnce),
            (Self::EmptyList, Packet::Subscribe(s)) => s.subscriptions.clear(),
            (Self::EmptyList, Packet::SubAck(s)) => s.reason_codes.clear(),
            (Self::EmptyList, Packet::Unsubscribe(u)) => u.filters.clear(),
            (Self::EmptyList, Packet::UnsubAck(u)) => u.reason_codes.clear(),
            (Self::NoLocal, Packet::Subscribe(s)) => {
                s.subscriptions.make_mut().iter_mut().for_each(|s| s.options.no_local = true)
            }
            (Self::Protocol(v), Packet::Connect(c)) => c.protocol = *v,
            (Self::PasswordOnly, Packet::Connect(c)) => {
                c.username = None;
                c.password.get_or_insert_with(Bytes::new);
            }
            _ => {}
        }
    }
}

/// A packet valid in some version, perhaps made invalid by a few tweaks.
pub(crate) fn tweaked_packet() -> impl Strategy<Value = Packet> {
    let tweak = prop_oneof![
        Just(Tweak::Dup),
        Just(Tweak::EmptyTopic),
        any::<Index>().prop_map(Tweak::ReasonCode),
        Just(Tweak::SessionPresent),
        Just(Tweak::MaximumQos2),
        Just(Tweak::EmptyList),
        Just(Tweak::NoLocal),
        select(&VERSIONS[..]).prop_map(Tweak::Protocol),
        Just(Tweak::PasswordOnly),
    ];
    (any_packet(), vec(tweak, 0..3)).prop_map(|((_, mut packet), tweaks)| {
        for t in &tweaks {
            t.apply(&mut packet);
        }
        packet
    })
}
