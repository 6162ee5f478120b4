//! The feed manifest and the encoding of snapshots and deltas.

use crate::cose::{self, SignedEnvelope};
use crate::error::{Error, Result};
use crate::keys::{IssuerKey, KeyId};
use crate::stores::model::{Delta, Snapshot};
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use std::io::Read;

pub const MANIFEST_NAME: &str = "manifest.cose";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ArtifactKind {
    Snapshot { version: u64 },
    Delta { from: u64, to: u64 },
    TrustList { version: u64 },
    RevocationList { issuer: String, version: u64 },
    NewsBundle { publisher: String, version: u64 },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// File name next to the manifest; letters, digits, `-`, `_` and `.` only.
    pub name: String,
    pub kind: ArtifactKind,
    /// Hex SHA-256 of the file as served.
    pub sha256: String,
    pub size: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub version: u64,
    pub issued_at: i64,
    pub expires_at: i64,
    pub artifacts: Vec<Artifact>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

pub fn safe_artifact_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 120
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl Manifest {
    pub fn sign(&self, key: &IssuerKey) -> Result<Vec<u8>> {
        let mut payload = Vec::new();
        ciborium::ser::into_writer(self, &mut payload)
            .map_err(|e| Error::malformed("manifest", e.to_string()))?;
        Ok(cose::sign(key, payload))
    }

    /// The key id the manifest claims to be signed with, read before the signature is checked
    /// so the right key can be looked up.
    pub fn signer(bytes: &[u8]) -> Result<KeyId> {
        SignedEnvelope::parse(bytes)
            .map(|e| e.key_id)
            .map_err(|e| Error::malformed("manifest", e.to_string()))
    }

    /// The manifest's own list of artifacts, unverified, to find the trust list that can then
    /// vouch for the signer. Nothing else is taken from it before `verify`.
    pub fn unverified(bytes: &[u8]) -> Result<Manifest> {
        let env = SignedEnvelope::parse(bytes)
            .map_err(|e| Error::malformed("manifest", e.to_string()))?;
        Manifest::decode(env.unverified_payload())
    }

    pub fn verify(bytes: &[u8], key: &VerifyingKey) -> Result<Manifest> {
        let env = SignedEnvelope::parse(bytes)
            .map_err(|e| Error::malformed("manifest", e.to_string()))?;
        let payload = env.verify(key).ok_or(Error::BadSignature("manifest"))?;
        Manifest::decode(payload)
    }

    fn decode(payload: &[u8]) -> Result<Manifest> {
        let manifest: Manifest = ciborium::de::from_reader(payload)
            .map_err(|e| Error::malformed("manifest", e.to_string()))?;
        if let Some(bad) = manifest
            .artifacts
            .iter()
            .find(|a| !safe_artifact_name(&a.name))
        {
            return Err(Error::malformed(
                "manifest",
                format!("artifact name {:?} is not allowed", bad.name),
            ));
        }
        Ok(manifest)
    }
}

const ZSTD_LEVEL: i32 = 9;

fn compress<T: Serialize>(value: &T, what: &'static str) -> Result<Vec<u8>> {
    let mut cbor = Vec::new();
    ciborium::ser::into_writer(value, &mut cbor)
        .map_err(|e| Error::malformed(what, e.to_string()))?;
    Ok(zstd::bulk::compress(&cbor, ZSTD_LEVEL)?)
}

/// Decompresses at most `limit` bytes, so a small hostile file cannot expand without bound.
fn decompress<T: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    limit: u64,
    what: &'static str,
) -> Result<T> {
    let decoder = zstd::stream::read::Decoder::new(bytes)?;
    let mut cbor = Vec::new();
    decoder
        .take(limit + 1)
        .read_to_end(&mut cbor)
        .map_err(|e| Error::malformed(what, e.to_string()))?;
    if cbor.len() as u64 > limit {
        return Err(Error::malformed(what, "expands beyond the size limit"));
    }
    ciborium::de::from_reader(cbor.as_slice()).map_err(|e| Error::malformed(what, e.to_string()))
}

pub fn encode_snapshot(s: &Snapshot) -> Result<Vec<u8>> {
    compress(s, "snapshot")
}

pub fn decode_snapshot(bytes: &[u8], limit: u64) -> Result<Snapshot> {
    decompress(bytes, limit, "snapshot")
}

pub fn encode_delta(d: &Delta) -> Result<Vec<u8>> {
    compress(d, "delta")
}

pub fn decode_delta(bytes: &[u8], limit: u64) -> Result<Delta> {
    decompress(bytes, limit, "delta")
}
