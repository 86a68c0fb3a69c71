//! A [`Timeline`] as text for a person: a summary line, the ledger table, then each event
//! with a table of its decisions.

use std::fmt::Write;

use comfy_table::Table;
use comfy_table::presets::NOTHING;

use super::{FlowDecisions, Timeline};

/// The timeline as text, ending in a newline. An unknown asset is one paragraph that
/// says so and what to check.
pub fn render_text(timeline: &Timeline) -> String {
    let asset = format!("{}/{}", timeline.platform, timeline.asset_id);
    let scope = match &timeline.connection {
        Some(c) => format!("connection {c}"),
        None => "every connection".to_owned(),
    };
    let mut out = String::new();
    if !timeline.found {
        // Writing to a String cannot fail (here and below).
        let _ = writeln!(
            out,
            "no record of {asset} ({scope}) in the store: no ledger row and no outcome.\n\
             Check the platform, the asset id (as the source platform spells it) and --connection; \
             outcomes older than [store] history_retention_days are pruned."
        );
        return out;
    }
    let _ = writeln!(
        out,
        "{asset} ({scope}): {} ledger row(s), {} event(s) from {} outcome row(s)",
        timeline.ledger.len(),
        timeline.events.len(),
        timeline.outcome_rows
    );
    if timeline.truncated {
        let _ = writeln!(
            out,
            "only the latest {} outcome rows are shown; older ones exist (--limit)",
            timeline.outcome_rows
        );
    }
    out.push_str("\nledger (what the targets hold):\n");
    if timeline.ledger.is_empty() {
        out.push_str("  none: no flow has recorded a write for it\n");
    } else {
        let mut table = table([
            "CONNECTION",
            "FLOW",
            "TARGET IDS",
            "SOURCE MODIFIED",
            "READ AT",
            "LAST OUTCOME",
            "UPDATED AT",
        ]);
        for row in &timeline.ledger {
            table.add_row([
                row.connection.clone(),
                row.flow.clone(),
                row.target_ids.join(", "),
                row.source_modified_at.clone().unwrap_or_else(|| "-".into()),
                row.source_read_at.clone(),
                row.last_outcome.clone(),
                row.updated_at.clone(),
            ]);
        }
        indent(&mut out, &table);
    }
    out.push_str("\nevents (oldest first):\n");
    if timeline.events.is_empty() {
        out.push_str("  none in the history\n");
    }
    for event in &timeline.events {
        let _ = writeln!(
            out,
            "  {}  {}  {}  connection {}  (event time {})",
            event.first_decided_at,
            event.event_type,
            event.event_id,
            event.connection,
            event.event_time.as_deref().unwrap_or("unknown"),
        );
        let mut table = table([
            "AT", "FLOW", "DECISION", "TIER", "CALL", "STATUS", "MS", "REASON",
        ]);
        for flow in &event.flows {
            add_decisions(&mut table, flow);
        }
        indent(&mut out, &table);
    }
    out
}

fn add_decisions(table: &mut Table, flow: &FlowDecisions) {
    for step in &flow.decisions {
        table.add_row([
            step.at.clone(),
            flow.flow.clone(),
            step.decision.to_string(),
            step.retry_tier_secs.map(tier).unwrap_or_default(),
            step.target_call.clone().unwrap_or_default(),
            step.target_status.clone().unwrap_or_default(),
            step.duration_ms.to_string(),
            step.reason.clone().unwrap_or_default(),
        ]);
    }
}

fn table<const N: usize>(header: [&str; N]) -> Table {
    let mut table = Table::new();
    table.load_preset(NOTHING).set_header(header);
    table
}

/// Each line of `table` after four spaces, so tables sit under their heading.
fn indent(out: &mut String, table: &Table) {
    for line in table.lines() {
        let _ = writeln!(out, "    {}", line.trim_end());
    }
}

/// A retry tier's delay as the topology names it (`5s`, `30s`, `5m`, `1h`).
fn tier(secs: i32) -> String {
    match secs {
        s if s >= 3_600 && s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::tier;

    #[test]
    fn tiers_are_named_as_the_topology_names_them() {
        let names: Vec<String> = [5, 30, 300, 3_600, 90].map(tier).into();
        assert_eq!(names, ["5s", "30s", "5m", "1h", "90s"]);
    }
}
