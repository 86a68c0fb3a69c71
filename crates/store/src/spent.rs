//! Time a task spends waiting on the store, summed over every call it makes inside
//! [`measure`]: how the flows report the store's share of one delivery
//! (`assetrelay_flow_store_seconds`), including the calls of helpers several layers down
//! that never see a timer.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

tokio::task_local! {
    static SPENT: Cell<Duration>;
}

/// Run `work` and return what it produced with the time its store calls took (calls made
/// from other tasks it spawned are not counted: they are not waited on here).
pub async fn measure<F: Future>(work: F) -> (F::Output, Duration) {
    SPENT
        .scope(Cell::new(Duration::ZERO), async move {
            let output = work.await;
            (output, SPENT.with(Cell::get))
        })
        .await
}

/// Add `elapsed` to the current task's sum, if it is being measured: a store call's time,
/// or the part of a [`measure`]d side task the caller ended up waiting for.
pub fn add(elapsed: Duration) {
    let _ = SPENT.try_with(|spent| spent.set(spent.get() + elapsed));
}
