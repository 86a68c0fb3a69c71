//! Prometheus text as the binaries serve it on `/metrics`, and the metric families the
//! metrics table of docs/operations.md lists.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;

use prometheus_parse::{LineInfo, Value};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// The metrics table of docs/operations.md sits between these two comments.
pub const TABLE_START: &str = "<!-- metrics table: start -->";
pub const TABLE_END: &str = "<!-- metrics table: end -->";

/// One scrape of a `/metrics` endpoint.
pub struct Scrape {
    samples: prometheus_parse::Scrape,
    families: BTreeSet<String>,
}

impl Scrape {
    pub fn parse(text: &str) -> Self {
        // The family names come from the `# TYPE` lines: a histogram's samples are
        // `<family>_bucket`, `_sum` and `_count`.
        let families = text
            .lines()
            .filter_map(|line| match LineInfo::parse(line) {
                LineInfo::Type {
                    metric_name,
                    metric_alias,
                    ..
                } => Some(metric_alias.unwrap_or(metric_name)),
                _ => None,
            })
            .collect();
        let samples = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned())))
            .expect("reading lines from a string cannot fail");
        Self { samples, families }
    }

    /// Every metric family the text declares.
    pub fn families(&self) -> &BTreeSet<String> {
        &self.families
    }

    /// The sum of the counter and gauge samples of `family` carrying every one of `labels`.
    pub fn sum(&self, family: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .samples
            .iter()
            .filter(|s| s.metric == family)
            .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(|s| match s.value {
                Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => v,
                Value::Histogram(_) | Value::Summary(_) => 0.0,
            })
            .sum()
    }
}

/// `GET http://<ops>/metrics`.
pub async fn scrape(ops: SocketAddr) -> anyhow::Result<Scrape> {
    let text = reqwest::get(format!("http://{ops}/metrics"))
        .await?
        .error_for_status()?
        .text()
        .await?;
    Ok(Scrape::parse(&text))
}

/// One row of the metrics table: a family and who serves it (`ingress`, `flows`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentedMetric {
    pub family: String,
    pub served_by: Vec<String>,
}

/// The metrics table of the repository's docs/operations.md.
pub fn documented_metrics() -> Vec<DocumentedMetric> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/operations.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    documented_metrics_in(&text)
}

/// The rows of the table between [`TABLE_START`] and [`TABLE_END`] in `markdown`: the
/// family is the first cell's code up to its labels (`name{a,b}` → `name`), the second
/// cell lists who serves it, separated by commas.
pub fn documented_metrics_in(markdown: &str) -> Vec<DocumentedMetric> {
    let start = markdown
        .find(TABLE_START)
        .unwrap_or_else(|| panic!("no `{TABLE_START}` in the document"));
    let end = markdown[start..]
        .find(TABLE_END)
        .unwrap_or_else(|| panic!("no `{TABLE_END}` after `{TABLE_START}`"));
    let table = &markdown[start + TABLE_START.len()..start + end];

    let mut rows = Vec::new();
    let (mut row, mut cell) = (Vec::<String>::new(), String::new());
    for event in Parser::new_ext(table, pulldown_cmark::Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::TableCell) => cell.clear(),
            Event::End(TagEnd::TableCell) => row.push(cell.trim().to_owned()),
            Event::Text(text) | Event::Code(text) => cell.push_str(&text),
            // The head's cells come without a row of their own.
            Event::End(TagEnd::TableHead) => row.clear(),
            Event::End(TagEnd::TableRow) => {
                let cells = std::mem::take(&mut row);
                let [name, served_by, ..] = cells.as_slice() else {
                    panic!("a metrics table row needs a name and who serves it: {cells:?}");
                };
                rows.push(DocumentedMetric {
                    family: name.split('{').next().unwrap_or_default().to_owned(),
                    served_by: served_by.split(',').map(|s| s.trim().to_owned()).collect(),
                });
            }
            _ => {}
        }
    }
    assert!(!rows.is_empty(), "the metrics table has no rows");
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_come_from_the_type_lines_and_a_histogram_counts_once() {
        let text = "# TYPE a_total counter\na_total{x=\"1\"} 2\na_total{x=\"2\"} 3\n\
                    # TYPE h_seconds histogram\nh_seconds_bucket{le=\"1\"} 1\n\
                    h_seconds_bucket{le=\"+Inf\"} 1\nh_seconds_sum 0.5\nh_seconds_count 1\n";

        let scrape = Scrape::parse(text);

        let families: Vec<_> = scrape.families().iter().map(String::as_str).collect();
        assert_eq!(families, ["a_total", "h_seconds"]);
        assert_eq!(scrape.sum("a_total", &[]), 5.0);
        assert_eq!(scrape.sum("a_total", &[("x", "2")]), 3.0);
    }

    #[test]
    fn the_table_between_the_markers_gives_each_family_and_who_serves_it() {
        let doc = format!(
            "| Metric | Served by | Says |\n|---|---|---|\n| `not_this` | x | y |\n\n\
             {TABLE_START}\n| Metric | Served by | Says |\n|---|---|---|\n\
             | `a_total{{x,y}}` | ingress | what a \\| b |\n| `b_seconds` | ingress, flows | z |\n\
             {TABLE_END}\n"
        );

        let rows = documented_metrics_in(&doc);

        assert_eq!(
            rows,
            [
                DocumentedMetric {
                    family: "a_total".into(),
                    served_by: vec!["ingress".into()],
                },
                DocumentedMetric {
                    family: "b_seconds".into(),
                    served_by: vec!["ingress".into(), "flows".into()],
                },
            ]
        );
    }
}
