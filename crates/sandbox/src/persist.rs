//! The optional state file: both platforms' `State` as one JSON document, loaded when the
//! sandbox starts and saved when it stops, so a demo can be resumed.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{photoshelter, smintio};

/// Format version of the state file; bumped when the layout changes incompatibly.
const VERSION: u32 = 1;

/// Why the state file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("cannot read state file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("state file {path} is not a sandbox state")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("state file {path} has version {found}, expected {VERSION}")]
    Version { path: PathBuf, found: u32 },
    #[error("cannot write state file {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot serialize the sandbox state")]
    Serialize(#[source] serde_json::Error),
}

/// What the state file holds.
#[derive(Default, Serialize, Deserialize)]
pub struct Snapshot {
    pub version: u32,
    pub photoshelter: photoshelter::State,
    pub smintio: smintio::State,
}

#[derive(Deserialize)]
struct VersionProbe {
    version: u32,
}

/// The snapshot in `path`; `None` when the file does not exist yet (first run).
pub fn load(path: &Path) -> Result<Option<Snapshot>, PersistError> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(PersistError::Read {
                path: path.into(),
                source,
            });
        }
    };
    let parse_err = |source| PersistError::Parse {
        path: path.into(),
        source,
    };
    // The version is read on its own first: a file of another version may not fit
    // today's layout, and should be reported as such rather than as unreadable.
    let probe: VersionProbe = serde_json::from_slice(&text).map_err(parse_err)?;
    if probe.version != VERSION {
        return Err(PersistError::Version {
            path: path.into(),
            found: probe.version,
        });
    }
    serde_json::from_slice(&text).map(Some).map_err(parse_err)
}

/// Writes the snapshot to a sibling temporary file and renames it over `path`, so a crash
/// mid-write never leaves a truncated state file behind.
pub fn save(
    path: &Path,
    photoshelter: photoshelter::State,
    smintio: smintio::State,
) -> Result<(), PersistError> {
    let snapshot = Snapshot {
        version: VERSION,
        photoshelter,
        smintio,
    };
    let json = serde_json::to_vec_pretty(&snapshot).map_err(PersistError::Serialize)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let write_err = |source| PersistError::Write {
        path: path.into(),
        source,
    };
    std::fs::write(&tmp, json).map_err(write_err)?;
    std::fs::rename(&tmp, path).map_err(write_err)
}
