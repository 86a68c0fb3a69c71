//! Outcome rows (oldest first) grouped into events, and within an event per flow.

use std::collections::HashMap;

use assetrelay_store::Outcome;

use super::{FlowDecisions, Step, TimelineEvent, time};

/// The events of `rows`, each at the place of its first row, each flow's decisions in
/// the order of the rows.
pub(super) fn events(rows: &[Outcome]) -> Vec<TimelineEvent> {
    let mut events: Vec<TimelineEvent> = Vec::new();
    // An event id is unique per connection (a UUIDv5 over it), so the pair keys an event.
    let mut index: HashMap<(&str, &str), usize> = HashMap::new();
    for row in rows {
        let at = *index
            .entry((row.connection.as_str(), row.event_id.as_str()))
            .or_insert_with(|| {
                events.push(TimelineEvent {
                    event_id: row.event_id.clone(),
                    event_type: row.event_type.clone(),
                    event_time: row.event_at_ms.map(time),
                    connection: row.connection.clone(),
                    first_decided_at: time(row.at_ms),
                    flows: Vec::new(),
                });
                events.len() - 1
            });
        let event = &mut events[at];
        let step = step(row);
        match event.flows.iter_mut().find(|f| f.flow == row.flow) {
            Some(flow) => {
                flow.last_decision = row.decision;
                flow.decisions.push(step);
            }
            None => event.flows.push(FlowDecisions {
                flow: row.flow.clone(),
                last_decision: row.decision,
                decisions: vec![step],
            }),
        }
    }
    events
}

fn step(row: &Outcome) -> Step {
    Step {
        at: time(row.at_ms),
        decision: row.decision,
        reason: row.reason.clone(),
        retry_tier_secs: row.tier,
        target_call: row.target_call.clone(),
        target_status: row.target_status.clone(),
        duration_ms: row.duration_ms,
    }
}

#[cfg(test)]
mod tests {
    use assetrelay_store::Decision;

    use super::*;

    fn row(event_id: &str, flow: &str, at_ms: i64, decision: Decision) -> Outcome {
        Outcome {
            at_ms,
            event_id: event_id.into(),
            event_type: "asset.expired".into(),
            event_at_ms: Some(1_000),
            flow: flow.into(),
            connection: "acme".into(),
            platform: "photoshelter".into(),
            asset_id: "I1".into(),
            decision,
            reason: None,
            tier: None,
            target_call: None,
            target_status: None,
            duration_ms: 3,
        }
    }

    #[test]
    fn interleaved_rows_are_grouped_by_event_then_flow_in_row_order() {
        let rows = [
            row("e1", "to-smint", 10, Decision::Retried),
            row("e2", "to-smint", 20, Decision::Skipped),
            row("e1", "lifecycle", 30, Decision::Written),
            row("e1", "to-smint", 40, Decision::Written),
        ];

        let events = events(&rows);

        let ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(ids, ["e1", "e2"]);
        let e1 = &events[0];
        assert_eq!(e1.first_decided_at, time(10));
        let flows: Vec<(&str, Decision, usize)> = e1
            .flows
            .iter()
            .map(|f| (f.flow.as_str(), f.last_decision, f.decisions.len()))
            .collect();
        assert_eq!(
            flows,
            [
                ("to-smint", Decision::Written, 2),
                ("lifecycle", Decision::Written, 1)
            ]
        );
        let steps: Vec<Decision> = e1.flows[0].decisions.iter().map(|s| s.decision).collect();
        assert_eq!(steps, [Decision::Retried, Decision::Written]);
        assert_eq!(events[1].flows[0].last_decision, Decision::Skipped);
    }

    #[test]
    fn one_event_id_in_two_connections_is_two_events() {
        let mut other = row("e1", "to-smint", 20, Decision::Written);
        other.connection = "beta".into();
        let rows = [row("e1", "to-smint", 10, Decision::Written), other];

        let events = events(&rows);

        let connections: Vec<&str> = events.iter().map(|e| e.connection.as_str()).collect();
        assert_eq!(connections, ["acme", "beta"]);
    }
}
