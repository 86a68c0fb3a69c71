//! [`run`]: connections one after the other, the wait between them, and the state.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::auth::{AuthError, ChannelAuth};
use crate::config::PusherConfig;
use crate::connection::{Connection, ConnectionError, Ended};
use crate::protocol::CodeAction;
use crate::{ConnectionState, Notification, tls};

/// The shortest backoff the protocol allows for 4100–4199 codes.
const MIN_BACKOFF: Duration = Duration::from_secs(1);

/// Runs until `shutdown` fires: connect, authorize, subscribe, keep alive, reconnect.
/// Every event on the channel (not `pusher:` / `pusher_internal:` ones) is sent on
/// `events`; every change of [`ConnectionState`] on `state`.
///
/// Returns early, with the state `Failed`, when reconnecting cannot help: a 4000–4099
/// code, a refused authorization, or a `url` that is not `ws(s)://`. Also returns when
/// the `events` receiver is dropped. Never panics on anything the network sends.
pub async fn run(
    config: PusherConfig,
    auth: Arc<dyn ChannelAuth>,
    events: mpsc::Sender<Notification>,
    state: watch::Sender<ConnectionState>,
    shutdown: CancellationToken,
) {
    let Some(url) = config.connection_url() else {
        tracing::error!(
            scheme = config.url.scheme(),
            "the Pusher URL must be ws:// or wss://; not connecting"
        );
        state.send_replace(ConnectionState::Failed);
        return;
    };
    let connector = match tls::connector() {
        Ok(connector) => connector,
        Err(e) => {
            tracing::error!(error.message = %e, "no TLS configuration for Pusher; not connecting");
            state.send_replace(ConnectionState::Failed);
            return;
        }
    };
    let connection = Connection {
        config: &config,
        url: &url,
        connector: &connector,
        auth: auth.as_ref(),
        events: &events,
        state: &state,
    };
    let mut backoff = Backoff::new(config.reconnect_after_error);
    loop {
        state.send_replace(ConnectionState::Connecting);
        let (error, subscribed) = match connection.run(&shutdown).await {
            Ended::Shutdown => break,
            Ended::NoReceiver => {
                tracing::info!("nobody receives Pusher notifications any more; disconnecting");
                break;
            }
            Ended::Failed { error, subscribed } => (error, subscribed),
        };
        if subscribed {
            backoff.reset();
        }
        let wait = match next_step(&error) {
            Step::GiveUp => {
                tracing::error!(error.message = %chain(&error), channel = %config.channel, "Pusher connection refused; giving up");
                state.send_replace(ConnectionState::Failed);
                return;
            }
            // A connection that never got subscribed and is told to come back at once
            // would otherwise be retried in a tight loop.
            Step::ReconnectNow if subscribed => Duration::ZERO,
            Step::ReconnectNow | Step::Backoff => backoff.next_wait(),
            Step::AfterError => config.reconnect_after_error,
        };
        state.send_replace(ConnectionState::Disconnected);
        tracing::warn!(error.message = %chain(&error), wait_ms = wait.as_millis() as u64, "Pusher connection ended; reconnecting");
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(wait) => {}
        }
    }
    state.send_replace(ConnectionState::Disconnected);
}

/// What follows a failed connection.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    GiveUp,
    ReconnectNow,
    Backoff,
    AfterError,
}

fn next_step(error: &ConnectionError) -> Step {
    match error {
        ConnectionError::Pusher { code, .. } => match CodeAction::of(*code) {
            Some(CodeAction::GiveUp) => Step::GiveUp,
            Some(CodeAction::Backoff) => Step::Backoff,
            Some(CodeAction::ReconnectNow) => Step::ReconnectNow,
            None => Step::AfterError,
        },
        ConnectionError::Auth(AuthError::Refused(_)) => Step::GiveUp,
        // ASSUMED: a code-less refusal (pusher.com's answer to a bad signature) may come
        // from an authorizer that is being fixed; backing off keeps trying without
        // hammering.
        ConnectionError::SubscriptionRefused { .. } => Step::Backoff,
        ConnectionError::Auth(AuthError::Unavailable(_))
        | ConnectionError::Connect(_)
        | ConnectionError::Timeout { .. }
        | ConnectionError::Transport(_)
        | ConnectionError::Closed { .. }
        | ConnectionError::Handshake => Step::AfterError,
    }
}

/// The 4100–4199 backoff: from 1 s, doubling, up to `reconnect_after_error` (at least
/// 1 s), started over once a connection got subscribed. No jitter: one connection per
/// channel, nothing to spread out.
struct Backoff {
    builder: ExponentialBuilder,
    current: ExponentialBackoff,
    cap: Duration,
}

impl Backoff {
    fn new(reconnect_after_error: Duration) -> Self {
        let cap = reconnect_after_error.max(MIN_BACKOFF);
        let builder = ExponentialBuilder::default()
            .with_min_delay(MIN_BACKOFF)
            .with_max_delay(cap)
            .with_factor(2.0)
            .without_max_times();
        Self {
            current: builder.build(),
            builder,
            cap,
        }
    }

    fn next_wait(&mut self) -> Duration {
        self.current.next().unwrap_or(self.cap)
    }

    fn reset(&mut self) {
        self.current = self.builder.build();
    }
}

/// The error and its causes, `: `-separated (none of them holds a credential).
fn chain(error: &ConnectionError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pusher_codes_and_auth_refusals_decide_the_next_step() {
        let pusher = |code| ConnectionError::Pusher {
            code,
            message: String::new(),
        };
        let refused = ConnectionError::Auth(AuthError::Refused("no".into()));
        let unavailable = ConnectionError::Auth(AuthError::Unavailable("later".into()));

        assert_eq!(next_step(&pusher(4009)), Step::GiveUp);
        assert_eq!(next_step(&pusher(4101)), Step::Backoff);
        assert_eq!(next_step(&pusher(4200)), Step::ReconnectNow);
        assert_eq!(next_step(&refused), Step::GiveUp);
        assert_eq!(next_step(&unavailable), Step::AfterError);
        assert_eq!(
            next_step(&ConnectionError::Closed { code: Some(1006) }),
            Step::AfterError
        );
    }

    #[test]
    fn the_backoff_starts_at_a_second_and_stays_under_its_cap() {
        let mut backoff = Backoff::new(Duration::from_secs(4));

        let waits: Vec<_> = (0..5).map(|_| backoff.next_wait().as_secs()).collect();

        assert_eq!(waits, [1, 2, 4, 4, 4]);
        backoff.reset();
        assert_eq!(backoff.next_wait(), MIN_BACKOFF);
    }
}
