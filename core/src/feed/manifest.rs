//! The feed manifest and the encoding of snapshots and deltas.

use crate::cose::{self, SignedEnvelope};
use crate::error::{Error, Result};
use crate::keys::{IssuerKey, KeyId};
use crate::stores::model::{Category, Delta, Region, Snapshot, StoreRecord};
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
    /// For a snapshot or delta: its size once decompressed. The phone expands it to exactly
    /// this many bytes and no further, so a small file cannot balloon in its memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expanded_size: Option<u64>,
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

/// A reader that counts what passes through it.
struct Counting<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// The decompressed stream of `bytes`, cut after `limit + 1` bytes.
fn expanding(bytes: &[u8], limit: u64) -> Result<Counting<std::io::Take<impl Read + '_>>> {
    Ok(Counting {
        inner: zstd::stream::read::Decoder::new(bytes)?.take(limit.saturating_add(1)),
        count: 0,
    })
}

/// Ends a read of exactly `limit` bytes: nothing may follow, and nothing may be missing when
/// `exact`.
fn finish(
    mut reader: Counting<impl Read>,
    limit: u64,
    exact: bool,
    what: &'static str,
) -> Result<()> {
    let mut rest = [0u8; 1];
    let trailing = reader
        .read(&mut rest)
        .map_err(|e| Error::malformed(what, e.to_string()))?;
    if reader.count > limit {
        return Err(Error::malformed(what, "expands beyond the size limit"));
    }
    if trailing != 0 {
        return Err(Error::malformed(what, "trailing data"));
    }
    if exact && reader.count != limit {
        return Err(Error::malformed(
            what,
            "expands to another size than declared",
        ));
    }
    Ok(())
}

/// Decompresses at most `limit` bytes, so a small hostile file cannot expand without bound.
fn decompress<T: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    limit: u64,
    what: &'static str,
) -> Result<T> {
    let mut reader = expanding(bytes, limit)?;
    let value = ciborium::de::from_reader(&mut reader).map_err(|e| {
        if reader.count > limit {
            Error::malformed(what, "expands beyond the size limit")
        } else {
            Error::malformed(what, e.to_string())
        }
    })?;
    finish(reader, limit, false, what)?;
    Ok(value)
}

/// The decompressed size of a snapshot or delta file, counted without keeping the bytes
/// (for the manifest's `expanded_size`).
pub fn expanded_size(bytes: &[u8]) -> Result<u64> {
    let mut reader = zstd::stream::read::Decoder::new(bytes)?;
    Ok(std::io::copy(&mut reader, &mut std::io::sink())?)
}

/// What comes first in a snapshot file; `stores` store records follow it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotHeader {
    pub version: u64,
    pub categories: Vec<Category>,
    pub regions: Vec<Region>,
    pub stores: u64,
}

/// A snapshot file: zstd over a CBOR sequence (RFC 8742) of a [`SnapshotHeader`] and then
/// one item per store, so that a phone applies it store by store instead of holding a list of
/// a million stores in memory.
pub fn encode_snapshot(s: &Snapshot) -> Result<Vec<u8>> {
    let header = SnapshotHeader {
        version: s.version,
        categories: s.categories.clone(),
        regions: s.regions.clone(),
        stores: s.stores.len() as u64,
    };
    let mut cbor = Vec::new();
    let bad = |e: ciborium::ser::Error<std::io::Error>| Error::malformed("snapshot", e.to_string());
    ciborium::ser::into_writer(&header, &mut cbor).map_err(bad)?;
    for store in &s.stores {
        ciborium::ser::into_writer(store, &mut cbor).map_err(bad)?;
    }
    Ok(zstd::bulk::compress(&cbor, ZSTD_LEVEL)?)
}

/// Reads a snapshot file store by store: `header` first, then `store` for each store, never
/// expanding more than `limit` bytes; with `exact`, the file must expand to exactly `limit`
/// (the size the signed manifest declares). An error from either callback stops the read.
pub fn read_snapshot(
    bytes: &[u8],
    limit: u64,
    exact: bool,
    mut header: impl FnMut(&SnapshotHeader) -> Result<()>,
    mut store: impl FnMut(StoreRecord) -> Result<()>,
) -> Result<()> {
    let mut reader = expanding(bytes, limit)?;
    let malformed = |reader: &Counting<_>, e: String| {
        if reader.count > limit {
            Error::malformed("snapshot", "expands beyond the size limit")
        } else {
            Error::malformed("snapshot", e)
        }
    };
    let head: SnapshotHeader =
        ciborium::de::from_reader(&mut reader).map_err(|e| malformed(&reader, e.to_string()))?;
    header(&head)?;
    for _ in 0..head.stores {
        let record: StoreRecord = ciborium::de::from_reader(&mut reader)
            .map_err(|e| malformed(&reader, e.to_string()))?;
        store(record)?;
    }
    finish(reader, limit, exact, "snapshot")
}

/// A whole snapshot in memory (the publisher's diff against older versions, tests).
pub fn decode_snapshot(bytes: &[u8], limit: u64) -> Result<Snapshot> {
    let mut snapshot = None;
    let mut stores = Vec::new();
    read_snapshot(
        bytes,
        limit,
        false,
        |h| {
            snapshot = Some((h.version, h.categories.clone(), h.regions.clone()));
            Ok(())
        },
        |s| {
            stores.push(s);
            Ok(())
        },
    )?;
    let (version, categories, regions) =
        snapshot.ok_or_else(|| Error::malformed("snapshot", "no header"))?;
    Ok(Snapshot {
        version,
        categories,
        regions,
        stores,
    })
}

pub fn encode_delta(d: &Delta) -> Result<Vec<u8>> {
    compress(d, "delta")
}

pub fn decode_delta(bytes: &[u8], limit: u64) -> Result<Delta> {
    decompress(bytes, limit, "delta")
}
