//! Operations the console runs in the background (a replay, its dry run, a re-drive, a
//! purge), so the operator watches their progress on `/jobs/{id}` and can cancel a
//! replay. A job lives in the admin replica that started it (its progress is shown by
//! that replica; the latest [`KEPT`] are remembered); what it did is recorded in the
//! store's action log, which every replica shows.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio_util::sync::CancellationToken;

use crate::AdminState;

/// Finished and running jobs remembered for their pages.
const KEPT: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    DryRun,
    Replay,
    Redrive,
    Purge,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DryRun => "replay-dry-run",
            Self::Replay => "replay",
            Self::Redrive => "redrive",
            Self::Purge => "purge",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::DryRun => "Replay dry run",
            Self::Replay => "Replay",
            Self::Redrive => "Re-drive parked messages",
            Self::Purge => "Purge parked messages",
        }
    }
}

/// How far a job is (a replay's counters).
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub read: u64,
    pub matched: u64,
    pub published: u64,
    pub fraction: Option<f64>,
}

/// How a job ended.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub ok: bool,
    /// One sentence (also the action log's result).
    pub summary: String,
    /// Figures to show: (label, value).
    pub figures: Vec<(String, String)>,
    /// Rows of what it touched: (label, link) — events with their timelines.
    pub links: Vec<(String, String)>,
    /// A dry run's form fields, to run the same replay for real.
    pub rerun: Option<Vec<(String, String)>>,
}

#[derive(Debug, Default)]
pub struct JobState {
    pub progress: Progress,
    pub outcome: Option<Outcome>,
}

#[derive(Debug)]
pub struct Job {
    pub id: String,
    pub kind: JobKind,
    pub operator: String,
    pub flow: String,
    /// What it acts on, as the operator chose it.
    pub selection: String,
    pub started_at_ms: i64,
    /// Fired by the cancel button (replays only).
    pub cancel: CancellationToken,
    state: Mutex<JobState>,
}

impl Job {
    pub fn state(&self) -> MutexGuard<'_, JobState> {
        // A panic while holding the lock leaves counters, never a broken invariant.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn set_progress(&self, progress: Progress) {
        self.state().progress = progress;
    }

    pub fn is_done(&self) -> bool {
        self.state().outcome.is_some()
    }

    pub fn cancellable(&self) -> bool {
        self.kind == JobKind::Replay && !self.is_done()
    }
}

#[derive(Debug, Default)]
pub struct Jobs {
    jobs: Mutex<VecDeque<Arc<Job>>>,
}

impl Jobs {
    fn list(&self) -> MutexGuard<'_, VecDeque<Arc<Job>>> {
        self.jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn get(&self, id: &str) -> Option<Arc<Job>> {
        self.list().iter().find(|j| j.id == id).cloned()
    }

    /// The latest jobs, newest first.
    pub fn recent(&self, n: usize) -> Vec<Arc<Job>> {
        self.list().iter().rev().take(n).cloned().collect()
    }

    /// Run `work` in the background as a job; its outcome is recorded in the action log.
    pub fn start<F, Fut>(
        &self,
        state: &AdminState,
        kind: JobKind,
        operator: &str,
        flow: &str,
        selection: String,
        work: F,
    ) -> Arc<Job>
    where
        F: FnOnce(Arc<Job>) -> Fut,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        let job = Arc::new(Job {
            id: uuid::Uuid::new_v4().simple().to_string(),
            kind,
            operator: operator.to_owned(),
            flow: flow.to_owned(),
            selection,
            started_at_ms: chrono::Utc::now().timestamp_millis(),
            cancel: CancellationToken::new(),
            state: Mutex::new(JobState::default()),
        });
        {
            let mut list = self.list();
            list.push_back(Arc::clone(&job));
            while list.len() > KEPT {
                list.pop_front();
            }
        }
        let running = work(Arc::clone(&job));
        let (state, done) = (state.clone(), Arc::clone(&job));
        tokio::spawn(async move {
            let outcome = running.await;
            // The dry run changes nothing: it is not an action worth an audit line.
            if kind != JobKind::DryRun {
                super::actions::record(
                    &state,
                    &done.operator,
                    kind.as_str(),
                    Some(&done.flow),
                    &done.selection,
                    &outcome.summary,
                )
                .await;
            }
            done.state().outcome = Some(outcome);
        });
        job
    }
}
