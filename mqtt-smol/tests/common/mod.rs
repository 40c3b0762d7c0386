//! Helpers for the mqtt-smol tests: bounded waits on futures, connecting
//! while the test plays the broker, and reading events.

#![allow(dead_code)]

use std::future::IntoFuture;
use std::thread;
use std::time::Duration;

use async_io::Timer;
use futures_lite::future;
use mqtt_smol::{Client, ClientOptions, CloseReason, Connected, Driver, Error, Event, Events, Message};
use mqtt_testkit::{Conn, ScriptedBroker};

/// How long any single wait may take before the test fails.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

pub(crate) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// `fut`'s output, or the test fails after [`WAIT`] saying what was awaited.
#[track_caller]
pub(crate) fn within<F: IntoFuture>(what: &str, fut: F) -> F::Output {
    let fut = fut.into_future();
    let out = smol::block_on(future::or(async { Some(fut.await) }, async {
        Timer::after(WAIT).await;
        None
    }));
    match out {
        Some(t) => t,
        None => panic!("timed out after {WAIT:?} waiting for {what}"),
    }
}

/// Connects on a helper thread while the test plays `broker`, which answers
/// the CONNECT with a successful CONNACK; the driver is spawned on smol's
/// executor.
pub(crate) fn connect(
    options: ClientOptions,
    broker: &ScriptedBroker,
    session_present: bool,
) -> (Client, Events, Conn, mqtt_proto::Connect) {
    let port = broker.port();
    let connecting = thread::spawn(move || smol::block_on(mqtt_smol::connect(options, "127.0.0.1", port)));
    let mut conn = broker.accept(WAIT);
    let connect = conn.accept_connect(session_present);
    let (client, driver, events) = connecting.join().expect("the connecting thread panicked").expect("connect");
    spawn(driver);
    (client, events, conn, connect)
}

/// Runs the driver on smol's global executor.
pub(crate) fn spawn(driver: Driver) {
    smol::spawn(driver).detach();
}

/// The next event that `pick` accepts, skipping the others.
#[track_caller]
pub(crate) fn next_event<T>(events: &mut Events, what: &str, mut pick: impl FnMut(Event) -> Option<T>) -> T {
    within(what, async {
        loop {
            match events.recv().await {
                Some(e) => {
                    if let Some(t) = pick(e) {
                        return t;
                    }
                }
                None => panic!("the event stream ended while waiting for {what}"),
            }
        }
    })
}

/// The next `Disconnected` event's reason.
#[track_caller]
pub(crate) fn disconnected(events: &mut Events) -> CloseReason {
    next_event(events, "Disconnected", |e| match e {
        Event::Disconnected(r) => Some(r),
        _ => None,
    })
}

/// The next `Connected` event.
#[track_caller]
pub(crate) fn connected(events: &mut Events) -> Connected {
    next_event(events, "Connected", |e| match e {
        Event::Connected(c) => Some(c),
        _ => None,
    })
}

/// The next message.
#[track_caller]
pub(crate) fn message(events: &mut Events) -> Message {
    next_event(events, "a message", |e| match e {
        Event::Message(m) => Some(m),
        _ => None,
    })
}

/// The connect error inside `result`.
#[track_caller]
pub(crate) fn connect_error<T: std::fmt::Debug>(result: Result<T, Error>) -> mqtt_smol::ConnectError {
    match result {
        Err(Error::Connect(e)) => *e,
        other => panic!("expected a connect error, got {other:?}"),
    }
}
