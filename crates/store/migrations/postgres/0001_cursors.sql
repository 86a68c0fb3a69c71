-- Why: a poller's position in a source (e.g. the Smint.io license feed) must survive a
-- restart, or the source is re-read from the start. Written only after everything the
-- cursor covers has been confirmed by the broker. Times are ms since the Unix epoch.
CREATE TABLE cursors (
    connection TEXT NOT NULL,
    source TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (connection, source)
);
