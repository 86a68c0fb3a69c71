-- Why: an effect that must happen once (an upload per connection, license and binary)
-- is claimed here before it is made, so two replicas can never both make it. A claim
-- expires (database clock, ms) so a crashed holder does not block it forever; target_id
-- is set when the effect is done.
CREATE TABLE write_claims (
    claim_key TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    target_id TEXT,
    created_at BIGINT NOT NULL
);
