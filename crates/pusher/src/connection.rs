//! One connection, from the WebSocket handshake to its end: `pusher:connection_established`,
//! the channel's authorization, `pusher:subscribe`, then events, pings and pongs.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::auth::{AuthError, ChannelAuth};
use crate::config::PusherConfig;
use crate::protocol::{self, CodeAction, ConnectionEstablished, ErrorData, Incoming, redacted};
use crate::{ConnectionState, Notification};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The largest message accepted. pusher.com caps an event at 10 KB by default; this
/// leaves room for paid plans without letting a server make us buffer without bound.
const MAX_MESSAGE: usize = 256 * 1024;
/// How long a clean close may take at shutdown before the socket is just dropped.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// Why a connection ended, other than by shutdown.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectionError {
    #[error("the WebSocket connection could not be opened")]
    Connect(#[source] tungstenite::Error),
    #[error("no {waiting_for} within {after:?}")]
    Timeout {
        waiting_for: &'static str,
        after: Duration,
    },
    #[error("the connection broke")]
    Transport(#[source] tungstenite::Error),
    #[error("the server closed the connection (WebSocket code {code:?})")]
    Closed { code: Option<u16> },
    #[error("Pusher error {code}: {message}")]
    Pusher { code: u16, message: String },
    #[error("the subscription was refused: {message}")]
    SubscriptionRefused { message: String },
    #[error("the server's first message was no pusher:connection_established")]
    Handshake,
    #[error(transparent)]
    Auth(AuthError),
}

/// How a connection ended.
#[derive(Debug)]
pub(crate) enum Ended {
    /// `shutdown` fired.
    Shutdown,
    /// The notification receiver is gone: nobody listens any more.
    NoReceiver,
    /// It failed; `subscribed` says whether it had got as far as the subscription.
    Failed {
        error: ConnectionError,
        subscribed: bool,
    },
}

/// What one connection needs, borrowed from [`crate::run`] for every attempt.
pub(crate) struct Connection<'a> {
    pub config: &'a PusherConfig,
    pub url: &'a Url,
    pub connector: &'a Connector,
    pub auth: &'a dyn ChannelAuth,
    pub events: &'a mpsc::Sender<Notification>,
    pub state: &'a watch::Sender<ConnectionState>,
}

impl Connection<'_> {
    /// Opens one connection and serves it until it ends.
    pub(crate) async fn run(&self, shutdown: &CancellationToken) -> Ended {
        let opened = tokio::select! {
            () = shutdown.cancelled() => return Ended::Shutdown,
            opened = self.open() => opened,
        };
        let (socket, activity_timeout) = match opened {
            Ok(opened) => opened,
            Err(error) => {
                return Ended::Failed {
                    error,
                    subscribed: false,
                };
            }
        };
        let mut subscribed = false;
        match self
            .serve(socket, activity_timeout, shutdown, &mut subscribed)
            .await
        {
            Ok(ended) => ended,
            Err(error) => Ended::Failed { error, subscribed },
        }
    }

    /// Handshake, `pusher:connection_established`, authorization and `pusher:subscribe`.
    async fn open(&self) -> Result<(Socket, Duration), ConnectionError> {
        let wait = self.config.pong_timeout;
        let ws_config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE))
            .max_frame_size(Some(MAX_MESSAGE));
        let connect = tokio_tungstenite::connect_async_tls_with_config(
            self.url.as_str(),
            Some(ws_config),
            true,
            Some(self.connector.clone()),
        );
        let (mut socket, _) = timeout(wait, connect)
            .await
            .map_err(|_| ConnectionError::Timeout {
                waiting_for: "WebSocket handshake",
                after: wait,
            })?
            .map_err(ConnectionError::Connect)?;
        let first = timeout(wait, next_message(&mut socket))
            .await
            .map_err(|_| ConnectionError::Timeout {
                waiting_for: "pusher:connection_established",
                after: wait,
            })??;
        if first.event == protocol::ERROR {
            return Err(pusher_error(&first).unwrap_or(ConnectionError::Handshake));
        }
        let established = (first.event == protocol::CONNECTION_ESTABLISHED)
            .then(|| first.data_as::<ConnectionEstablished>())
            .flatten()
            .ok_or(ConnectionError::Handshake)?;
        let activity_timeout = Duration::from_secs(
            established
                .activity_timeout
                .unwrap_or(protocol::DEFAULT_ACTIVITY_TIMEOUT_SECS)
                .max(1),
        );
        tracing::debug!(socket_id = %established.socket_id, activity_timeout_s = activity_timeout.as_secs(), "Pusher connection established");
        let auth = self
            .auth
            .authorize(&established.socket_id, &self.config.channel)
            .await
            .map_err(ConnectionError::Auth)?;
        // The message carries the signature: it is sent, never logged.
        socket
            .send(Message::text(protocol::subscribe(
                &self.config.channel,
                &auth,
            )))
            .await
            .map_err(ConnectionError::Transport)?;
        Ok((socket, activity_timeout))
    }

    /// Reads until the connection ends: pings after `activity_timeout` of silence, gives
    /// the pong `pong_timeout`, forwards the channel's events.
    async fn serve(
        &self,
        mut socket: Socket,
        activity_timeout: Duration,
        shutdown: &CancellationToken,
        subscribed: &mut bool,
    ) -> Result<Ended, ConnectionError> {
        let mut last_heard = Instant::now();
        let mut pong_due: Option<Instant> = None;
        loop {
            let ping_at = last_heard + activity_timeout;
            let pong_overdue = async {
                match pong_due {
                    Some(due) => sleep_until(due).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => {
                    close(socket).await;
                    return Ok(Ended::Shutdown);
                }
                () = sleep_until(ping_at), if pong_due.is_none() => {
                    socket.send(Message::text(protocol::ping())).await.map_err(ConnectionError::Transport)?;
                    pong_due = Some(Instant::now() + self.config.pong_timeout);
                }
                () = pong_overdue => {
                    return Err(ConnectionError::Timeout { waiting_for: "pong", after: self.config.pong_timeout });
                }
                message = socket.next() => {
                    // Any message shows the connection is alive, as a pong would.
                    last_heard = Instant::now();
                    pong_due = None;
                    let text = match message {
                        None => return Err(ConnectionError::Closed { code: None }),
                        Some(Err(e)) => return Err(ConnectionError::Transport(e)),
                        Some(Ok(Message::Close(frame))) => return Err(closed(frame)),
                        Some(Ok(Message::Text(text))) => text,
                        // WebSocket pings are answered by tungstenite; Pusher sends no binary.
                        Some(Ok(_)) => continue,
                    };
                    if let Some(ended) = self.handle(&mut socket, &text, subscribed).await? {
                        return Ok(ended);
                    }
                }
            }
        }
    }

    async fn handle(
        &self,
        socket: &mut Socket,
        text: &str,
        subscribed: &mut bool,
    ) -> Result<Option<Ended>, ConnectionError> {
        let Ok(message) = Incoming::parse(text) else {
            tracing::debug!("unreadable Pusher message ignored");
            return Ok(None);
        };
        let ours = message.channel.as_deref() == Some(self.config.channel.as_str());
        match message.event.as_str() {
            protocol::PING => socket
                .send(Message::text(protocol::pong()))
                .await
                .map_err(ConnectionError::Transport)?,
            protocol::SUBSCRIPTION_SUCCEEDED if ours => {
                *subscribed = true;
                self.state.send_replace(ConnectionState::Connected);
                tracing::info!(channel = %self.config.channel, "subscribed to the Pusher channel");
            }
            protocol::ERROR => match pusher_error(&message) {
                Some(error) => return Err(error),
                None => {
                    let message = redacted(
                        &message
                            .data_as::<ErrorData>()
                            .unwrap_or_default()
                            .message
                            .unwrap_or_default(),
                    );
                    // pusher.com refuses a subscription with a code-less error; after the
                    // subscription such an error concerns nothing we did.
                    if !*subscribed {
                        return Err(ConnectionError::SubscriptionRefused { message });
                    }
                    tracing::warn!(pusher.message = %message, "Pusher error without a code ignored");
                }
            },
            _ if message.is_protocol_event() || !ours => {
                tracing::debug!(event = %message.event, "Pusher message ignored");
            }
            _ => {
                let notification = Notification {
                    data: message.data_text(),
                    event: message.event,
                    channel: self.config.channel.clone(),
                };
                match self.events.try_send(notification) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(dropped)) => {
                        tracing::debug!(event = %dropped.event, "notification dropped: the receiver has ticks queued already");
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => {
                        return Ok(Some(Ended::NoReceiver));
                    }
                }
            }
        }
        Ok(None)
    }
}

/// The next text message, parsed; WebSocket control frames are skipped.
async fn next_message(socket: &mut Socket) -> Result<Incoming, ConnectionError> {
    loop {
        match socket.next().await {
            None => return Err(ConnectionError::Closed { code: None }),
            Some(Err(e)) => return Err(ConnectionError::Transport(e)),
            Some(Ok(Message::Close(frame))) => return Err(closed(frame)),
            Some(Ok(Message::Text(text))) => {
                return Incoming::parse(&text).map_err(|_| ConnectionError::Handshake);
            }
            Some(Ok(_)) => {}
        }
    }
}

/// A `pusher:error` carrying a code of the Pusher ranges.
fn pusher_error(message: &Incoming) -> Option<ConnectionError> {
    let data: ErrorData = message.data_as()?;
    let code = data.code.filter(|code| CodeAction::of(*code).is_some())?;
    Some(ConnectionError::Pusher {
        code,
        message: redacted(&data.message.unwrap_or_default()),
    })
}

fn closed(frame: Option<CloseFrame>) -> ConnectionError {
    match frame.map(|f| (u16::from(f.code), f.reason)) {
        Some((code, reason)) if CodeAction::of(code).is_some() => ConnectionError::Pusher {
            code,
            message: redacted(&reason),
        },
        other => ConnectionError::Closed {
            code: other.map(|(code, _)| code),
        },
    }
}

/// Closes cleanly, giving the server [`CLOSE_WAIT`] to answer; the socket is dropped
/// either way.
async fn close(mut socket: Socket) {
    let frame = CloseFrame {
        code: CloseCode::Normal,
        reason: "".into(),
    };
    if let Ok(Err(e)) = timeout(CLOSE_WAIT, socket.close(Some(frame))).await {
        tracing::debug!(error.message = %e, "closing the Pusher connection failed");
    }
}
