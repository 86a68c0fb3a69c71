//! Fault injection for the platform surfaces: error rate, 429 rate (with `Retry-After`),
//! added latency, a delayed answer after the request was applied, and hanging requests, per surface and optionally per endpoint (the axum
//! route pattern, e.g. `/psapi/v4.0/media/{media_id}`, or a literal path). The control
//! API under `/_sandbox/` is never faulted.
//!
//! Decisions come from an RNG seeded with `SandboxConfig::seed` and re-seeded whenever the
//! fault settings change, so the same settings plus the same request order give the same
//! faults in every run.
//!
//! Files: this one holds the rules and the decision; `middleware` applies them to
//! requests (in each platform's error shape); `routes` is `/_sandbox/faults`.

pub(crate) mod middleware;
mod routes;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::Platform;

pub use middleware::{apply, surface_of};
pub use routes::router;

/// Faults for one surface, or one endpoint of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// `photoshelter` or `smintio`.
    pub surface: Platform,
    /// Route pattern (`/psapi/v4.0/media/{media_id}`) or literal path to target; `None`
    /// covers the whole surface. An endpoint rule wins over the surface rule.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Share of requests (0..1) answered with `error_status`.
    #[serde(default)]
    pub error_rate: f64,
    /// Status of injected errors (4xx or 5xx).
    #[serde(default = "default_error_status")]
    pub error_status: u16,
    /// Share of requests (0..1) answered 429 with `Retry-After`.
    #[serde(default)]
    pub rate_limit_rate: f64,
    /// `Retry-After` of injected 429s, in seconds.
    #[serde(default = "default_retry_after")]
    pub retry_after_secs: u64,
    /// Delay added before the request is handled (or failed).
    #[serde(default)]
    pub latency_ms: u64,
    /// Delay added after the request was handled, before its answer leaves: the write is
    /// applied (and in the write log) while the client still waits, so a test can stop
    /// the client between its write and what it does after the answer.
    #[serde(default)]
    pub answer_delay_ms: u64,
    /// Never answer (until the sandbox stops), so the client's timeout fires.
    #[serde(default)]
    pub hang: bool,
}

fn default_error_status() -> u16 {
    503
}
fn default_retry_after() -> u64 {
    1
}

impl FaultRule {
    /// A rule that injects nothing, to fill in with struct update syntax.
    pub fn none(surface: Platform) -> Self {
        Self {
            surface,
            endpoint: None,
            error_rate: 0.0,
            error_status: default_error_status(),
            rate_limit_rate: 0.0,
            retry_after_secs: default_retry_after(),
            latency_ms: 0,
            answer_delay_ms: 0,
            hang: false,
        }
    }

    fn check(&self) -> Result<(), String> {
        let rate = |name: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(format!("{name} must be within 0..1"))
            }
        };
        rate("error_rate", self.error_rate)?;
        rate("rate_limit_rate", self.rate_limit_rate)?;
        if self.error_rate + self.rate_limit_rate > 1.0 {
            return Err("error_rate + rate_limit_rate must not exceed 1".into());
        }
        if !(400..=599).contains(&self.error_status) {
            return Err("error_status must be a 4xx or 5xx status".into());
        }
        Ok(())
    }
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Pass,
    Hang,
    RateLimit { retry_after_secs: u64 },
    Error { status: u16 },
}

/// Shared fault settings. Cloning shares them.
#[derive(Clone)]
pub struct Faults {
    inner: Arc<Mutex<Inner>>,
    /// Releases hanging requests when the sandbox stops, so shutdown is not blocked.
    stop: CancellationToken,
}

struct Inner {
    seed: u64,
    rules: Vec<FaultRule>,
    rng: StdRng,
}

/// `GET /_sandbox/faults` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FaultSettings {
    pub seed: u64,
    pub rules: Vec<FaultRule>,
}

impl Faults {
    pub fn new(seed: u64, stop: CancellationToken) -> Self {
        let inner = Inner {
            seed,
            rules: Vec::new(),
            rng: StdRng::seed_from_u64(seed),
        };
        Self {
            inner: Arc::new(Mutex::new(inner)),
            stop,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Every update leaves `Inner` consistent, so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds rules, each replacing any rule for the same surface and endpoint, and
    /// re-seeds the RNG. Nothing changes when a rule is invalid.
    pub fn set(&self, rules: Vec<FaultRule>) -> Result<(), String> {
        rules.iter().try_for_each(FaultRule::check)?;
        let mut inner = self.lock();
        for rule in rules {
            inner
                .rules
                .retain(|r| (r.surface, &r.endpoint) != (rule.surface, &rule.endpoint));
            inner.rules.push(rule);
        }
        inner.rng = StdRng::seed_from_u64(inner.seed);
        Ok(())
    }

    /// Removes all rules (or one surface's) and re-seeds the RNG.
    pub fn clear(&self, surface: Option<Platform>) {
        let mut inner = self.lock();
        inner
            .rules
            .retain(|r| surface.is_some_and(|s| r.surface != s));
        inner.rng = StdRng::seed_from_u64(inner.seed);
    }

    pub fn settings(&self) -> FaultSettings {
        let inner = self.lock();
        FaultSettings {
            seed: inner.seed,
            rules: inner.rules.clone(),
        }
    }

    /// The rule for one request to `surface`, given its route pattern (if a route
    /// matched) and its literal path: an endpoint rule matching either, else the
    /// surface's rule.
    fn rule_for(
        inner: &Inner,
        surface: Platform,
        pattern: Option<&str>,
        path: &str,
    ) -> Option<FaultRule> {
        let targets = |r: &FaultRule| {
            r.endpoint
                .as_deref()
                .is_some_and(|e| Some(e) == pattern || e == path)
        };
        inner
            .rules
            .iter()
            .find(|r| r.surface == surface && targets(r))
            .or_else(|| {
                inner
                    .rules
                    .iter()
                    .find(|r| r.surface == surface && r.endpoint.is_none())
            })
            .cloned()
    }

    /// How long the answer to a handled request waits before it leaves (see
    /// [`FaultRule::answer_delay_ms`]).
    pub fn answer_delay(&self, surface: Platform, pattern: Option<&str>, path: &str) -> Duration {
        Self::rule_for(&self.lock(), surface, pattern, path)
            .map_or(Duration::ZERO, |r| Duration::from_millis(r.answer_delay_ms))
    }

    /// The latency to add and the action for one request to `surface`, given its route
    /// pattern (if a route matched) and its literal path. An endpoint rule matches either.
    pub fn decide(
        &self,
        surface: Platform,
        pattern: Option<&str>,
        path: &str,
    ) -> (Duration, Action) {
        let mut inner = self.lock();
        let Some(rule) = Self::rule_for(&inner, surface, pattern, path) else {
            return (Duration::ZERO, Action::Pass);
        };
        let latency = Duration::from_millis(rule.latency_ms);
        if rule.hang {
            return (latency, Action::Hang);
        }
        if rule.error_rate <= 0.0 && rule.rate_limit_rate <= 0.0 {
            return (latency, Action::Pass);
        }
        // One draw per request decides both kinds, so the sequence depends only on the
        // seed and the order of requests to faulty endpoints.
        let draw: f64 = inner.rng.random();
        let action = if draw < rule.rate_limit_rate {
            Action::RateLimit {
                retry_after_secs: rule.retry_after_secs,
            }
        } else if draw < rule.rate_limit_rate + rule.error_rate {
            Action::Error {
                status: rule.error_status,
            }
        } else {
            Action::Pass
        };
        (latency, action)
    }
}
