//! A report directory that can be verified: `report.json` lists the SHA-256 of every
//! other file, and with a signing key `report.json.sig` holds a detached Ed25519
//! signature of `report.json` itself (the OpenID Foundation's signed result packages).
//! `soconform verify DIR` checks the digests, the suite that judged, and the signature.
//!
//! The key is 32 random bytes (an Ed25519 seed), base64, from `SOCONF_SIGNING_KEY`; it is
//! never written anywhere. The public key is in `report.json` (`signed_by`) and is given
//! to whoever re-checks, out of band.

use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The variable holding the signing key.
pub const SIGNING_KEY_VAR: &str = "SOCONF_SIGNING_KEY";
/// The detached signature beside `report.json`.
pub const SIGNATURE_FILE: &str = "report.json.sig";

/// One file of the report directory and its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileDigest {
    pub name: String,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub bytes: u64,
}

/// The digest of the file at `path`, read a buffer at a time (a run's HAR may be
/// hundreds of megabytes).
pub fn digest(path: &Path) -> Result<FileDigest, String> {
    let mut hasher = Sha256::new();
    let bytes = std::fs::File::open(path)
        .and_then(|mut f| std::io::copy(&mut f, &mut hasher))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(FileDigest {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256: hex(&hasher.finalize()),
        bytes,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// 32 bytes from base64 (or 64 hex digits).
fn key_bytes(text: &str, what: &str) -> Result<[u8; 32], String> {
    let t = text.trim();
    let raw = if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        (0..32)
            .map(|i| u8::from_str_radix(&t[2 * i..2 * i + 2], 16).unwrap_or(0))
            .collect()
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(t)
            .map_err(|_| format!("{what}: expected 32 bytes in base64 (or 64 hex digits)"))?
    };
    raw.try_into()
        .map_err(|v: Vec<u8>| format!("{what}: expected 32 bytes, got {}", v.len()))
}

/// A signing key read from [`SIGNING_KEY_VAR`]. Its `Debug` shows only the public key.
pub struct ReportSigner(SigningKey);

impl std::fmt::Debug for ReportSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReportSigner({})", self.public_key())
    }
}

impl ReportSigner {
    /// From the variable's value; an error never quotes it.
    pub fn from_text(text: &str) -> Result<ReportSigner, String> {
        Ok(ReportSigner(SigningKey::from_bytes(&key_bytes(
            text,
            SIGNING_KEY_VAR,
        )?)))
    }

    /// From the environment, when the variable is set.
    pub fn from_env() -> Result<Option<ReportSigner>, String> {
        match std::env::var(SIGNING_KEY_VAR) {
            Ok(v) if !v.trim().is_empty() => Self::from_text(&v).map(Some),
            _ => Ok(None),
        }
    }

    /// `ed25519:<base64 public key>`.
    pub fn public_key(&self) -> String {
        format!("ed25519:{}", b64(self.0.verifying_key().as_bytes()))
    }

    /// The detached signature of `bytes`, base64.
    pub fn sign(&self, bytes: &[u8]) -> String {
        b64(&self.0.sign(bytes).to_bytes())
    }

    /// The detached signature of the file at `path`, base64: the same Ed25519 signature
    /// as [`ReportSigner::sign`] of its bytes, the file read a buffer at a time (twice, as
    /// Ed25519 hashes the message twice) rather than held: a large run's `report.json`
    /// is hundreds of megabytes.
    pub fn sign_file(&self, path: &Path) -> Result<String, String> {
        use ed25519_dalek::hazmat::{raw_sign_byupdate, ExpandedSecretKey};
        use std::io::Read as _;
        let failed: std::cell::RefCell<Option<std::io::Error>> = Default::default();
        let feed = |h: &mut sha2::Sha512| {
            let read = std::fs::File::open(path).and_then(|mut f| {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    match f.read(&mut buf)? {
                        0 => return Ok(()),
                        n => h.update(&buf[..n]),
                    }
                }
            });
            read.map_err(|e| {
                *failed.borrow_mut() = Some(e);
                ed25519_dalek::SignatureError::new()
            })
        };
        // The expanded key of our own signing key: the standard Ed25519 signature.
        let esk = ExpandedSecretKey::from(&self.0.to_bytes());
        match raw_sign_byupdate::<sha2::Sha512, _>(&esk, feed, &self.0.verifying_key()) {
            Ok(sig) => Ok(b64(&sig.to_bytes())),
            Err(e) => Err(match failed.into_inner() {
                Some(io) => format!("{}: {io}", path.display()),
                None => format!("{}: cannot sign: {e}", path.display()),
            }),
        }
    }
}

/// A fresh key from the operating system's randomness: (private seed, public key), both
/// base64. For `soconform keygen`.
pub fn new_key() -> Result<(String, String), String> {
    let mut seed = [0u8; 32];
    let mut f = std::fs::File::open("/dev/urandom")
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    std::io::Read::read_exact(&mut f, &mut seed)
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    let key = SigningKey::from_bytes(&seed);
    Ok((
        b64(&seed),
        format!("ed25519:{}", b64(key.verifying_key().as_bytes())),
    ))
}

/// Checks `signature` (base64) of `bytes` against `public_key` (`ed25519:<base64>` or
/// bare base64).
pub fn check_signature(bytes: &[u8], signature: &str, public_key: &str) -> Result<(), String> {
    let pk = key_bytes(
        public_key
            .trim()
            .strip_prefix("ed25519:")
            .unwrap_or(public_key),
        "--public-key",
    )?;
    let key = VerifyingKey::from_bytes(&pk).map_err(|e| format!("--public-key: {e}"))?;
    let sig = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .map_err(|_| format!("{SIGNATURE_FILE}: not base64"))?;
    let sig: [u8; 64] = sig
        .try_into()
        .map_err(|_| format!("{SIGNATURE_FILE}: not a 64-byte Ed25519 signature"))?;
    key.verify_strict(bytes, &ed25519_dalek::Signature::from_bytes(&sig))
        .map_err(|_| {
            "the signature does not match report.json with this public key (another key signed it, or the file changed)".to_string()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_checks_and_refuses_another_key_or_byte() {
        let (seed, public) = new_key().expect("a key");
        let signer = ReportSigner::from_text(&seed).expect("reads");
        assert_eq!(signer.public_key(), public);
        assert!(
            !format!("{signer:?}").contains(&seed),
            "Debug shows only the public key"
        );
        let sig = signer.sign(b"report");
        check_signature(b"report", &sig, &public).expect("verifies");
        assert!(check_signature(b"Report", &sig, &public).is_err());
        let (_, other) = new_key().expect("another");
        assert!(check_signature(b"report", &sig, &other).is_err());
        let e = ReportSigner::from_text("not a key").expect_err("refused");
        assert!(!e.contains("not a key"), "the value is never quoted: {e}");
    }

    /// A file is signed a buffer at a time: the signature is the one of its bytes (Ed25519
    /// is deterministic), over more than one buffer, and an unreadable file is an error.
    #[test]
    fn a_file_is_signed_as_its_bytes_are() {
        let (seed, public) = new_key().expect("a key");
        let signer = ReportSigner::from_text(&seed).expect("reads");
        let dir = std::env::temp_dir().join(format!("soconform-sign-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("report.json");
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).expect("written");
        let sig = signer.sign_file(&path).expect("signed");
        assert_eq!(sig, signer.sign(&bytes));
        check_signature(&bytes, &sig, &public).expect("verifies");
        let e = signer
            .sign_file(&dir.join("missing.json"))
            .expect_err("nothing to sign");
        assert!(e.contains("missing.json"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
