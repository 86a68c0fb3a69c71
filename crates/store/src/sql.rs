//! One SQL text per backend where they differ, and the dispatch over the two pools.
//!
//! Both backends accept `$1`-style placeholders (SQLite takes `$N` as parameter N), so the
//! texts differ only in the database clock: [`sql!`] writes `now` where it goes.

/// `sql!("… " now " …")` → `(postgres_text, sqlite_text)`, both `&'static str`; `now` is
/// the database clock in milliseconds since the Unix epoch.
macro_rules! sql {
    (@pg now) => {
        "(CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT))"
    };
    (@lite now) => {
        "(CAST(unixepoch('subsec') * 1000 AS INTEGER))"
    };
    (@pg $text:literal) => {
        $text
    };
    (@lite $text:literal) => {
        $text
    };
    ($($part:tt)+) => {
        (concat!($(sql!(@pg $part)),+), concat!($(sql!(@lite $part)),+))
    };
}

/// Run `body` with `pool` bound to the store's pool and `q` to the SQL text of its
/// backend. The body is written once and compiled for each driver. On SQLite a try
/// answered busy is made again (`crate::busy`), so the body may run more than once. `lease` marks a lease
/// write: on PostgreSQL it goes through the lease pool (see [`crate::Postgres`]).
macro_rules! on_backend {
    ($store:expr, lease, $sql:expr, |$pool:ident, $q:ident| $body:expr) => {{
        let (pg, lite): (&'static str, &'static str) = $sql;
        match &$store.backend {
            $crate::Backend::Postgres(backend) => {
                let ($pool, $q) = (&backend.leases, pg);
                $body
            }
            $crate::Backend::Sqlite(lite_backend) => {
                let ($pool, $q) = (&lite_backend.pool, lite);
                $crate::sql::sqlite_busy!(lite_backend.busy, $body)
            }
        }
    }};
    ($store:expr, $sql:expr, |$pool:ident, $q:ident| $body:expr) => {{
        let (pg, lite): (&'static str, &'static str) = $sql;
        match &$store.backend {
            $crate::Backend::Postgres(backend) => {
                let ($pool, $q) = (&backend.pool, pg);
                $body
            }
            $crate::Backend::Sqlite(lite_backend) => {
                let ($pool, $q) = (&lite_backend.pool, lite);
                $crate::sql::sqlite_busy!(lite_backend.busy, $body)
            }
        }
    }};
}

/// Run `body` (an expression that may use `?` on driver errors) until it is not answered
/// busy or `busy`'s patience is spent; its value, or its error returned with `?`.
macro_rules! sqlite_busy {
    ($busy:expr, $body:expr) => {{
        let busy: &$crate::busy::Busy = &$busy;
        let deadline = busy.deadline();
        loop {
            let mut notified = std::pin::pin!(busy.notified());
            notified.as_mut().enable();
            let tried = async { Ok::<_, $crate::error::Fail>($body) }.await;
            if let Some(result) = busy.settle(tried, notified, deadline).await {
                break result?;
            }
        }
    }};
}

pub(crate) use {on_backend, sql, sqlite_busy};
