//! `--partition hash:k/n` and `slice:k/n` for `soconform run`, for users who shard without
//! nextest. The shards of one `n` are disjoint and together hold every trial.
//!
//! - `hash:k/n`: a trial goes to shard `1 + (SHA-256 of its name mod n)`, so its shard never
//!   depends on which other trials exist (the assignment differs from nextest's, which
//!   hashes with xxh64: do not mix the two in one sharded run);
//! - `slice:k/n`: round-robin over the selected trials in suite order.

use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Hash,
    Slice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub kind: Kind,
    /// 1-based shard number.
    pub shard: u64,
    pub total: u64,
}

impl FromStr for Partition {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}`: expected hash:K/N or slice:K/N with 1 <= K <= N");
        let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
        let kind = match kind {
            "hash" => Kind::Hash,
            "slice" => Kind::Slice,
            _ => return Err(bad()),
        };
        let (k, n) = rest.split_once('/').ok_or_else(bad)?;
        let shard: u64 = k.trim().parse().map_err(|_| bad())?;
        let total: u64 = n.trim().parse().map_err(|_| bad())?;
        if shard == 0 || total == 0 || shard > total {
            return Err(bad());
        }
        Ok(Partition { kind, shard, total })
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            Kind::Hash => "hash",
            Kind::Slice => "slice",
        };
        write!(f, "{kind}:{}/{}", self.shard, self.total)
    }
}

fn name_hash(name: &str) -> u64 {
    let d = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_be_bytes(b)
}

impl Partition {
    /// Whether the trial at `index` (in the selected list) named `name` is in this shard.
    pub fn contains(&self, index: usize, name: &str) -> bool {
        let bucket = match self.kind {
            Kind::Hash => name_hash(name) % self.total,
            Kind::Slice => index as u64 % self.total,
        };
        bucket + 1 == self.shard
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let p: Partition = "hash:2/3".parse().expect("valid");
        assert_eq!((p.kind, p.shard, p.total), (Kind::Hash, 2, 3));
        assert_eq!(p.to_string(), "hash:2/3");
        for bad in [
            "hash:0/3",
            "hash:4/3",
            "count:1/2",
            "hash:1",
            "slice:a/2",
            "hash:1/0",
        ] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }

    #[test]
    fn shards_are_disjoint_and_complete() {
        let names: Vec<String> = (0..500).map(|i| format!("t::{i}")).collect();
        for kind in ["hash", "slice"] {
            let mut seen = std::collections::HashSet::new();
            let mut total = 0;
            for k in 1..=3 {
                let p: Partition = format!("{kind}:{k}/3").parse().expect("valid");
                let shard: Vec<&String> = names
                    .iter()
                    .enumerate()
                    .filter(|(i, n)| p.contains(*i, n))
                    .map(|(_, n)| n)
                    .collect();
                assert!(
                    shard.len() > 100,
                    "{kind} {k}: {} trials, expected about a third",
                    shard.len()
                );
                total += shard.len();
                seen.extend(shard);
            }
            assert_eq!((total, seen.len()), (names.len(), names.len()), "{kind}");
        }
    }
}
