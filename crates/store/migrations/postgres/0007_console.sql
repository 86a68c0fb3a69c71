-- Why: the operator console (assetrelay-admin) signs an operator in with an admin token
-- and keeps them signed in with a cookie. The session has to be known to every admin
-- replica and end for all of them at sign-out, so it lives here, not in one process.
-- Only the SHA-256 of the cookie's value is kept (a copy of this table signs nobody in);
-- csrf is the token its forms must carry; operator says who acted (the name given at
-- sign-in and the number of the admin token used, never the token). Times: ms, database
-- clock.
CREATE TABLE console_sessions (
    id_hash TEXT PRIMARY KEY,
    operator TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);

-- Why: who re-drove, purged or replayed what, and when, must outlive the process that did
-- it and be shown to the next operator: an append-only audit trail of console actions.
CREATE TABLE operator_actions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    operator TEXT NOT NULL,
    action TEXT NOT NULL,
    flow TEXT,
    selection TEXT NOT NULL,
    result TEXT NOT NULL
);
CREATE INDEX operator_actions_at ON operator_actions (at);

-- Why: the sources run in their own processes, and only the replica holding a source's
-- lease polls it; the console's overview shows every source's health from one place. The
-- replica that ran a source (or holds a Pusher subscription) writes what it saw here.
-- state: `ok` or `failing` for a poll or sync, the subscription state for `pusher`.
CREATE TABLE source_status (
    connection TEXT NOT NULL,
    source TEXT NOT NULL,
    holder TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_success_at BIGINT,
    last_error_at BIGINT,
    last_error_class TEXT,
    failures_in_row BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (connection, source)
);
