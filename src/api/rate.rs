//! Proactive pacing on the API key's rate limit (`api.md` §1.6).
//!
//! Every clone of a [`Client`](super::Client) shares one [`RateBudget`]: before a request is
//! sent it takes a slot, and each answer's `X-RateLimit-Limit/Remaining/Reset` headers say how
//! many slots are left and when the window frees up. With the budget spent a call sleeps (an
//! async wait inside the caller's future) until the reset instead of sending and eating a 429.
//! Without headers, once the server has refused a call, the documented production limit (100 a
//! minute) is assumed.
//!
//! Background bulk work (the export ledger's returns fetch) keeps its hands off the last
//! [`reserve`](Bucket::reserve) slots, so a user's click gets through at once while it runs.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// The production Sandbox limit, assumed while the server sends no rate headers.
pub const ASSUMED_LIMIT_PER_MIN: u32 = 100;
const ASSUMED_WINDOW: Duration = Duration::from_secs(60);
/// `X-RateLimit-Reset` has one-second resolution; wake a little after it.
const RESET_MARGIN: Duration = Duration::from_millis(250);

/// Who is asking: a user waiting on the screen, or a bulk job that can wait its turn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Priority {
    #[default]
    Interactive,
    Background,
}

/// The rate headers of one answer, already turned into a relative reset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    pub limit: Option<u32>,
    pub remaining: Option<u32>,
    /// How long from now until the window frees a slot (`X-RateLimit-Reset` minus now).
    pub reset_in: Option<Duration>,
}

impl Observed {
    fn is_some(&self) -> bool {
        self.limit.is_some() || self.remaining.is_some()
    }
}

/// The arithmetic, kept free of clocks and tasks so it can be tested on its own.
#[derive(Debug)]
pub(crate) struct Bucket {
    limit: u32,
    /// Requests that may still be started before `reset`.
    tokens: u32,
    /// When the server frees capacity again; `None` = no window running (before the first
    /// call without headers) or, with the server's numbers, "ask and see" (one probe at a time).
    reset: Option<Instant>,
    /// Sent and not yet answered: their slots are taken though no header counts them yet.
    in_flight: u32,
    /// The server has sent rate headers: its numbers rule from then on.
    from_server: bool,
    /// Pace on an assumed limit while there are no headers (`None`: not at all).
    assumed: Option<u32>,
    /// A 429 was seen: the server does limit us, even if it sends no numbers.
    refused: bool,
}

impl Bucket {
    pub(crate) fn new(assumed_per_min: Option<u32>) -> Bucket {
        let limit = assumed_per_min.unwrap_or(ASSUMED_LIMIT_PER_MIN).max(1);
        Bucket {
            limit,
            tokens: limit,
            reset: None,
            in_flight: 0,
            from_server: false,
            assumed: assumed_per_min,
            refused: false,
        }
    }

    /// Slots background work leaves to the user: a fifth of the limit, at least one.
    pub(crate) fn reserve(&self) -> u32 {
        (self.limit / 5).max(1)
    }

    /// Without headers the assumed limit applies once the server has refused a call: one that
    /// neither counts nor refuses (a local simulator without a limit) is not held back.
    fn unlimited(&self) -> bool {
        !self.from_server && (self.assumed.is_none() || !self.refused)
    }

    /// Lets time pass: a window that has reset gives its slots back.
    fn roll(&mut self, now: Instant) {
        if self.reset.is_some_and(|r| now >= r) {
            self.reset = None;
            if self.from_server {
                // A sliding window may have freed a single slot: one probe, whose answer
                // says how many more there are.
                self.tokens = self.tokens.max(1);
            } else {
                self.tokens = self.limit;
            }
        }
        if self.from_server && self.reset.is_none() && self.tokens == 0 && self.in_flight == 0 {
            // Nothing in flight will tell us more: ask once.
            self.tokens = 1;
        }
    }

    /// Takes a slot, or says until when to wait (`None`: until an answer arrives).
    pub(crate) fn try_take(&mut self, now: Instant, who: Priority) -> Result<(), Option<Instant>> {
        if self.unlimited() {
            // Still honour a 429's Retry-After.
            if let Some(r) = self.reset.filter(|r| now < *r) {
                return Err(Some(r));
            }
            self.reset = None;
            self.in_flight += 1;
            return Ok(());
        }
        self.roll(now);
        let probing = self.from_server && self.reset.is_none() && self.in_flight == 0;
        let allowed = match who {
            Priority::Interactive => self.tokens > 0,
            Priority::Background => self.tokens > self.reserve() || (probing && self.tokens > 0),
        };
        if allowed {
            self.tokens -= 1;
            self.in_flight += 1;
            if !self.from_server && self.reset.is_none() {
                self.reset = Some(now + ASSUMED_WINDOW);
            }
            Ok(())
        } else {
            Err(self.reset)
        }
    }

    /// An answer (or a failure to get one) for a slot taken with [`try_take`](Self::try_take).
    /// `throttled`: the server answered 429 and asked for this pause.
    pub(crate) fn settle(&mut self, now: Instant, seen: Observed, throttled: Option<Duration>) {
        self.in_flight = self.in_flight.saturating_sub(1);
        if seen.is_some() {
            let was_from_server = std::mem::replace(&mut self.from_server, true);
            if let Some(l) = seen.limit {
                self.limit = l.max(1);
            }
            let reset = now + seen.reset_in.unwrap_or(ASSUMED_WINDOW) + RESET_MARGIN;
            // Within a window the server told us about, our own count (its number minus what
            // we sent since) is right unless someone else spends the key too: take the smaller.
            // A larger number there is an older answer overtaken on another connection.
            let same_window = was_from_server && self.reset.is_some_and(|r| now < r);
            if let Some(rem) = seen.remaining {
                self.tokens = if same_window {
                    self.tokens.min(rem)
                } else {
                    // A fresh count: requests in flight may not be in it yet.
                    rem.saturating_sub(self.in_flight)
                };
            }
            self.reset = Some(match self.reset {
                Some(r) if same_window => r.max(reset),
                _ => reset,
            });
        }
        if let Some(pause) = throttled {
            self.refused = true;
            self.tokens = 0;
            let until = now + pause + RESET_MARGIN;
            self.reset = Some(self.reset.map_or(until, |r| r.max(until)));
        }
    }
}

/// One API key's budget, shared by every clone of the client.
#[derive(Debug)]
pub struct RateBudget {
    bucket: Mutex<Bucket>,
    /// Woken on every answer, so waiters re-read the budget.
    changed: Notify,
}

impl RateBudget {
    pub fn new(assumed_per_min: Option<u32>) -> RateBudget {
        RateBudget {
            bucket: Mutex::new(Bucket::new(assumed_per_min)),
            changed: Notify::new(),
        }
    }

    /// Waits (asynchronously) for a slot; hand the answer's headers to [`Permit::settle`].
    pub async fn acquire(&self, who: Priority) -> Permit<'_> {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            // Registered before looking, so an answer between the look and the wait wakes us.
            changed.as_mut().enable();
            let wait = match self.bucket.lock().expect("rate bucket").try_take(Instant::now(), who) {
                Ok(()) => {
                    return Permit {
                        budget: self,
                        settled: false,
                    };
                }
                Err(w) => w,
            };
            match wait {
                Some(at) => {
                    tokio::select! {
                        _ = &mut changed => {}
                        _ = tokio::time::sleep_until(at) => {}
                    }
                }
                None => changed.await,
            }
        }
    }

    fn settle(&self, seen: Observed, throttled: Option<Duration>) {
        self.bucket
            .lock()
            .expect("rate bucket")
            .settle(Instant::now(), seen, throttled);
        self.changed.notify_waiters();
    }
}

/// A taken slot. Dropped without an answer (transport error, cancelled job), it is settled
/// as "no news", so a probe lost to a cancelled task never leaves the others waiting.
pub struct Permit<'a> {
    budget: &'a RateBudget,
    settled: bool,
}

impl Permit<'_> {
    pub fn settle(mut self, seen: Observed, throttled: Option<Duration>) {
        self.settled = true;
        self.budget.settle(seen, throttled);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.budget.settle(Observed::default(), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(limit: u32, remaining: u32, reset_s: u64) -> Observed {
        Observed {
            limit: Some(limit),
            remaining: Some(remaining),
            reset_in: Some(Duration::from_secs(reset_s)),
        }
    }

    #[test]
    fn without_headers_the_assumed_limit_is_spent_then_refilled_at_the_window_end() {
        let t0 = Instant::now();
        let mut b = Bucket::new(Some(3));
        b.try_take(t0, Priority::Interactive).unwrap();
        // A 429 without numbers: the server does limit, so the assumption applies from now.
        b.settle(t0, Observed::default(), Some(Duration::ZERO));
        let t0 = t0 + RESET_MARGIN;
        for _ in 0..3 {
            b.try_take(t0, Priority::Interactive).unwrap();
            b.settle(t0, Observed::default(), None);
        }
        assert_eq!(b.try_take(t0, Priority::Interactive), Err(Some(t0 + ASSUMED_WINDOW)));
        let later = t0 + ASSUMED_WINDOW;
        assert_eq!(b.try_take(later, Priority::Interactive), Ok(()));
        assert_eq!(b.tokens, 2, "a fresh window of three, one taken");
    }

    #[test]
    fn no_assumption_and_no_headers_never_waits() {
        let t0 = Instant::now();
        let mut b = Bucket::new(None);
        for _ in 0..1000 {
            b.try_take(t0, Priority::Background).unwrap();
        }
        assert_eq!(b.in_flight, 1000);
    }

    #[test]
    fn the_servers_remaining_minus_requests_in_flight_is_the_budget() {
        let t0 = Instant::now();
        let mut b = Bucket::new(Some(100));
        for _ in 0..3 {
            b.try_take(t0, Priority::Interactive).unwrap();
        }
        // One answer: 4 left on the server, two of ours still on the way.
        b.settle(t0, seen(10, 4, 5), None);
        assert_eq!((b.limit, b.tokens, b.in_flight), (10, 2, 2));
        b.try_take(t0, Priority::Interactive).unwrap();
        b.try_take(t0, Priority::Interactive).unwrap();
        let reset = t0 + Duration::from_secs(5) + RESET_MARGIN;
        assert_eq!(b.try_take(t0, Priority::Interactive), Err(Some(reset)));
        // After the reset: one probe (a sliding window may have freed a single slot)…
        assert_eq!(b.try_take(reset, Priority::Interactive), Ok(()));
        assert_eq!(
            b.try_take(reset, Priority::Interactive),
            Err(None),
            "wait for the probe's answer"
        );
        // …whose answer opens the rest.
        b.settle(reset, seen(10, 6, 5), None);
        assert_eq!(b.tokens, 6 - b.in_flight);
    }

    #[test]
    fn an_older_answer_overtaken_by_a_newer_one_does_not_raise_the_budget() {
        let t0 = Instant::now();
        let mut b = Bucket::new(None);
        b.try_take(t0, Priority::Interactive).unwrap();
        b.settle(t0, seen(5, 4, 2), None);
        b.try_take(t0, Priority::Interactive).unwrap();
        b.try_take(t0, Priority::Interactive).unwrap();
        // The second request reached the server last but its answer came back first.
        b.settle(t0, seen(5, 2, 2), None);
        b.settle(t0, seen(5, 3, 2), None);
        assert_eq!(b.tokens, 2);
        // Once the window has reset, the server's count is news again.
        let later = t0 + Duration::from_secs(3);
        b.try_take(later, Priority::Interactive).unwrap();
        b.settle(later, seen(5, 4, 2), None);
        assert_eq!(b.tokens, 4);
    }

    #[test]
    fn background_work_leaves_the_reserve_to_the_user() {
        let t0 = Instant::now();
        let mut b = Bucket::new(Some(100));
        b.try_take(t0, Priority::Background).unwrap();
        b.settle(t0, seen(10, 3, 30), None);
        assert_eq!(b.reserve(), 2);
        b.try_take(t0, Priority::Background).unwrap(); // 3 → 2
        b.settle(t0, seen(10, 2, 30), None);
        let reset = t0 + Duration::from_secs(30) + RESET_MARGIN;
        assert_eq!(b.try_take(t0, Priority::Background), Err(Some(reset)));
        assert_eq!(b.try_take(t0, Priority::Interactive), Ok(()));
        assert_eq!(b.try_take(t0, Priority::Interactive), Ok(()));
        assert_eq!(b.try_take(t0, Priority::Interactive), Err(Some(reset)));
        assert_eq!(Bucket::new(Some(5)).reserve(), 1);
        assert_eq!(Bucket::new(Some(100)).reserve(), 20);
    }

    #[test]
    fn background_may_probe_when_nothing_else_is_in_flight() {
        let t0 = Instant::now();
        let mut b = Bucket::new(Some(100));
        b.try_take(t0, Priority::Background).unwrap();
        b.settle(t0, seen(5, 0, 2), None);
        let reset = t0 + Duration::from_secs(2) + RESET_MARGIN;
        assert_eq!(
            b.try_take(reset, Priority::Background),
            Ok(()),
            "else a lone bulk job never resumes"
        );
        assert_eq!(b.try_take(reset, Priority::Background), Err(None));
    }

    #[test]
    fn a_429_closes_the_budget_until_retry_after_and_a_lost_probe_is_given_back() {
        let t0 = Instant::now();
        let mut b = Bucket::new(Some(100));
        b.try_take(t0, Priority::Interactive).unwrap();
        b.settle(t0, seen(5, 3, 1), Some(Duration::from_secs(4)));
        let until = t0 + Duration::from_secs(4) + RESET_MARGIN;
        assert_eq!(b.try_take(t0, Priority::Interactive), Err(Some(until)));
        b.try_take(until, Priority::Interactive).unwrap();
        // The probe fails without an answer (connection dropped): the next caller may ask.
        b.settle(until, Observed::default(), None);
        assert_eq!(b.try_take(until, Priority::Interactive), Ok(()));
    }

    #[tokio::test]
    async fn a_dropped_permit_is_settled_and_wakes_the_waiters() {
        let budget = std::sync::Arc::new(RateBudget::new(Some(100)));
        {
            let p = budget.acquire(Priority::Interactive).await;
            p.settle(seen(5, 0, 60), None);
        }
        // Let the reset pass by hand: the probe is taken and then dropped unanswered.
        budget.bucket.lock().unwrap().reset = Some(Instant::now());
        let probe = budget.acquire(Priority::Interactive).await;
        let waiter = tokio::spawn({
            let budget = budget.clone();
            async move {
                let p = budget.acquire(Priority::Interactive).await;
                p.settle(seen(5, 4, 60), None);
            }
        });
        tokio::task::yield_now().await;
        drop(probe);
        waiter.await.unwrap();
        assert_eq!(budget.bucket.lock().unwrap().tokens, 4);
    }
}
