-- Why: on PostgreSQL, 0008 adds a function that takes an asset's turn and reads its ledger
-- row in one round trip. SQLite runs in the process, where the two statements cost no
-- network round trip, so it needs no schema change; this migration keeps the two
-- backends' migration versions the same (`assetrelay store status` lists them alike).
SELECT 1;
