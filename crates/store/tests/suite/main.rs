//! The store suite: every behaviour runs against SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod claims;
mod console;
mod history;
mod ledger;
mod state;
mod support;

/// `suite!(module: [behaviour, …], migrate)`: a test per behaviour and backend.
macro_rules! suite {
    ($($module:ident: [$($name:ident),+ $(,)?], $migrate:expr;)+) => {
        mod on_sqlite {
            $($(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let h = crate::support::Harness::sqlite($migrate).await;
                    crate::$module::$name(&h).await;
                    h.finish().await;
                }
            )+)+
        }
        mod on_postgres {
            $($(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(h) = crate::support::Harness::postgres($migrate).await else {
                        return;
                    };
                    crate::$module::$name(&h).await;
                    h.finish().await;
                }
            )+)+
        }
    };
}

suite! {
    state: [
        a_cursor_is_absent_until_set_then_overwritten,
        a_cursor_entry_says_when_it_was_stored,
        a_deleted_cursor_is_gone_and_only_its_own,
        each_run_request_is_a_new_token_beside_the_cursor,
        a_credential_is_inserted_only_if_absent_then_swapped_by_version,
        of_16_concurrent_swaps_from_one_version_exactly_one_wins,
        a_swap_from_a_version_without_a_stored_credential_is_an_error,
        a_lease_is_held_by_one_holder_renewed_by_it_and_released,
        an_expired_lease_is_taken_over_by_another_holder,
        status_reports_the_backend_the_migrations_and_the_rows,
    ], true;
    state: [a_store_connected_without_migrating_reports_them_pending_until_migrate], false;
    claims: [
        of_16_concurrent_claims_of_one_key_exactly_one_is_taken,
        a_completed_claim_answers_done_and_a_released_one_is_free_again,
        an_expired_claim_of_another_holder_is_taken_over,
        completing_a_claim_with_its_ledger_write_records_both_at_once,
    ], true;
    ledger: [
        the_ledger_rows_of_one_flow_and_platform_are_listed_by_asset,
        the_ledger_replaces_only_a_strictly_older_source_version,
        two_racing_writes_leave_the_newest_version_whatever_the_order,
        concurrent_writes_each_get_their_own_answer,
        recording_an_outcome_only_keeps_the_version_and_the_targets,
        the_ledger_rows_of_an_asset_are_listed_across_flows_and_connections,
        a_turn_taken_with_the_ledger_row_reads_it_only_once_the_turn_is_ours,
        whoever_takes_the_turn_reads_every_write_of_the_holder_before,
    ], true;
    history: [
        the_outcome_writer_batches_and_history_is_the_latest_rows_oldest_first,
        pruning_deletes_only_rows_older_than_the_retention_in_batches,
        the_pruner_task_prunes_until_shut_down,
    ], true;
    console: [
        a_session_is_found_by_its_hash_until_it_expires_or_is_closed,
        operator_actions_are_listed_newest_first,
        a_source_status_counts_failures_until_a_success,
        decisions_are_counted_per_flow_since_a_time,
    ], true;
}
