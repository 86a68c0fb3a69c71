-- Why: a flow's delivery takes the asset's turn (a lease) and then reads the asset's
-- ledger row: two round trips before any platform call, each 0.3-0.7 ms to a database
-- on another machine, and most of the store's share of a delivery. This function makes
-- them one call. It is VOLATILE so that its SELECT takes a snapshot of its own after the
-- INSERT has taken the turn: a replica that held the turn wrote its ledger row before it
-- released the turn, so that row is seen. (One statement with a CTE would read the ledger
-- from the snapshot taken before it waited for the turn, and could miss it.)
-- Returns one row: turn_taken, and the ledger columns (NULL if there is no row or the
-- turn was not taken; the ledger is read only once the turn is ours).
CREATE FUNCTION take_turn_reading_ledger(
    p_turn TEXT,
    p_holder TEXT,
    p_ttl_ms BIGINT,
    p_connection TEXT,
    p_flow TEXT,
    p_platform TEXT,
    p_asset_id TEXT
) RETURNS TABLE (
    turn_taken BOOLEAN,
    ledger_target_ids TEXT,
    ledger_fingerprint TEXT,
    ledger_source_modified_ms BIGINT,
    ledger_source_read_ms BIGINT,
    ledger_last_outcome TEXT,
    ledger_updated_at BIGINT
)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    taken INTEGER;
    now_ms BIGINT := CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT);
BEGIN
    INSERT INTO leases AS l (name, holder, expires_at)
    VALUES (p_turn, p_holder, now_ms + p_ttl_ms)
    ON CONFLICT (name) DO UPDATE
        SET holder = excluded.holder, expires_at = excluded.expires_at
        WHERE l.holder = excluded.holder OR l.expires_at <= now_ms;
    GET DIAGNOSTICS taken = ROW_COUNT;
    IF taken = 0 THEN
        RETURN QUERY SELECT FALSE, NULL::TEXT, NULL::TEXT, NULL::BIGINT, NULL::BIGINT, NULL::TEXT, NULL::BIGINT;
        RETURN;
    END IF;
    RETURN QUERY
        SELECT TRUE, a.target_ids, a.fingerprint, a.source_modified_ms, a.source_read_ms,
               a.last_outcome, a.updated_at
        FROM (SELECT 1) AS one
        LEFT JOIN asset_ledger AS a
            ON a.connection = p_connection AND a.flow = p_flow
            AND a.platform = p_platform AND a.asset_id = p_asset_id;
END
$$;
