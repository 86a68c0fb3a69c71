//! SQLite's write lock, waited for in the process instead of in SQLite's busy handler.
//!
//! SQLite has one writer at a time. A connection finding the lock held calls its busy
//! handler, which sleeps 1, 2, 5, 10 … ms between tries, whether the holder needs 50 µs
//! or 50 ms: a delivery meeting the lock two or three times lost 3–8 ms, the tail of the
//! store's time per delivery. The pool's connections therefore have no busy timeout
//! (`PRAGMA busy_timeout = 0`: busy is answered at once), and a statement answered busy
//! waits here until a statement of this process finished — usually the holder — and is
//! sent again, within the configured statement timeout. A holder in another process
//! (another replica on the file) is not heard: the wait is then 1 ms before the next try.
//!
//! (One writer connection with the writes queued for it was tried instead and measured
//! worse: it serialises each write's hand-offs between tokio and the connection's
//! thread, not just the few µs the lock is held; docs/PERFORMANCE.md, "Store".)

use std::pin::Pin;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::sync::futures::Notified;

use crate::error::Fail;

/// How long a try waits when no statement of this process finishes meanwhile.
const POLL: Duration = Duration::from_millis(1);

#[derive(Debug)]
pub(crate) struct Busy {
    finished: Notify,
    patience: Duration,
}

impl Busy {
    /// `patience`: how long a statement keeps trying (the statement timeout).
    pub(crate) fn new(patience: Duration) -> Self {
        Self {
            finished: Notify::new(),
            patience,
        }
    }

    pub(crate) fn deadline(&self) -> Instant {
        Instant::now() + self.patience
    }

    /// To be created and enabled before a try, so a statement finishing while the try
    /// runs is not missed.
    pub(crate) fn notified(&self) -> Notified<'_> {
        self.finished.notified()
    }

    /// After a try: `Some(result)` to return it, `None` to try again (it was busy, and
    /// a statement has finished meanwhile or the poll interval passed).
    pub(crate) async fn settle<T>(
        &self,
        result: Result<T, Fail>,
        notified: Pin<&mut Notified<'_>>,
        deadline: Instant,
    ) -> Option<Result<T, Fail>> {
        if let Err(Fail::Sql(e)) = &result
            && is_busy(e)
            && Instant::now() < deadline
        {
            let _ = tokio::time::timeout(POLL, notified).await;
            return None;
        }
        self.finished.notify_waiters();
        Some(result)
    }
}

/// SQLITE_BUSY, with any extended code (the primary code is the low byte).
pub(crate) fn is_busy(error: &sqlx::Error) -> bool {
    const SQLITE_BUSY: i32 = 5;
    match error {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|code| code.parse::<i32>().ok())
            .is_some_and(|code| code & 0xff == SQLITE_BUSY),
        _ => false,
    }
}
