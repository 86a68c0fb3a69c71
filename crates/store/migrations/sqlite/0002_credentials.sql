-- Why: OAuth refresh tokens rotate on every refresh; the rotated token must outlive the
-- process and be shared by every replica, or the next refresh fails with invalid_grant.
-- Updated by compare-and-swap on version. Values are plain text, protected by database
-- access; the code never logs them.
CREATE TABLE credentials (
    connection TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (connection, kind)
);
