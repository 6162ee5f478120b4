//! Token buckets for the activation endpoints: one per client address and one for all
//! clients together. A refused request is told when to retry.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Client buckets kept at most; beyond that, full (idle) ones are dropped.
const MAX_CLIENTS: usize = 100_000;

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn full(capacity: f64, at: Instant) -> Bucket {
        Bucket {
            tokens: capacity,
            at,
        }
    }

    /// Takes one token, or says in how many seconds one will be there.
    fn take(&mut self, capacity: f64, per_sec: f64, now: Instant) -> Result<(), u64> {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * per_sec).min(capacity);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - self.tokens) / per_sec).ceil().max(1.0) as u64)
        }
    }
}

pub struct RateLimiter {
    per_client: f64,
    overall: f64,
    state: Mutex<(Bucket, HashMap<IpAddr, Bucket>)>,
}

impl RateLimiter {
    /// Limits per minute; a client may use its minute's allowance at once.
    pub fn new(per_client_per_minute: u32, overall_per_minute: u32) -> RateLimiter {
        let now = Instant::now();
        RateLimiter {
            per_client: f64::from(per_client_per_minute.max(1)),
            overall: f64::from(overall_per_minute.max(1)),
            state: Mutex::new((
                Bucket::full(f64::from(overall_per_minute.max(1)), now),
                HashMap::new(),
            )),
        }
    }

    /// `Err(seconds)` when `client` (or everyone) has to wait.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        self.check_at(client, Instant::now())
    }

    fn check_at(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (overall, clients) = &mut *guard;
        if clients.len() >= MAX_CLIENTS && !clients.contains_key(&client) {
            let (cap, rate) = (self.per_client, self.per_client / 60.0);
            clients.retain(|_, b| {
                let idle = now.saturating_duration_since(b.at).as_secs_f64();
                b.tokens + idle * rate < cap
            });
        }
        let bucket = clients
            .entry(client)
            .or_insert_with(|| Bucket::full(self.per_client, now));
        // The client's own limit first, so one noisy client does not use up everyone's.
        bucket.take(self.per_client, self.per_client / 60.0, now)?;
        overall.take(self.overall, self.overall / 60.0, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_client_gets_its_allowance_then_waits_while_others_go_on() {
        let limiter = RateLimiter::new(3, 100);
        let t = Instant::now();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            limiter.check_at(a, t).unwrap();
        }
        let wait = limiter.check_at(a, t).unwrap_err();
        assert_eq!(wait, 20, "one token every 20 s at 3 per minute");
        limiter.check_at(b, t).unwrap();
        limiter.check_at(a, t + Duration::from_secs(20)).unwrap();
    }

    #[test]
    fn the_overall_limit_holds_across_clients() {
        let limiter = RateLimiter::new(10, 5);
        let t = Instant::now();
        for i in 0..5u8 {
            limiter.check_at(IpAddr::from([192, 0, 2, i]), t).unwrap();
        }
        assert!(limiter.check_at(IpAddr::from([192, 0, 2, 9]), t).is_err());
    }
}
