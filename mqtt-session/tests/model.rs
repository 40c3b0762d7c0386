//! Model-based tests: random sequences of operations run against the crate's
//! types and against small reference models written the obvious way (a `Vec`
//! in insertion order, a `BTreeSet`), and every return value and observable
//! state is compared after every step.
//!
//! The models state the documented rules directly: the new id is the first
//! id, counting up from the cursor and wrapping from 65535 to 1, that is not in
//! use; an id chosen by the caller is stored whenever it is not in use and
//! fewer than `cap` entries are. Every step also checks, independently of the
//! models, that the ids in use are distinct and that a new id was not in use
//! (MQTT-2.2.1-3).

extern crate alloc;

use alloc::collections::BTreeSet;

use mqtt_session::{
    AckError, AckErrorKind, Exchange, ExchangeKind, Full, IncomingQos2, InsertError, InsertErrorKind, Outgoing,
    PacketId, QoS, SessionError, Window,
};
use proptest::prelude::*;
use proptest::sample::Index;

/// Slots in the window under test: small, so that it fills up often.
const N: usize = 8;

fn pid(value: u16) -> PacketId {
    PacketId::new(value).expect("model ids are non-zero")
}

fn before(id: u16) -> u16 {
    if id == 1 { u16::MAX } else { id - 1 }
}

fn after(id: u16) -> u16 {
    if id == u16::MAX { 1 } else { id + 1 }
}

/// Ids that exercise the interesting places: the start, the wrap, anywhere.
fn any_id() -> impl Strategy<Value = u16> {
    prop_oneof![1..=24_u16, 0xFFF0..=0xFFFF_u16, 1..=0xFFFF_u16]
}

/// An acknowledged or removed id: mostly one in use, sometimes any id.
#[derive(Clone, Debug)]
enum Pick {
    InUse(Index),
    Any(u16),
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![
        3 => any::<Index>().prop_map(Pick::InUse),
        1 => any_id().prop_map(Pick::Any),
    ]
}

/// The allocation rule, stated directly over a list of ids in use.
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

/// Checks what holds for any table of ids, model or not.
fn assert_ids_distinct(ids: &[u16]) {
    let set: BTreeSet<u16> = ids.iter().copied().collect();
    assert_eq!(set.len(), ids.len(), "ids in use are distinct: {ids:?}");
    assert!(!set.contains(&0), "no id is zero");
}

// ---------------------------------------------------------------- Window

#[derive(Clone, Debug)]
enum WindowOp {
    Insert(u32),
    InsertWithId(u16, u32),
    Remove(Pick),
    Set(Pick, u32),
    SetCap(usize),
    SetNextId(u16),
    Clear,
}

fn window_op() -> impl Strategy<Value = WindowOp> {
    prop_oneof![
        6 => any::<u32>().prop_map(WindowOp::Insert),
        2 => (any_id(), any::<u32>()).prop_map(|(id, v)| WindowOp::InsertWithId(id, v)),
        5 => pick().prop_map(WindowOp::Remove),
        1 => (pick(), any::<u32>()).prop_map(|(p, v)| WindowOp::Set(p, v)),
        1 => (0..=N + 2).prop_map(WindowOp::SetCap),
        1 => any_id().prop_map(WindowOp::SetNextId),
        1 => Just(WindowOp::Clear),
    ]
}

/// The reference window: entries in insertion order.
struct WindowModel {
    entries: Vec<(u16, u32)>,
    cap: usize,
    cursor: u16,
}

impl WindowModel {
    fn ids(&self) -> Vec<u16> {
        self.entries.iter().map(|&(id, _)| id).collect()
    }

    fn resolve(&self, pick: &Pick) -> u16 {
        match pick {
            Pick::InUse(index) if !self.entries.is_empty() => self.entries[index.index(self.entries.len())].0,
            Pick::InUse(_) => 1,
            Pick::Any(id) => *id,
        }
    }

    fn position(&self, id: u16) -> Option<usize> {
        self.entries.iter().position(|&(used, _)| used == id)
    }
}

fn check_window(window: &Window<u32, N>, model: &WindowModel) {
    let seen: Vec<(u16, u32)> = window.iter().map(|(id, v)| (id.get(), *v)).collect();
    assert_eq!(seen, model.entries, "oldest-first order");
    let mut reversed: Vec<(u16, u32)> = window.iter().rev().map(|(id, v)| (id.get(), *v)).collect();
    reversed.reverse();
    assert_eq!(reversed, model.entries, "newest-first order");
    assert_ids_distinct(&model.ids());
    assert_eq!(window.len(), model.entries.len());
    assert_eq!(window.iter().len(), model.entries.len());
    assert_eq!(window.is_empty(), model.entries.is_empty());
    assert_eq!(window.cap(), model.cap);
    assert_eq!(window.is_full(), model.entries.len() >= model.cap);
    assert_eq!(window.next_id().get(), model.cursor);
    let first = model.entries.first().map(|&(id, v)| (pid(id), v));
    assert_eq!(window.oldest().map(|(id, v)| (id, *v)), first);
    let last = model.entries.last().map(|&(id, v)| (pid(id), v));
    assert_eq!(window.newest().map(|(id, v)| (id, *v)), last);
    for &(id, value) in &model.entries {
        assert_eq!(window.get(pid(id)), Some(&value));
        // Nearby ids, and ids `N` apart, are absent unless stored.
        let n = N as u16;
        for near in [after(id), before(id), id.wrapping_add(n).max(1), id.wrapping_sub(n).max(1)] {
            assert_eq!(window.contains(pid(near)), model.position(near).is_some(), "id {near}");
        }
    }
}

fn step_window(window: &mut Window<u32, N>, model: &mut WindowModel, op: &WindowOp) {
    match *op {
        WindowOp::Insert(value) => {
            let expected =
                if model.entries.len() >= model.cap { None } else { model_allocate(&model.ids(), model.cursor) };
            let got = window.insert(value);
            match expected {
                Some(id) => {
                    assert_eq!(got, Ok(pid(id)));
                    assert!(model.position(id).is_none(), "a new id is not in use");
                    model.entries.push((id, value));
                    model.cursor = after(id);
                }
                None => assert_eq!(got, Err(Full(value))),
            }
        }
        WindowOp::InsertWithId(id, value) => {
            // No other reason exists: a free id fits whenever len < cap.
            let kind = if model.position(id).is_some() {
                Some(InsertErrorKind::IdInUse)
            } else if model.entries.len() >= model.cap {
                Some(InsertErrorKind::Full)
            } else {
                None
            };
            let got = window.insert_with_id(pid(id), value);
            match kind {
                Some(kind) => assert_eq!(got, Err(InsertError { id: pid(id), kind, value })),
                None => {
                    assert_eq!(got, Ok(()));
                    model.entries.push((id, value));
                }
            }
        }
        WindowOp::Remove(ref pick) => {
            let id = model.resolve(pick);
            let expected = model.position(id).map(|at| model.entries.remove(at).1);
            assert_eq!(window.remove(pid(id)), expected);
        }
        WindowOp::Set(ref pick, value) => {
            let id = model.resolve(pick);
            let expected = model.position(id);
            match window.get_mut(pid(id)) {
                Some(slot) => {
                    let at = expected.expect("the model holds the id too");
                    *slot = value;
                    model.entries[at].1 = value;
                }
                None => assert_eq!(expected, None),
            }
        }
        WindowOp::SetCap(cap) => {
            window.set_cap(cap);
            model.cap = cap.clamp(1, N);
        }
        WindowOp::SetNextId(id) => {
            window.set_next_id(pid(id));
            model.cursor = id;
        }
        WindowOp::Clear => {
            window.clear();
            model.entries.clear();
        }
    }
}

// ---------------------------------------------------------------- Outgoing

#[derive(Clone, Debug)]
enum OutgoingOp {
    Publish(u8, u32),
    Subscribe,
    Unsubscribe,
    PubAck(Pick),
    PubRec(Pick),
    PubRecRejected(Pick),
    PubComp(Pick),
    SubAck(Pick),
    UnsubAck(Pick),
    Cancel(Pick),
    SetMaxInflight(usize),
    RestorePublish(u16, u8, u32),
    RestorePubrel(u16),
    SetNextId(u16),
    Clear,
}

fn outgoing_op() -> impl Strategy<Value = OutgoingOp> {
    prop_oneof![
        8 => (0..=2_u8, any::<u32>()).prop_map(|(q, v)| OutgoingOp::Publish(q, v)),
        2 => Just(OutgoingOp::Subscribe),
        1 => Just(OutgoingOp::Unsubscribe),
        3 => pick().prop_map(OutgoingOp::PubAck),
        3 => pick().prop_map(OutgoingOp::PubRec),
        1 => pick().prop_map(OutgoingOp::PubRecRejected),
        3 => pick().prop_map(OutgoingOp::PubComp),
        2 => pick().prop_map(OutgoingOp::SubAck),
        1 => pick().prop_map(OutgoingOp::UnsubAck),
        1 => pick().prop_map(OutgoingOp::Cancel),
        1 => (0..=N + 2).prop_map(OutgoingOp::SetMaxInflight),
        1 => (any_id(), 0..=2_u8, any::<u32>())
            .prop_map(|(id, q, v)| OutgoingOp::RestorePublish(id, q, v)),
        1 => any_id().prop_map(OutgoingOp::RestorePubrel),
        1 => any_id().prop_map(OutgoingOp::SetNextId),
        1 => Just(OutgoingOp::Clear),
    ]
}

/// The reference outgoing exchanges: entries in start order.
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

    fn resolve(&self, pick: &Pick) -> u16 {
        match pick {
            Pick::InUse(index) if !self.entries.is_empty() => self.entries[index.index(self.entries.len())].0,
            Pick::InUse(_) => 1,
            Pick::Any(id) => *id,
        }
    }

    fn position(&self, id: u16) -> Option<usize> {
        self.entries.iter().position(|&(used, _)| used == id)
    }

    /// Allocates as the crate documents, or `None` when all `N` slots are
    /// taken.
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

    /// The outcome of an acknowledgement expecting `expected`, which ends the
    /// exchange when it matches.
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

fn qos(level: u8) -> QoS {
    QoS::try_from(level).expect("strategy gives 0, 1 or 2")
}

fn check_outgoing(out: &Outgoing<u32, N>, model: &OutgoingModel) {
    let seen: Vec<(u16, Exchange<u32>)> = out.iter().map(|(id, ex)| (id.get(), *ex)).collect();
    assert_eq!(seen, model.entries, "start order");
    assert_ids_distinct(&model.ids());
    assert_eq!(out.len(), model.entries.len());
    assert_eq!(out.is_empty(), model.entries.is_empty());
    assert_eq!(out.publishes_in_flight(), model.publishes());
    assert_eq!(out.max_inflight(), model.max_inflight);
    assert_eq!(out.can_publish(), model.publishes() < model.max_inflight && model.entries.len() < N);
    assert_eq!(out.can_subscribe(), model.entries.len() < N);
    assert_eq!(out.next_id().get(), model.cursor);
    for (id, exchange) in &model.entries {
        assert_eq!(out.get(pid(*id)), Some(exchange));
    }
}

fn step_outgoing(out: &mut Outgoing<u32, N>, model: &mut OutgoingModel, op: &OutgoingOp) {
    match *op {
        OutgoingOp::Publish(level, value) => {
            let got = out.start_publish(qos(level), value);
            let exchange = match level {
                0 => return assert_eq!(got, Err(SessionError::QoS0(value))),
                1 => Exchange::AwaitingPubAck(value),
                _ => Exchange::AwaitingPubRec(value),
            };
            if model.publishes() >= model.max_inflight {
                return assert_eq!(got, Err(SessionError::InflightFull(value)));
            }
            let before = model.ids();
            match model.allocate(exchange) {
                Some(id) => {
                    assert!(!before.contains(&id), "MQTT-2.2.1-3: a new id is unused");
                    assert_eq!(got, Ok(pid(id)));
                }
                None => assert_eq!(got, Err(SessionError::NoFreeId(value))),
            }
        }
        OutgoingOp::Subscribe | OutgoingOp::Unsubscribe => {
            let (got, exchange) = if matches!(op, OutgoingOp::Subscribe) {
                (out.start_subscribe(), Exchange::AwaitingSubAck)
            } else {
                (out.start_unsubscribe(), Exchange::AwaitingUnsubAck)
            };
            let expected = model.allocate(exchange).map(pid).ok_or(SessionError::NoFreeId(()));
            assert_eq!(got, expected);
        }
        OutgoingOp::PubAck(ref pick) => {
            let id = model.resolve(pick);
            let expected = model
                .ack(id, ExchangeKind::AwaitingPubAck)
                .map(|ex| *ex.message().expect("a QoS 1 exchange holds its message"));
            assert_eq!(out.puback(pid(id)), expected);
        }
        OutgoingOp::PubRec(ref pick) => {
            let id = model.resolve(pick);
            let expected = match model.position(id) {
                Some(at) => match model.entries[at].1 {
                    Exchange::AwaitingPubRec(value) => {
                        model.entries[at].1 = Exchange::AwaitingPubComp;
                        Ok(value)
                    }
                    Exchange::AwaitingPubComp => Err(AckError { id: pid(id), kind: AckErrorKind::DuplicatePubRec }),
                    ref other => Err(AckError {
                        id: pid(id),
                        kind: AckErrorKind::WrongKind { expected: ExchangeKind::AwaitingPubRec, found: other.kind() },
                    }),
                },
                None => Err(AckError { id: pid(id), kind: AckErrorKind::UnknownId }),
            };
            assert_eq!(out.pubrec(pid(id)), expected);
        }
        OutgoingOp::PubRecRejected(ref pick) => {
            let id = model.resolve(pick);
            let expected = model
                .ack(id, ExchangeKind::AwaitingPubRec)
                .map(|ex| *ex.message().expect("a QoS 2 exchange holds its message"));
            assert_eq!(out.pubrec_rejected(pid(id)), expected);
        }
        OutgoingOp::PubComp(ref pick) => {
            let id = model.resolve(pick);
            let expected = model.ack(id, ExchangeKind::AwaitingPubComp).map(drop);
            assert_eq!(out.pubcomp(pid(id)), expected);
        }
        OutgoingOp::SubAck(ref pick) => {
            let id = model.resolve(pick);
            let expected = model.ack(id, ExchangeKind::AwaitingSubAck).map(drop);
            assert_eq!(out.suback(pid(id)), expected);
        }
        OutgoingOp::UnsubAck(ref pick) => {
            let id = model.resolve(pick);
            let expected = model.ack(id, ExchangeKind::AwaitingUnsubAck).map(drop);
            assert_eq!(out.unsuback(pid(id)), expected);
        }
        OutgoingOp::Cancel(ref pick) => {
            let id = model.resolve(pick);
            let expected = model.position(id).map(|at| model.entries.remove(at).1);
            assert_eq!(out.cancel(pid(id)), expected);
        }
        OutgoingOp::SetMaxInflight(max) => {
            out.set_max_inflight(max);
            model.max_inflight = max.clamp(1, N);
        }
        OutgoingOp::RestorePublish(id, level, value) => {
            let got = out.restore_publish(pid(id), qos(level), value);
            let exchange = match level {
                0 => return assert_eq!(got, Err(SessionError::QoS0(value))),
                1 => Exchange::AwaitingPubAck(value),
                _ => Exchange::AwaitingPubRec(value),
            };
            match model.restore_conflict(id) {
                Some(kind) => assert_eq!(got, Err(session_error(id, kind, value))),
                None => {
                    assert_eq!(got, Ok(()));
                    model.entries.push((id, exchange));
                }
            }
        }
        OutgoingOp::RestorePubrel(id) => {
            let got = out.restore_pubrel(pid(id));
            match model.restore_conflict(id) {
                Some(kind) => assert_eq!(got, Err(session_error(id, kind, ()))),
                None => {
                    assert_eq!(got, Ok(()));
                    model.entries.push((id, Exchange::AwaitingPubComp));
                }
            }
        }
        OutgoingOp::SetNextId(id) => {
            out.set_next_id(pid(id));
            model.cursor = id;
        }
        OutgoingOp::Clear => {
            out.clear();
            model.entries.clear();
        }
    }
}

// ---------------------------------------------------------------- IncomingQos2

#[derive(Clone, Debug)]
enum IncomingOp {
    Receive(u16),
    Release(u16),
    Clear,
}

fn incoming_op() -> impl Strategy<Value = IncomingOp> {
    let id = prop_oneof![1..=70_u16, 0xFFC0..=0xFFFF_u16, 1..=0xFFFF_u16];
    prop_oneof![
        6 => id.clone().prop_map(IncomingOp::Receive),
        4 => id.prop_map(IncomingOp::Release),
        1 => Just(IncomingOp::Clear),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// `Window` against a `Vec` in insertion order.
    #[test]
    fn window_matches_model(ops in prop::collection::vec(window_op(), 1..200)) {
        let mut window: Window<u32, N> = Window::new();
        let mut model = WindowModel { entries: Vec::new(), cap: N, cursor: 1 };
        for op in &ops {
            step_window(&mut window, &mut model, op);
            check_window(&window, &model);
        }
    }

    /// `Outgoing` against a `Vec` of exchanges in start order.
    #[test]
    fn outgoing_matches_model(ops in prop::collection::vec(outgoing_op(), 1..200)) {
        let mut out: Outgoing<u32, N> = Outgoing::new();
        let mut model = OutgoingModel { entries: Vec::new(), max_inflight: N, cursor: 1 };
        for op in &ops {
            step_outgoing(&mut out, &mut model, op);
            check_outgoing(&out, &model);
        }
    }

    /// `IncomingQos2` against a `BTreeSet`: a PUBLISH is delivered only when
    /// its id is not held (MQTT-4.3.3-10), and again after PUBREL
    /// (MQTT-4.3.3-12).
    #[test]
    fn incoming_qos2_matches_model(ops in prop::collection::vec(incoming_op(), 1..300)) {
        let mut held = IncomingQos2::new();
        let mut model = BTreeSet::new();
        for op in &ops {
            match *op {
                IncomingOp::Receive(id) => prop_assert_eq!(held.receive(pid(id)), model.insert(id)),
                IncomingOp::Release(id) => prop_assert_eq!(held.release(pid(id)), model.remove(&id)),
                IncomingOp::Clear => {
                    held.clear();
                    model.clear();
                }
            }
            prop_assert_eq!(held.len(), model.len());
            prop_assert_eq!(held.is_empty(), model.is_empty());
            let ids: Vec<u16> = held.iter().map(PacketId::get).collect();
            let expected: Vec<u16> = model.iter().copied().collect();
            prop_assert_eq!(ids, expected);
            prop_assert_eq!(held.iter().len(), model.len());
            if let IncomingOp::Receive(id) | IncomingOp::Release(id) = *op {
                prop_assert_eq!(held.contains(pid(id)), model.contains(&id));
            }
        }
    }
}

/// A long run with only inserts and removals of the oldest entry drives the
/// cursor around the id space several times: ids stay unique and in order.
#[test]
fn window_cycles_the_id_space() {
    let mut window: Window<u32, N> = Window::new();
    let mut model = WindowModel { entries: Vec::new(), cap: N, cursor: 1 };
    for round in 0..(3 * 0x1_0000_u32) {
        let op = match model.entries.first() {
            Some(&(oldest, _)) if round % 3 == 2 => WindowOp::Remove(Pick::Any(oldest)),
            Some(_) if window.is_full() => {
                let middle = model.entries[model.entries.len() / 2].0;
                WindowOp::Remove(Pick::Any(middle))
            }
            _ => WindowOp::Insert(round),
        };
        step_window(&mut window, &mut model, &op);
        if round % 997 == 0 {
            check_window(&window, &model);
        }
    }
    check_window(&window, &model);
}
