//! The id space of one sandbox instance ([`SandboxConfig::id_seed`]): every id the
//! simulated platforms generate goes through it, so two sandboxes with different seeds
//! never hand out the same id, and a test with two tenants can tell whose asset is whose.
//!
//! Seed 0 keeps the historical ids (`I000000000000001`, `derived("lpt", 1)`, `2:0:1`).
//! Any other seed keeps each id's documented shape:
//! - PhotoShelter (research/photoshelter.md §1.6: 16 characters, type prefix, then
//!   `[a-zA-Z0-9._]`): prefix, four lowercase letters naming the seed, then the counter
//!   in upper-case base 36: seed 2 gives `I0000aaac0000001`. Seed-0 ids are all digits
//!   after the prefix, so they never meet a seeded one.
//! - Smint.io UUIDs: UUIDv5 over a name that includes the seed.
//! - Smint.io content-element ids (`2:0:61019726` in research/smintio.md §2.1): `2:0:`,
//!   the seed, then the counter in ten digits.
//!
//! [`SandboxConfig::id_seed`]: crate::SandboxConfig::id_seed

use uuid::Uuid;

/// Namespace of every deterministic UUID the sandbox derives (LPTs, carts, feed positions).
const NAMESPACE: Uuid = Uuid::from_u128(0x6a1c_3e3e_55b2_4c9e_9d7e_5a4e_7e11_c0de);

/// Length of a PhotoShelter id.
const PS_ID_LEN: usize = 16;
/// Letters naming the seed in a PhotoShelter id: 26⁴ covers every `u16`.
const SEED_LETTERS: usize = 4;

/// How one sandbox instance numbers what it creates. `Default` is seed 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IdSpace {
    seed: u16,
}

impl IdSpace {
    pub fn new(seed: u16) -> Self {
        Self { seed }
    }

    /// PhotoShelter id number `n` with `prefix` (`I0000`, `G0000`, …), 16 characters.
    pub fn photoshelter(self, prefix: &str, n: u64) -> String {
        let width = PS_ID_LEN.saturating_sub(prefix.len());
        if self.seed == 0 {
            return format!("{prefix}{n:0>width$}");
        }
        let counter = base36(n);
        let width = width.saturating_sub(SEED_LETTERS);
        format!("{prefix}{}{counter:0>width$}", seed_letters(self.seed))
    }

    /// A deterministic UUID for `kind` number `n`, so a seeded run reproduces its ids.
    pub fn uuid(self, kind: &str, n: u64) -> String {
        let name = match self.seed {
            0 => format!("{kind}:{n}"),
            seed => format!("{kind}:{n}@{seed}"),
        };
        Uuid::new_v5(&NAMESPACE, name.as_bytes()).to_string()
    }

    /// A Smint.io content-element id (`provider:0:number`, as in CLAPI-C's sample).
    pub fn content_element(self, n: u64) -> String {
        match self.seed {
            0 => format!("2:0:{n}"),
            seed => format!("2:0:{seed}{n:010}"),
        }
    }
}

/// `seed` as four lowercase letters, `a` = 0 (seed 2 is `aaac`).
fn seed_letters(seed: u16) -> String {
    let mut rest = u32::from(seed);
    let mut letters = [b'a'; SEED_LETTERS];
    for slot in letters.iter_mut().rev() {
        *slot = b'a' + (rest % 26) as u8;
        rest /= 26;
    }
    letters.iter().map(|&b| char::from(b)).collect()
}

/// `n` in base 36 with digits and upper-case letters.
fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.iter().rev().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// research/photoshelter.md §1.6: `^(AD|VD|DO|I0)000[a-zA-Z0-9._]{11}$` for media,
    /// the same 16-character shape for galleries and collections.
    fn is_photoshelter_id(id: &str, prefix: &str) -> bool {
        id.len() == 16
            && id.starts_with(prefix)
            && id[5..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
    }

    #[test]
    fn seed_zero_keeps_the_historical_ids() {
        let ids = IdSpace::default();

        assert_eq!(ids.photoshelter("I0000", 1), "I000000000000001");
        assert_eq!(ids.photoshelter("G0000", 42), "G000000000000042");
        assert_eq!(ids.content_element(7), "2:0:7");
        assert_eq!(
            ids.uuid("lpt", 1),
            Uuid::new_v5(&NAMESPACE, b"lpt:1").to_string()
        );
    }

    #[test]
    fn a_seeded_photoshelter_id_keeps_the_documented_shape() {
        for seed in [1, 2, 25, 26, 677, u16::MAX] {
            for n in [1, 35, 36, 1_000_000, 36u64.pow(7) - 1] {
                let id = IdSpace::new(seed).photoshelter("I0000", n);
                assert!(is_photoshelter_id(&id, "I0000"), "seed {seed}, n {n}: {id}");
            }
        }
        assert_eq!(IdSpace::new(2).photoshelter("I0000", 1), "I0000aaac0000001");
    }

    #[test]
    fn ids_of_different_seeds_never_collide() {
        let mut ps = BTreeSet::new();
        let mut uuids = BTreeSet::new();
        let mut elements = BTreeSet::new();
        for seed in [0, 1, 2, 10, 11, 26, u16::MAX] {
            let ids = IdSpace::new(seed);
            for n in [1, 2, 10, 11, 100, 1_000] {
                assert!(ps.insert(ids.photoshelter("I0000", n)));
                assert!(uuids.insert(ids.uuid("lpt", n)));
                assert!(elements.insert(ids.content_element(n)));
            }
        }
    }
}
