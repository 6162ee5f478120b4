//! Token buckets for the activation endpoints: one per client address and one for all
//! clients together. A refused request is told when to retry.
//!
//! The client is the connection's address, or behind a reverse proxy the service was told to
//! trust, the address that proxy put into `X-Forwarded-For` (the header is ignored from anyone
//! else, so a client cannot pick its own bucket). An IPv6 client counts by its /64 network,
//! which one subscriber usually holds whole.

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
    trusted_proxies: Vec<IpAddr>,
    state: Mutex<(Bucket, HashMap<IpAddr, Bucket>)>,
}

impl RateLimiter {
    /// Limits per minute; a client may use its minute's allowance at once.
    pub fn new(per_client_per_minute: u32, overall_per_minute: u32) -> RateLimiter {
        let now = Instant::now();
        RateLimiter {
            per_client: f64::from(per_client_per_minute.max(1)),
            overall: f64::from(overall_per_minute.max(1)),
            trusted_proxies: Vec::new(),
            state: Mutex::new((
                Bucket::full(f64::from(overall_per_minute.max(1)), now),
                HashMap::new(),
            )),
        }
    }

    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub fn with_trusted_proxies(mut self, proxies: Vec<IpAddr>) -> RateLimiter {
        self.trusted_proxies = proxies.into_iter().map(canonical).collect();
        self
    }

    /// The client a request counts for: `peer`, or when `peer` is a trusted proxy, the
    /// right-most address of `forwarded_for` (the `X-Forwarded-For` values in order) that is
    /// not itself a trusted proxy. Entries left of that one were written by the client and are
    /// not believed; an entry that is no address ends the walk at the proxy before it.
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let mut client = canonical(peer);
        let hops = forwarded_for.iter().rev().flat_map(|v| v.rsplit(','));
        for hop in hops {
            if !self.trusted_proxies.contains(&client) {
                break;
            }
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) => client = canonical(ip),
                Err(_) => break,
            }
        }
        client
    }

    /// `Err(seconds)` when `client` (or everyone) has to wait.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        self.check_at(client, Instant::now())
    }

    fn check_at(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        let client = bucket_key(client);
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

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The bucket a client address counts in: IPv4 as it is, IPv6 by its /64 network.
fn bucket_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
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

    #[test]
    fn one_ipv6_network_is_one_client() {
        let limiter = RateLimiter::new(2, 100);
        let t = Instant::now();
        for i in 0..2u16 {
            limiter
                .check_at(IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, i]), t)
                .unwrap();
        }
        // Another address of the same /64 is the same client; another /64 is not.
        assert!(limiter
            .check_at(IpAddr::from([0x2001, 0xdb8, 0, 1, 0xffff, 1, 2, 3]), t)
            .is_err());
        limiter
            .check_at(IpAddr::from([0x2001, 0xdb8, 0, 2, 0, 0, 0, 1]), t)
            .unwrap();
        // IPv4 written as IPv6 is the IPv4 client.
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        limiter.check_at(v4, t).unwrap();
        limiter.check_at(mapped, t).unwrap();
        assert!(limiter.check_at(v4, t).is_err());
    }

    #[test]
    fn forwarded_addresses_count_only_from_a_trusted_proxy() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let plain = RateLimiter::new(3, 100);
        assert_eq!(
            plain.client(ip("127.0.0.1"), &["203.0.113.5"]),
            ip("127.0.0.1"),
            "no proxy configured: the header is the client's own word"
        );
        let behind =
            RateLimiter::new(3, 100).with_trusted_proxies(vec![ip("127.0.0.1"), ip("10.0.0.2")]);
        assert_eq!(
            behind.client(ip("127.0.0.1"), &["203.0.113.5"]),
            ip("203.0.113.5")
        );
        // What the client wrote itself stands left of what the proxy appended.
        assert_eq!(
            behind.client(ip("127.0.0.1"), &["198.51.100.1, 203.0.113.5"]),
            ip("203.0.113.5")
        );
        // Two proxies in a row, and the header split over two lines.
        assert_eq!(
            behind.client(ip("127.0.0.1"), &["198.51.100.1, 203.0.113.5", "10.0.0.2"]),
            ip("203.0.113.5")
        );
        // A peer that is no trusted proxy is the client, whatever it sends.
        assert_eq!(
            behind.client(ip("192.0.2.9"), &["203.0.113.5"]),
            ip("192.0.2.9")
        );
        // No header, or garbage where the proxy's entry should be: the proxy's address.
        assert_eq!(behind.client(ip("127.0.0.1"), &[]), ip("127.0.0.1"));
        assert_eq!(
            behind.client(ip("127.0.0.1"), &["unknown"]),
            ip("127.0.0.1")
        );
        assert_eq!(
            behind.client(ip("::ffff:127.0.0.1"), &[" 2001:db8::7 "]),
            ip("2001:db8::7")
        );
    }
}
