//! What the operator console keeps: sessions (by the hash of their cookie), the audit
//! trail of operator actions, and the health the sources report for the overview.

use std::time::Duration;

use crate::Result;
use crate::error::{Fail, timed};
use crate::model::ttl_ms;
use crate::sql::{on_backend, sql};

/// A signed-in console session ([`crate::Store::console_session`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    /// Who acts: the name given at sign-in and which admin token opened the session.
    pub operator: String,
    /// The token every state-changing form of this session carries.
    pub csrf: String,
    pub expires_at_ms: i64,
}

/// One console action for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorAction {
    /// When it was done (ms, database clock; set by the store when recorded).
    pub at_ms: i64,
    pub operator: String,
    /// `redrive`, `purge`, `replay`, `replay-cancel`, `sign-in`, …
    pub action: String,
    pub flow: Option<String>,
    /// What it acted on, as the operator chose it (a filter, event ids, a window).
    pub selection: String,
    /// How it ended (`moved 3 of 3`, `published 120`, an error).
    pub result: String,
}

/// A source's health as the replica that ran it last reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatus {
    pub connection: String,
    /// `photoshelter-poll`, `smintio-sync`, `pusher`, …
    pub source: String,
    /// The replica that reported it (its lease holder name).
    pub holder: String,
    /// `ok` or `failing` for a run; the subscription state for `pusher`.
    pub state: String,
    pub updated_at_ms: i64,
    pub last_success_at_ms: Option<i64>,
    pub last_error_at_ms: Option<i64>,
    pub last_error_class: Option<String>,
    /// Failed runs since the last success.
    pub failures_in_row: i64,
}

type SessionRow = (String, String, i64);
type ActionRow = (i64, String, String, Option<String>, String, String);
type StatusRow = (
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    i64,
);

impl crate::Store {
    /// Open a session valid for `ttl`, and forget the expired ones (sign-ins are rare,
    /// so this keeps the table small without a pruner of its own).
    pub async fn open_console_session(
        &self,
        id_hash: &str,
        operator: &str,
        csrf: &str,
        ttl: Duration,
    ) -> Result<()> {
        timed("open_console_session", async {
            on_backend!(
                self,
                sql!("DELETE FROM console_sessions WHERE expires_at <= " now),
                |pool, q| {
                    sqlx::query(q).execute(pool).await?;
                }
            );
            on_backend!(
                self,
                sql!(
                    "INSERT INTO console_sessions (id_hash, operator, csrf, created_at, expires_at) VALUES ($1, $2, $3, "
                    now
                    ", "
                    now
                    " + $4)"
                ),
                |pool, q| {
                    sqlx::query(q)
                        .bind(id_hash)
                        .bind(operator)
                        .bind(csrf)
                        .bind(ttl_ms(ttl))
                        .execute(pool)
                        .await?;
                }
            );
            Ok::<_, Fail>(())
        })
        .await
    }

    /// The session whose cookie hashes to `id_hash`, unless it expired or was closed.
    pub async fn console_session(&self, id_hash: &str) -> Result<Option<ConsoleSession>> {
        timed("console_session", async {
            let row: Option<SessionRow> = on_backend!(
                self,
                sql!(
                    "SELECT operator, csrf, expires_at FROM console_sessions WHERE id_hash = $1 AND expires_at > "
                    now
                ),
                |pool, q| sqlx::query_as(q).bind(id_hash).fetch_optional(pool).await?
            );
            Ok::<_, Fail>(row.map(|(operator, csrf, expires_at_ms)| ConsoleSession {
                operator,
                csrf,
                expires_at_ms,
            }))
        })
        .await
    }

    /// Sign out: the session ends on every replica at once.
    pub async fn close_console_session(&self, id_hash: &str) -> Result<bool> {
        timed("close_console_session", async {
            let closed = on_backend!(
                self,
                sql!("DELETE FROM console_sessions WHERE id_hash = $1"),
                |pool, q| {
                    sqlx::query(q)
                        .bind(id_hash)
                        .execute(pool)
                        .await?
                        .rows_affected()
                }
            );
            Ok::<_, Fail>(closed == 1)
        })
        .await
    }

    /// Append `action` to the audit trail (its `at_ms` is ignored: the database's clock
    /// stamps it).
    pub async fn record_operator_action(&self, action: &OperatorAction) -> Result<()> {
        timed("record_operator_action", async {
            on_backend!(
                self,
                sql!(
                    "INSERT INTO operator_actions (at, operator, action, flow, selection, result) VALUES ("
                    now
                    ", $1, $2, $3, $4, $5)"
                ),
                |pool, q| {
                    sqlx::query(q)
                        .bind(&action.operator)
                        .bind(&action.action)
                        .bind(&action.flow)
                        .bind(&action.selection)
                        .bind(&action.result)
                        .execute(pool)
                        .await?;
                }
            );
            Ok::<_, Fail>(())
        })
        .await
    }

    /// The latest `limit` actions, newest first.
    pub async fn operator_actions(&self, limit: u32) -> Result<Vec<OperatorAction>> {
        timed("operator_actions", async {
            let rows: Vec<ActionRow> = on_backend!(
                self,
                sql!(
                    "SELECT at, operator, action, flow, selection, result FROM operator_actions ORDER BY at DESC, id DESC LIMIT $1"
                ),
                |pool, q| {
                    sqlx::query_as(q)
                        .bind(i64::from(limit))
                        .fetch_all(pool)
                        .await?
                }
            );
            Ok::<_, Fail>(
                rows.into_iter()
                    .map(
                        |(at_ms, operator, action, flow, selection, result)| OperatorAction {
                            at_ms,
                            operator,
                            action,
                            flow,
                            selection,
                            result,
                        },
                    )
                    .collect(),
            )
        })
        .await
    }

    /// Record a finished run of `source`: `Ok(())`, or the class of its error (never its
    /// message, which may quote a platform's answer).
    pub async fn record_source_run(
        &self,
        connection: &str,
        source: &str,
        holder: &str,
        outcome: std::result::Result<(), &str>,
    ) -> Result<()> {
        timed("record_source_run", async {
            match outcome {
                Ok(()) => on_backend!(
                    self,
                    sql!(
                        "INSERT INTO source_status (connection, source, holder, state, updated_at, last_success_at, failures_in_row) VALUES ($1, $2, $3, 'ok', "
                        now
                        ", "
                        now
                        ", 0) ON CONFLICT (connection, source) DO UPDATE SET holder = excluded.holder, state = 'ok', updated_at = excluded.updated_at, last_success_at = excluded.last_success_at, failures_in_row = 0"
                    ),
                    |pool, q| {
                        sqlx::query(q)
                            .bind(connection)
                            .bind(source)
                            .bind(holder)
                            .execute(pool)
                            .await?;
                    }
                ),
                Err(class) => on_backend!(
                    self,
                    sql!(
                        "INSERT INTO source_status (connection, source, holder, state, updated_at, last_error_at, last_error_class, failures_in_row) VALUES ($1, $2, $3, 'failing', "
                        now
                        ", "
                        now
                        ", $4, 1) ON CONFLICT (connection, source) DO UPDATE SET holder = excluded.holder, state = 'failing', updated_at = excluded.updated_at, last_error_at = excluded.last_error_at, last_error_class = excluded.last_error_class, failures_in_row = source_status.failures_in_row + 1"
                    ),
                    |pool, q| {
                        sqlx::query(q)
                            .bind(connection)
                            .bind(source)
                            .bind(holder)
                            .bind(class)
                            .execute(pool)
                            .await?;
                    }
                ),
            };
            Ok::<_, Fail>(())
        })
        .await
    }

    /// Record the state of something that is not a run (a Pusher subscription).
    pub async fn record_source_state(
        &self,
        connection: &str,
        source: &str,
        holder: &str,
        state: &str,
    ) -> Result<()> {
        timed("record_source_state", async {
            on_backend!(
                self,
                sql!(
                    "INSERT INTO source_status (connection, source, holder, state, updated_at) VALUES ($1, $2, $3, $4, "
                    now
                    ") ON CONFLICT (connection, source) DO UPDATE SET holder = excluded.holder, state = excluded.state, updated_at = excluded.updated_at"
                ),
                |pool, q| {
                    sqlx::query(q)
                        .bind(connection)
                        .bind(source)
                        .bind(holder)
                        .bind(state)
                        .execute(pool)
                        .await?;
                }
            );
            Ok::<_, Fail>(())
        })
        .await
    }

    /// Every source's last report, by connection and source.
    pub async fn source_statuses(&self) -> Result<Vec<SourceStatus>> {
        timed("source_statuses", async {
            let rows: Vec<StatusRow> = on_backend!(
                self,
                sql!(
                    "SELECT connection, source, holder, state, updated_at, last_success_at, last_error_at, last_error_class, failures_in_row FROM source_status ORDER BY connection, source"
                ),
                |pool, q| sqlx::query_as(q).fetch_all(pool).await?
            );
            Ok::<_, Fail>(
                rows.into_iter()
                    .map(|r| SourceStatus {
                        connection: r.0,
                        source: r.1,
                        holder: r.2,
                        state: r.3,
                        updated_at_ms: r.4,
                        last_success_at_ms: r.5,
                        last_error_at_ms: r.6,
                        last_error_class: r.7,
                        failures_in_row: r.8,
                    })
                    .collect(),
            )
        })
        .await
    }

    /// Decisions recorded since `since_ms`, per flow and decision (the overview's
    /// delivery rate). Reads the `outcomes_at` index; rows a batching writer has not
    /// written yet are not counted.
    pub async fn decision_counts_since(&self, since_ms: i64) -> Result<Vec<(String, String, i64)>> {
        timed("decision_counts_since", async {
            let rows: Vec<(String, String, i64)> = on_backend!(
                self,
                sql!(
                    "SELECT flow, decision, COUNT(*) FROM outcomes WHERE at >= $1 GROUP BY flow, decision ORDER BY flow, decision"
                ),
                |pool, q| sqlx::query_as(q).bind(since_ms).fetch_all(pool).await?
            );
            Ok::<_, Fail>(rows)
        })
        .await
    }

    /// The database clock, ms since the Unix epoch (ages on the console are measured
    /// against it, as every time in the store is).
    pub async fn now_ms(&self) -> Result<i64> {
        timed("now_ms", async {
            let now: i64 = on_backend!(self, sql!("SELECT " now), |pool, q| {
                sqlx::query_scalar(q).fetch_one(pool).await?
            });
            Ok::<_, Fail>(now)
        })
        .await
    }
}
