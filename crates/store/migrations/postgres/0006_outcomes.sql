-- Why: "what happened to asset X?" is answered from here (assetrelay trace): one row per
-- decision a flow made for an event, append-only, pruned after the retention period.
-- at is ms since the Unix epoch, given by the flow when it decided; event_at is the event's
-- own time (when the platform said it happened), so a timeline shows when it was received.
CREATE TABLE outcomes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    event_at BIGINT,
    flow TEXT NOT NULL,
    connection TEXT NOT NULL,
    platform TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    reason TEXT,
    tier INTEGER,
    target_call TEXT,
    -- `ok`, an HTTP status, or `transport` (the clients do not report a success's code).
    target_status TEXT,
    duration_ms BIGINT NOT NULL
);
-- An asset's timeline.
CREATE INDEX outcomes_asset_at ON outcomes (connection, platform, asset_id, at);
-- Pruning by age.
CREATE INDEX outcomes_at ON outcomes (at);
