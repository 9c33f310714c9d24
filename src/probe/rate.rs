//! Pacing: rate parsing (`4/s`, `100/min`, `0.5/s`) and the global and per-host GCRA limiters.
//!
//! Both limiters are governor (GCRA) limiters: requests are spread evenly, never released as a
//! burst at the start of a window. A request waits first for its host, then for the global
//! limit, so neither limit is ever exceeded.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;
use std::time::Instant;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

pub use crate::rules::pacing::{check_burst, parse_rate, Rate, MAX_BURST};

/// Longest accepted `--timeout`, in seconds.
pub const MAX_TIMEOUT_SECS: f64 = 3600.0;
/// Longest accepted `--max-wait`, in seconds (a day, like the slowest rate).
pub const MAX_WAIT_SECS: u64 = 86_400;

/// Check a timeout in seconds given with `flag` and convert it: positive, finite, at most
/// [`MAX_TIMEOUT_SECS`].
pub fn parse_timeout(flag: &str, secs: f64) -> Result<Duration, String> {
    if secs.is_finite() && secs > 0.0 && secs <= MAX_TIMEOUT_SECS {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(format!(
            "{flag} {secs:?}: use a number of seconds above 0 and at most {MAX_TIMEOUT_SECS}"
        ))
    }
}

/// The GCRA quota for `rate` with `burst` requests allowed back to back.
pub fn quota(rate: &Rate, burst: NonZeroU32) -> Quota {
    // The period is never zero: parse_rate caps the rate.
    Quota::with_period(rate.period())
        .expect("rate period is positive")
        .allow_burst(burst)
}

type Direct = RateLimiter<NotKeyed, InMemoryState, DefaultClock>;
type Keyed = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>;

/// The global and per-host limiters of one run.
pub struct Limiters {
    global: Direct,
    per_host: Keyed,
    pub global_rate: Rate,
    pub host_rate: Rate,
    pub burst: NonZeroU32,
    last: Mutex<LastRelease>,
}

#[derive(Default)]
struct LastRelease {
    global: Option<Instant>,
    hosts: HashMap<String, Instant>,
}

/// `rate R, per host R, burst N`, as the proxy and `run` announce their pacing.
impl std::fmt::Display for Limiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "rate {}, per host {}, burst {}",
            self.global_rate, self.host_rate, self.burst
        )
    }
}

impl Limiters {
    pub fn new(global_rate: Rate, host_rate: Rate, burst: NonZeroU32) -> Limiters {
        Limiters {
            global: RateLimiter::direct(quota(&global_rate, burst)),
            per_host: RateLimiter::keyed(quota(&host_rate, burst)),
            global_rate,
            host_rate,
            burst,
            last: Mutex::default(),
        }
    }

    /// Wait until one request to `host` is allowed by both limits.
    ///
    /// With `burst` 1 the spacing is also enforced from the previous *actual* release: GCRA
    /// alone schedules against theoretical times, so a request that was released late (a busy
    /// machine) would let the next one follow it closer than the period.
    pub async fn wait(&self, host: &str) {
        self.per_host.until_key_ready(&host.to_string()).await;
        self.global.until_ready().await;
        if self.burst.get() != 1 {
            return;
        }
        loop {
            let wait = {
                let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                let ready = [
                    last.global.map(|t| t + self.global_rate.period()),
                    last.hosts.get(host).map(|t| *t + self.host_rate.period()),
                ]
                .into_iter()
                .flatten()
                .max();
                match ready.filter(|r| *r > now) {
                    Some(r) => r - now,
                    None => {
                        last.global = Some(now);
                        last.hosts.insert(host.to_string(), now);
                        return;
                    }
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Take one request for `host` if both limits allow it now; otherwise return how long to
    /// wait and take nothing from the global limit.
    pub fn try_take(&self, host: &str) -> Result<(), Duration> {
        let clock = DefaultClock::default();
        let key = host.to_string();
        if let Err(not_until) = self.per_host.check_key(&key) {
            return Err(not_until.wait_time_from(clock.now()));
        }
        if let Err(not_until) = self.global.check() {
            return Err(not_until.wait_time_from(clock.now()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rates() {
        let r = parse_rate("4/s").unwrap();
        assert_eq!(r.period(), Duration::from_millis(250));
        let r = parse_rate("100/min").unwrap();
        assert_eq!(r.period(), Duration::from_millis(600));
        let r = parse_rate(" 0.5/s ").unwrap();
        assert_eq!(r.period(), Duration::from_secs(2));
        let r = parse_rate("30/hour").unwrap();
        assert_eq!(r.period(), Duration::from_secs(120));
    }

    #[test]
    fn rejects_bad_rates() {
        for bad in [
            "",
            "4",
            "0/s",
            "-1/s",
            "x/s",
            "4/fortnight",
            "NaN/s",
            "inf/s",
            "5000/s",
            "1e-20/s",
            "1e-300/h",
            "4.9e-324/s",
            "1e300/s",
            "fast",
        ] {
            assert!(parse_rate(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn bursts_and_timeouts_have_ranges() {
        assert!(check_burst(1).is_ok() && check_burst(MAX_BURST).is_ok());
        for bad in [0, MAX_BURST + 1, u32::MAX] {
            assert!(check_burst(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_timeout("--timeout", 2.5).unwrap(),
            Duration::from_millis(2500)
        );
        for bad in [
            0.0,
            -1.0,
            1e300,
            f64::NAN,
            f64::INFINITY,
            MAX_TIMEOUT_SECS + 1.0,
        ] {
            assert!(parse_timeout("--timeout", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn try_take_refuses_second_request_within_period() {
        let one = NonZeroU32::new(1).unwrap();
        let l = Limiters::new(parse_rate("1/s").unwrap(), parse_rate("1/s").unwrap(), one);
        assert!(l.try_take("a").is_ok());
        let wait = l.try_take("a").unwrap_err();
        assert!(wait > Duration::from_millis(500), "{wait:?}");
        // Another host is held back by the global limit.
        assert!(l.try_take("b").is_err());
    }
}
