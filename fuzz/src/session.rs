//! The session check: operation sequences on mqtt-session's `Window`,
//! `Outgoing` and `IncomingQos2`, each step compared with a reference model
//! written the obvious way.
//!
//! The first byte picks the type under test; every following byte starts an
//! operation, whose arguments are the bytes after it. After every operation
//! every return value and every observable state (order, lengths, caps, the
//! allocation cursor, lookups) must match the model, and, independently of the
//! model, the ids in use are distinct and a newly allocated id was not in use
//! (MQTT-2.2.1-3).
//!
//! The models state the documented rules: a new id is the first one, counting
//! up from the cursor and wrapping from 65535 to 1, that is not in use; an id
//! chosen by the caller is stored whenever it is not in use and there is room;
//! entries are kept oldest first.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use mqtt_session::{
    AckError, AckErrorKind, Exchange, ExchangeKind, Full, IncomingQos2, InsertError, InsertErrorKind, Outgoing,
    PacketId, QoS, SessionError, Window,
};

use super::input::Input;

/// Slots of the window under test: few, so that it fills up often.
pub const N: usize = 8;

/// Runs the operation sequence in `data` and compares with the models. Panics
/// on a difference.
pub fn check_session(data: &[u8]) {
    let mut input = Input::new(data);
    match input.below(3) {
        0 => run_window(&mut input),
        1 => run_outgoing(&mut input),
        _ => run_incoming(&mut input),
    }
}

fn pid(value: u16) -> PacketId {
    PacketId::new(value).unwrap_or(PacketId::MIN)
}

fn after(id: u16) -> u16 {
    if id == u16::MAX { 1 } else { id + 1 }
}

/// An id the input names: mostly near the start or the wrap of the id space,
/// where the interesting things happen, sometimes anywhere. Never 0.
fn any_id(input: &mut Input<'_>) -> u16 {
    let b = input.u8();
    match b >> 6 {
        0 => u16::from(b & 0x1F) + 1,
        1 => 0xFFE0 | u16::from(b & 0x1F),
        2 => u16::from(b & 0x3F).wrapping_mul(1021).max(1),
        _ => input.u16().max(1),
    }
}

/// An id in use (chosen among `ids`, oldest first) or, one time in four, any id.
fn pick_id(input: &mut Input<'_>, ids: &[u16]) -> u16 {
    let b = input.u8();
    if b & 0x03 != 0 && !ids.is_empty() { ids[usize::from(b >> 2) % ids.len()] } else { any_id(input) }
}

/// The allocation rule, stated directly.
fn model_allocate(in_use: &[u16], cursor: u16) -> Option<u16> {
    let mut id = cursor;
    for _ in 0..0xFFFF {
        if !in_use.contains(&id) {
            return Some(id);
        }
        id = after(id);
    }
    None
}

fn assert_distinct(ids: &[u16]) {
    let set: BTreeSet<u16> = ids.iter().copied().collect();
    assert_eq!(set.len(), ids.len(), "ids in use are distinct: {ids:?}");
    assert!(!set.contains(&0), "no id is zero");
}

// ---------------------------------------------------------------- Window

/// The reference window: entries oldest first.
struct WindowModel {
    entries: Vec<(u16, u32)>,
    cap: usize,
    cursor: u16,
}

impl WindowModel {
    fn ids(&self) -> Vec<u16> {
        self.entries.iter().map(|&(id, _)| id).collect()
    }

    fn position(&self, id: u16) -> Option<usize> {
        self.entries.iter().position(|&(used, _)| used == id)
    }
}

fn run_window(input: &mut Input<'_>) {
    let mut window: Window<u32, N> = Window::new();
    let mut model = WindowModel { entries: Vec::new(), cap: N, cursor: 1 };
    let mut value = 0u32;
    while !input.is_empty() {
        value += 1;
        match input.below(8) {
            0 | 1 => {
                let expected =
                    if model.entries.len() >= model.cap { None } else { model_allocate(&model.ids(), model.cursor) };
                let got = window.insert(value);
                match expected {
                    Some(id) => {
                        assert_eq!(got, Ok(pid(id)), "insert");
                        assert!(model.position(id).is_none(), "MQTT-2.2.1-3: a new id is not in use");
                        model.entries.push((id, value));
                        model.cursor = after(id);
                    }
                    None => assert_eq!(got, Err(Full(value)), "insert into a full window"),
                }
            }
            2 => {
                let id = any_id(input);
                let kind = if model.position(id).is_some() {
                    Some(InsertErrorKind::IdInUse)
                } else if model.entries.len() >= model.cap {
                    Some(InsertErrorKind::Full)
                } else {
                    None
                };
                let got = window.insert_with_id(pid(id), value);
                match kind {
                    Some(kind) => assert_eq!(got, Err(InsertError { id: pid(id), kind, value }), "insert_with_id"),
                    None => {
                        assert_eq!(got, Ok(()), "insert_with_id");
                        model.entries.push((id, value));
                    }
                }
            }
            3 | 4 => {
                let id = pick_id(input, &model.ids());
                let expected = model.position(id).map(|at| model.entries.remove(at).1);
                assert_eq!(window.remove(pid(id)), expected, "remove {id}");
            }
            5 => {
                let id = pick_id(input, &model.ids());
                match (window.get_mut(pid(id)), model.position(id)) {
                    (Some(slot), Some(at)) => {
                        *slot = value;
                        model.entries[at].1 = value;
                    }
                    (None, None) => {}
                    (got, at) => panic!("get_mut({id}) gave {got:?}, the model has it at {at:?}"),
                }
            }
            6 => match input.below(3) {
                0 => {
                    let cap = usize::from(input.below(u8::try_from(N).unwrap_or(8) + 3));
                    window.set_cap(cap);
                    model.cap = cap.clamp(1, N);
                }
                1 => {
                    let id = any_id(input);
                    window.set_next_id(pid(id));
                    model.cursor = id;
                }
                _ => {
                    window.clear();
                    model.entries.clear();
                }
            },
            _ => {
                // A vacant entry dropped without inserting changes nothing;
                // inserting through it is `insert`.
                let expected =
                    if model.entries.len() >= model.cap { None } else { model_allocate(&model.ids(), model.cursor) };
                let keep = input.u8() & 1 == 1;
                match (window.vacant_entry(), expected) {
                    (Some(vacant), Some(id)) => {
                        assert_eq!(vacant.id(), pid(id), "vacant_entry id");
                        if keep {
                            vacant.insert(value);
                            model.entries.push((id, value));
                            model.cursor = after(id);
                        }
                    }
                    (None, None) => {}
                    (got, id) => panic!("vacant_entry gave {:?}, the model {id:?}", got.map(|v| v.id())),
                }
            }
        }
        check_window(&window, &model);
    }
}

fn check_window(window: &Window<u32, N>, model: &WindowModel) {
    let seen: Vec<(u16, u32)> = window.iter().map(|(id, v)| (id.get(), *v)).collect();
    assert_eq!(seen, model.entries, "oldest-first order");
    let mut reversed: Vec<(u16, u32)> = window.iter().rev().map(|(id, v)| (id.get(), *v)).collect();
    reversed.reverse();
    assert_eq!(reversed, model.entries, "newest-first order");
    assert_distinct(&model.ids());
    assert_eq!(window.len(), model.entries.len(), "len");
    assert_eq!(window.iter().len(), model.entries.len(), "iter len");
    assert_eq!(window.is_empty(), model.entries.is_empty(), "is_empty");
    assert_eq!(window.cap(), model.cap, "cap");
    assert_eq!(window.is_full(), model.entries.len() >= model.cap, "is_full");
    assert_eq!(window.next_id().get(), model.cursor, "next_id");
    assert_eq!(window.oldest().map(|(id, v)| (id.get(), *v)), model.entries.first().copied(), "oldest");
    assert_eq!(window.newest().map(|(id, v)| (id.get(), *v)), model.entries.last().copied(), "newest");
    for &(id, value) in &model.entries {
        assert_eq!(window.get(pid(id)), Some(&value), "get {id}");
        for near in [after(id), id.wrapping_sub(1).max(1), id.wrapping_add(N as u16).max(1)] {
            assert_eq!(window.contains(pid(near)), model.position(near).is_some(), "contains {near}");
        }
    }
}

// ---------------------------------------------------------------- Outgoing

/// The reference outgoing exchanges: oldest first.
struct OutgoingModel {
    entries: Vec<(u16, Exchange<u32>)>,
    max_inflight: usize,
    cursor: u16,
}

impl OutgoingModel {
    fn ids(&self) -> Vec<u16> {
        self.entries.iter().map(|&(id, _)| id).collect()
    }

    fn publishes(&self) -> usize {
        self.entries.iter().filter(|(_, ex)| ex.is_publish()).count()
    }

    fn position(&self, id: u16) -> Option<usize> {
        self.entries.iter().position(|&(used, _)| used == id)
    }

    /// Allocates as documented, or `None` when all `N` slots are taken.
    fn allocate(&mut self, exchange: Exchange<u32>) -> Option<u16> {
        if self.entries.len() >= N {
            return None;
        }
        let id = model_allocate(&self.ids(), self.cursor)?;
        self.entries.push((id, exchange));
        self.cursor = after(id);
        Some(id)
    }

    /// Why `id` cannot be restored, if it cannot.
    fn restore_conflict(&self, id: u16) -> Option<InsertErrorKind> {
        if self.position(id).is_some() {
            Some(InsertErrorKind::IdInUse)
        } else if self.entries.len() >= N {
            Some(InsertErrorKind::Full)
        } else {
            None
        }
    }

    /// An acknowledgement expecting `expected`, which ends the exchange when it
    /// matches.
    fn ack(&mut self, id: u16, expected: ExchangeKind) -> Result<Exchange<u32>, AckError> {
        let Some(at) = self.position(id) else {
            return Err(AckError { id: pid(id), kind: AckErrorKind::UnknownId });
        };
        let found = self.entries[at].1.kind();
        if found != expected {
            return Err(AckError { id: pid(id), kind: AckErrorKind::WrongKind { expected, found } });
        }
        Ok(self.entries.remove(at).1)
    }
}

fn session_error<T>(id: u16, kind: InsertErrorKind, value: T) -> SessionError<T> {
    match kind {
        InsertErrorKind::IdInUse => SessionError::IdInUse { id: pid(id), value },
        _ => SessionError::NoFreeId(value),
    }
}

fn qos(input: &mut Input<'_>) -> QoS {
    match input.below(3) {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

fn message(exchange: Exchange<u32>) -> u32 {
    exchange.message().copied().unwrap_or_default()
}

fn run_outgoing(input: &mut Input<'_>) {
    let mut out: Outgoing<u32, N> = Outgoing::new();
    let mut model = OutgoingModel { entries: Vec::new(), max_inflight: N, cursor: 1 };
    let mut value = 0u32;
    while !input.is_empty() {
        value += 1;
        match input.below(14) {
            0..=2 => {
                let qos = qos(input);
                let got = out.start_publish(qos, value);
                let exchange = match qos {
                    QoS::AtMostOnce => {
                        assert_eq!(got, Err(SessionError::QoS0(value)), "start_publish QoS 0");
                        continue;
                    }
                    QoS::AtLeastOnce => Exchange::AwaitingPubAck(value),
                    QoS::ExactlyOnce => Exchange::AwaitingPubRec(value),
                };
                if model.publishes() >= model.max_inflight {
                    assert_eq!(got, Err(SessionError::InflightFull(value)), "start_publish over max_inflight");
                } else {
                    let before = model.ids();
                    match model.allocate(exchange) {
                        Some(id) => {
                            assert!(!before.contains(&id), "MQTT-2.2.1-3: a new id is not in use");
                            assert_eq!(got, Ok(pid(id)), "start_publish");
                        }
                        None => assert_eq!(got, Err(SessionError::NoFreeId(value)), "start_publish, no slot"),
                    }
                }
            }
            3 => {
                let (got, exchange) = if input.u8() & 1 == 0 {
                    (out.start_subscribe(), Exchange::AwaitingSubAck)
                } else {
                    (out.start_unsubscribe(), Exchange::AwaitingUnsubAck)
                };
                let expected = model.allocate(exchange).map(pid).ok_or(SessionError::NoFreeId(()));
                assert_eq!(got, expected, "start_subscribe / start_unsubscribe");
            }
            4 => {
                let id = pick_id(input, &model.ids());
                let expected = model.ack(id, ExchangeKind::AwaitingPubAck).map(message);
                assert_eq!(out.puback(pid(id)), expected, "puback {id}");
            }
            5 => {
                let id = pick_id(input, &model.ids());
                let expected = match model.position(id) {
                    Some(at) => match model.entries[at].1 {
                        Exchange::AwaitingPubRec(v) => {
                            model.entries[at].1 = Exchange::AwaitingPubComp;
                            Ok(v)
                        }
                        Exchange::AwaitingPubComp => Err(AckError { id: pid(id), kind: AckErrorKind::DuplicatePubRec }),
                        ref other => Err(AckError {
                            id: pid(id),
                            kind: AckErrorKind::WrongKind {
                                expected: ExchangeKind::AwaitingPubRec,
                                found: other.kind(),
                            },
                        }),
                    },
                    None => Err(AckError { id: pid(id), kind: AckErrorKind::UnknownId }),
                };
                assert_eq!(out.pubrec(pid(id)), expected, "pubrec {id}");
            }
            6 => {
                let id = pick_id(input, &model.ids());
                let expected = model.ack(id, ExchangeKind::AwaitingPubRec).map(message);
                assert_eq!(out.pubrec_rejected(pid(id)), expected, "pubrec_rejected {id}");
            }
            7 => {
                let id = pick_id(input, &model.ids());
                let expected = model.ack(id, ExchangeKind::AwaitingPubComp).map(drop);
                assert_eq!(out.pubcomp(pid(id)), expected, "pubcomp {id}");
            }
            8 => {
                let id = pick_id(input, &model.ids());
                let (got, expected) = if input.u8() & 1 == 0 {
                    (out.suback(pid(id)), model.ack(id, ExchangeKind::AwaitingSubAck).map(drop))
                } else {
                    (out.unsuback(pid(id)), model.ack(id, ExchangeKind::AwaitingUnsubAck).map(drop))
                };
                assert_eq!(got, expected, "suback / unsuback {id}");
            }
            9 => {
                let id = pick_id(input, &model.ids());
                let expected = model.position(id).map(|at| model.entries.remove(at).1);
                assert_eq!(out.cancel(pid(id)), expected, "cancel {id}");
            }
            10 => {
                let id = any_id(input);
                let qos = qos(input);
                let got = out.restore_publish(pid(id), qos, value);
                let exchange = match qos {
                    QoS::AtMostOnce => {
                        assert_eq!(got, Err(SessionError::QoS0(value)), "restore_publish QoS 0");
                        continue;
                    }
                    QoS::AtLeastOnce => Exchange::AwaitingPubAck(value),
                    QoS::ExactlyOnce => Exchange::AwaitingPubRec(value),
                };
                match model.restore_conflict(id) {
                    Some(kind) => assert_eq!(got, Err(session_error(id, kind, value)), "restore_publish {id}"),
                    None => {
                        assert_eq!(got, Ok(()), "restore_publish {id}");
                        model.entries.push((id, exchange));
                    }
                }
            }
            11 => {
                let id = any_id(input);
                let got = out.restore_pubrel(pid(id));
                match model.restore_conflict(id) {
                    Some(kind) => assert_eq!(got, Err(session_error(id, kind, ())), "restore_pubrel {id}"),
                    None => {
                        assert_eq!(got, Ok(()), "restore_pubrel {id}");
                        model.entries.push((id, Exchange::AwaitingPubComp));
                    }
                }
            }
            12 => {
                let id = pick_id(input, &model.ids());
                match (out.message_mut(pid(id)), model.position(id)) {
                    (Some(m), Some(at)) => {
                        *m = value;
                        match &mut model.entries[at].1 {
                            Exchange::AwaitingPubAck(v) | Exchange::AwaitingPubRec(v) => *v = value,
                            other => panic!("message_mut({id}) gave a message for {other:?}"),
                        }
                    }
                    (None, at) => {
                        let has_message = at.is_some_and(|at| model.entries[at].1.message().is_some());
                        assert!(!has_message, "message_mut({id}) gave nothing for a publish awaiting its ack");
                    }
                    (Some(_), None) => panic!("message_mut({id}) gave a message for an id not in use"),
                }
            }
            _ => match input.below(3) {
                0 => {
                    let max = usize::from(input.below(u8::try_from(N).unwrap_or(8) + 3));
                    out.set_max_inflight(max);
                    model.max_inflight = max.clamp(1, N);
                }
                1 => {
                    let id = any_id(input);
                    out.set_next_id(pid(id));
                    model.cursor = id;
                }
                _ => {
                    out.clear();
                    model.entries.clear();
                }
            },
        }
        check_outgoing(&out, &model);
    }
}

fn check_outgoing(out: &Outgoing<u32, N>, model: &OutgoingModel) {
    let seen: Vec<(u16, Exchange<u32>)> = out.iter().map(|(id, ex)| (id.get(), *ex)).collect();
    assert_eq!(seen, model.entries, "start order");
    assert_distinct(&model.ids());
    assert_eq!(out.len(), model.entries.len(), "len");
    assert_eq!(out.is_empty(), model.entries.is_empty(), "is_empty");
    assert_eq!(out.publishes_in_flight(), model.publishes(), "publishes_in_flight");
    assert_eq!(out.max_inflight(), model.max_inflight, "max_inflight");
    assert_eq!(out.can_publish(), model.publishes() < model.max_inflight && model.entries.len() < N, "can_publish");
    assert_eq!(out.can_subscribe(), model.entries.len() < N, "can_subscribe");
    assert_eq!(out.next_id().get(), model.cursor, "next_id");
    assert_eq!(out.oldest().map(|(id, ex)| (id.get(), *ex)), model.entries.first().copied(), "oldest");
    for (id, exchange) in &model.entries {
        assert_eq!(out.get(pid(*id)), Some(exchange), "get {id}");
        assert!(out.contains(pid(*id)), "contains {id}");
    }
}

// ---------------------------------------------------------------- IncomingQos2

fn run_incoming(input: &mut Input<'_>) {
    let mut held = IncomingQos2::new();
    let mut model = BTreeSet::new();
    while !input.is_empty() {
        let op = input.below(9);
        let id = any_id(input);
        match op {
            0..=4 => assert_eq!(held.receive(pid(id)), model.insert(id), "receive {id}"),
            5..=7 => assert_eq!(held.release(pid(id)), model.remove(&id), "release {id}"),
            _ => {
                held.clear();
                model.clear();
            }
        }
        assert_eq!(held.len(), model.len(), "len");
        assert_eq!(held.is_empty(), model.is_empty(), "is_empty");
        assert_eq!(held.contains(pid(id)), model.contains(&id), "contains {id}");
        let ids: Vec<u16> = held.iter().map(PacketId::get).collect();
        let expected: Vec<u16> = model.iter().copied().collect();
        assert_eq!(ids, expected, "ascending ids");
        assert_eq!(held.iter().len(), model.len(), "iter len");
    }
}
