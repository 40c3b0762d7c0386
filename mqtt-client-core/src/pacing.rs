//! When the network side yields the CPU before it reads.

use std::time::{Duration, Instant};

/// Decides, read by read, whether the network side yields the CPU before it
/// reads from the socket.
///
/// While bytes stream in, more are likely on their way: yielding first lets
/// the threads that are ready to run on the same CPU go (the application's,
/// the broker's, other clients'), so that the read takes a batch of packets
/// instead of one, which saves system calls and wake-ups per message. A yield
/// returns at once when nothing else is ready to run. Yields happen only
/// after a read that brought bytes but did not fill its buffer (a full one
/// says more is waiting now) and that gave bytes to send back (see
/// [`answered`](Self::answered)), and they pause after two in a row took longer
/// than [`LONG_YIELD`](Self::LONG_YIELD) each: then the CPU is shared with
/// busy threads, and waiting for them costs more than it saves. A pause lasts
/// [`MIN_PAUSE`](Self::MIN_PAUSE), twice as long each time it is needed
/// again, up to [`MAX_PAUSE`](Self::MAX_PAUSE); after a pause one long yield
/// is enough for the next; and a pause is back at its shortest after
/// [`SHORT_RUN`](Self::SHORT_RUN) short yields in a row. (Measured
/// through mosquitto with two client processes on one CPU: nearly every
/// yield took under 20 µs, a few single ones over 1 ms; with two busy loops
/// on that CPU, most took over 3 ms.)
///
/// The pacer reads no clock and yields nothing itself: [`pace`](Self::pace)
/// is given both.
///
/// # Examples
///
/// ```
/// use std::time::Instant;
/// use mqtt_client_core::ReadPacer;
///
/// let mut pacer = ReadPacer::default();
/// let mut yields = 0;
/// pacer.pace(Instant::now, || yields += 1); // nothing read yet: no yield
/// pacer.read(300, 16 * 1024); // some bytes came
/// pacer.answered(true); // and acknowledgements went back
/// pacer.pace(Instant::now, || yields += 1);
/// assert_eq!(yields, 1);
/// pacer.read(16 * 1024, 16 * 1024); // a full buffer: read on at once
/// pacer.pace(Instant::now, || yields += 1);
/// assert_eq!(yields, 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ReadPacer {
    /// The last read brought bytes, less than it could take.
    streaming: bool,
    /// Yields are off until then.
    paused_until: Option<Instant>,
    /// Whether the last yield took long.
    long_before: bool,
    /// Pauses since the last [`SHORT_RUN`](Self::SHORT_RUN) short yields.
    pauses: u32,
    /// Short yields in a row.
    short_run: u32,
}

impl ReadPacer {
    /// A yield that took longer than this gave the CPU to busy threads, not
    /// to short I/O work; two in a row pause yields.
    pub const LONG_YIELD: Duration = Duration::from_millis(1);

    /// The first pause.
    pub const MIN_PAUSE: Duration = Duration::from_millis(10);

    /// The longest pause.
    pub const MAX_PAUSE: Duration = Duration::from_millis(1280);

    /// Short yields in a row after which a pause is back at its shortest.
    pub const SHORT_RUN: u32 = 64;

    /// Before a read: calls `yield_now` when that is likely to pay, timing it
    /// with `now`.
    pub fn pace(&mut self, now: impl Fn() -> Instant, yield_now: impl FnOnce()) {
        if !self.streaming {
            return;
        }
        let start = now();
        if let Some(until) = self.paused_until {
            if start < until {
                return;
            }
            // On probation: one long yield now pauses again.
            self.paused_until = None;
            self.long_before = true;
        }
        yield_now();
        let end = now();
        if end.saturating_duration_since(start) <= Self::LONG_YIELD {
            self.long_before = false;
            self.short_run += 1;
            if self.short_run >= Self::SHORT_RUN {
                self.pauses = 0;
            }
        } else if self.long_before {
            let pause = Self::MIN_PAUSE.saturating_mul(1 << self.pauses.min(7)).min(Self::MAX_PAUSE);
            self.paused_until = Some(end + pause);
            self.pauses = self.pauses.saturating_add(1);
            self.long_before = false;
            self.short_run = 0;
        } else {
            self.long_before = true;
            self.short_run = 0;
        }
    }

    /// After the bytes of the last read were handled: whether that gave
    /// bytes to send (acknowledgements, or publishes a freed window let go).
    /// A read that asks for no answer (QoS 0 messages coming in) is no reason
    /// to yield: batching it saves a `recv` at most, and in measurements
    /// cost more than that.
    pub fn answered(&mut self, answered: bool) {
        self.streaming &= answered;
    }

    /// After a read that brought `n` bytes of at most `capacity`.
    pub fn read(&mut self, n: usize, capacity: usize) {
        self.streaming = n > 0 && n < capacity;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    const LONG_YIELD: Duration = ReadPacer::LONG_YIELD;
    /// A yield just long enough to count as long.
    const LONG: Duration = LONG_YIELD.saturating_add(Duration::from_micros(1));

    /// A clock and a pacer after a read that brought some bytes.
    fn streaming() -> (Clock, ReadPacer) {
        let mut pacer = ReadPacer::default();
        pacer.read(64, 1024);
        (Clock::new(), pacer)
    }

    /// Two long yields in a row, which start a pause.
    fn two_long_yields(pacer: &mut ReadPacer, clock: &Clock) {
        assert!(pace(pacer, clock, LONG));
        assert!(pace(pacer, clock, LONG));
    }

    /// A clock that moves only when told to.
    struct Clock {
        start: Instant,
        at: Cell<Duration>,
    }

    impl Clock {
        fn new() -> Self {
            Self { start: Instant::now(), at: Cell::new(Duration::ZERO) }
        }
        fn now(&self) -> Instant {
            self.start + self.at.get()
        }
        fn advance(&self, d: Duration) {
            self.at.set(self.at.get() + d);
        }
    }

    /// Paces once; the yield takes `took`. Returns whether it yielded.
    fn pace(pacer: &mut ReadPacer, clock: &Clock, took: Duration) -> bool {
        let mut yielded = false;
        pacer.pace(
            || clock.now(),
            || {
                yielded = true;
                clock.advance(took);
            },
        );
        yielded
    }

    #[test]
    fn yields_only_while_bytes_stream_in_short_of_a_full_buffer() {
        let clock = Clock::new();
        let mut pacer = ReadPacer::default();
        assert!(!pace(&mut pacer, &clock, Duration::ZERO), "nothing read yet");
        pacer.read(64, 1024);
        assert!(pace(&mut pacer, &clock, Duration::ZERO));
        assert!(pace(&mut pacer, &clock, Duration::ZERO), "until the next read says otherwise");
        pacer.read(1024, 1024);
        assert!(!pace(&mut pacer, &clock, Duration::ZERO), "a full buffer: more is waiting");
        pacer.read(0, 1024);
        assert!(!pace(&mut pacer, &clock, Duration::ZERO), "a timeout or an empty read");
    }

    #[test]
    fn yields_only_after_reads_that_were_answered() {
        let clock = Clock::new();
        let mut pacer = ReadPacer::default();
        pacer.read(64, 1024);
        pacer.answered(false);
        assert!(!pace(&mut pacer, &clock, Duration::ZERO), "nothing to send back (QoS 0 coming in)");
        pacer.read(64, 1024);
        pacer.answered(true);
        assert!(pace(&mut pacer, &clock, Duration::ZERO), "acknowledgements went out");
        pacer.read(1024, 1024);
        pacer.answered(true);
        assert!(!pace(&mut pacer, &clock, Duration::ZERO), "a full buffer still reads on at once");
    }

    /// Paces until a yield happens (the clock moving 100 µs between tries, for
    /// at most 10 s), and returns how long that took on the clock.
    fn time_to_next_yield(pacer: &mut ReadPacer, clock: &Clock, took: Duration) -> Duration {
        let from = clock.now();
        for _ in 0..100_000 {
            if pace(pacer, clock, took) {
                return clock.now() - from - took;
            }
            clock.advance(Duration::from_micros(100));
        }
        panic!("no yield for 10 s");
    }

    #[test]
    fn two_long_yields_in_a_row_pause_yields() {
        let (clock, mut pacer) = streaming();
        assert!(pace(&mut pacer, &clock, LONG));
        assert!(pace(&mut pacer, &clock, Duration::ZERO), "one long yield alone does not pause");
        assert!(pace(&mut pacer, &clock, LONG_YIELD), "LONG_YIELD itself is not long");
        two_long_yields(&mut pacer, &clock);
        assert!(!pace(&mut pacer, &clock, Duration::ZERO), "paused after two in a row");
        clock.advance(ReadPacer::MIN_PAUSE - Duration::from_micros(1));
        assert!(!pace(&mut pacer, &clock, Duration::ZERO), "still paused");
        clock.advance(Duration::from_micros(1));
        assert!(pace(&mut pacer, &clock, Duration::ZERO), "the pause is over");
        assert!(pace(&mut pacer, &clock, LONG), "a short yield ended the probation");
        assert!(pace(&mut pacer, &clock, Duration::ZERO), "one long yield alone does not pause");
    }

    #[test]
    fn after_a_pause_one_long_yield_pauses_again() {
        let (clock, mut pacer) = streaming();
        two_long_yields(&mut pacer, &clock);
        clock.advance(ReadPacer::MIN_PAUSE);
        assert!(pace(&mut pacer, &clock, LONG), "the pause is over");
        assert!(!pace(&mut pacer, &clock, Duration::ZERO), "paused again");
    }

    #[test]
    fn pauses_double_while_yields_stay_long_and_shrink_after_a_short_run() {
        let (clock, mut pacer) = streaming();
        // Every yield long: each pause twice the last, up to the maximum.
        two_long_yields(&mut pacer, &clock);
        let mut pauses: Vec<_> = (0..9).map(|_| time_to_next_yield(&mut pacer, &clock, LONG).as_millis()).collect();
        // The yield after the last pause is short: the probation ends.
        pauses.push(time_to_next_yield(&mut pacer, &clock, Duration::ZERO).as_millis());
        assert_eq!(pauses, [10, 20, 40, 80, 160, 320, 640, 1280, 1280, 1280]);
        // Short yields again: after SHORT_RUN of them, the next pause is the
        // shortest again; fewer do not reset it (with the one that ended the
        // probation, these are SHORT_RUN - 1).
        for _ in 0..ReadPacer::SHORT_RUN - 2 {
            assert!(pace(&mut pacer, &clock, Duration::ZERO));
        }
        two_long_yields(&mut pacer, &clock);
        assert_eq!(time_to_next_yield(&mut pacer, &clock, Duration::ZERO).as_millis(), 1280);
        for _ in 0..ReadPacer::SHORT_RUN {
            assert!(pace(&mut pacer, &clock, Duration::ZERO));
        }
        two_long_yields(&mut pacer, &clock);
        assert_eq!(time_to_next_yield(&mut pacer, &clock, Duration::ZERO).as_millis(), 10);
    }
}
