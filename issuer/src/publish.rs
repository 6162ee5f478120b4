//! `ehk feed publish`: writes the next feed version into a directory that any static web
//! host can serve.

use ed25519_dalek::VerifyingKey;
use ehk_core::atomic_file::write_public_atomic;
use ehk_core::error::{Error, Result};
use ehk_core::feed::manifest::{
    decode_snapshot, encode_delta, encode_snapshot, expanded_size, sha256_hex, Artifact,
    ArtifactKind, Manifest, MANIFEST_NAME,
};
use ehk_core::keys::IssuerKey;
use ehk_core::keys::KeyId;
use ehk_core::news::model::NewsBundle;
use ehk_core::stores::model::{Delta, Snapshot};
use ehk_core::trust::list::{Refusal, Scope, SignedObject, TrustList};
use ehk_core::trust::revocation::RevocationList;
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Clone, Debug)]
pub struct PublishOptions {
    /// How long phones accept this manifest without a newer one.
    pub expires_in_secs: i64,
    /// Deltas are offered from this many earlier versions.
    pub keep_versions: u64,
}

impl Default for PublishOptions {
    fn default() -> Self {
        PublishOptions {
            expires_in_secs: 14 * 86_400,
            keep_versions: 5,
        }
    }
}

#[derive(Clone, Debug)]
pub struct PublishReport {
    pub version: u64,
    pub artifacts: Vec<Artifact>,
    pub removed: Vec<String>,
    /// Revocation lists and news bundles left out because their signer was withdrawn.
    pub skipped: Vec<String>,
}

const SNAPSHOT_LIMIT: u64 = 4 << 30;

fn snapshot_name(v: u64) -> String {
    format!("snapshot-{v}.cbor.zst")
}

fn write_artifact(dir: &Path, name: String, kind: ArtifactKind, bytes: &[u8]) -> Result<Artifact> {
    write_public_atomic(&dir.join(&name), bytes)?;
    // Store data is compressed: the manifest says how far it expands, and phones hold it to that.
    let expanded_size = match kind {
        ArtifactKind::Snapshot { .. } | ArtifactKind::Delta { .. } => Some(expanded_size(bytes)?),
        _ => None,
    };
    Ok(Artifact {
        name,
        kind,
        sha256: sha256_hex(bytes),
        size: bytes.len() as u64,
        expanded_size,
    })
}

/// Publishes `stores` as the next version, with the trust list and revocation lists, signed by
/// `key` (which the trust list must give the stores role).
pub fn publish(
    dir: &Path,
    key: &IssuerKey,
    root: &VerifyingKey,
    stores: &Snapshot,
    trust_list: &[u8],
    revocation_lists: &[Vec<u8>],
    now: i64,
    options: &PublishOptions,
) -> Result<PublishReport> {
    publish_with_news(
        dir,
        key,
        root,
        stores,
        trust_list,
        revocation_lists,
        &[],
        now,
        options,
    )
}

/// As [`publish`], with signed news bundles (each by an issuer with the news role).
#[allow(clippy::too_many_arguments)]
pub fn publish_with_news(
    dir: &Path,
    key: &IssuerKey,
    root: &VerifyingKey,
    stores: &Snapshot,
    trust_list: &[u8],
    revocation_lists: &[Vec<u8>],
    news_bundles: &[Vec<u8>],
    now: i64,
    options: &PublishOptions,
) -> Result<PublishReport> {
    std::fs::create_dir_all(dir)?;
    let trust = TrustList::verify(trust_list, root)?;
    // A snapshot replaces the project's whole store list: only a project-wide stores key signs
    // a feed.
    trust.authorized_key(
        key.key_id(),
        SignedObject::StoreFeed {
            now,
            scope: Scope::Project,
        },
    )?;
    if let Some(entry) = trust.issuer(key.key_id()) {
        log::info!("publishing as {}", entry.name);
    }

    let manifest_path = dir.join(MANIFEST_NAME);
    let previous = if manifest_path.exists() {
        Some(Manifest::unverified(&std::fs::read(&manifest_path)?)?)
    } else {
        None
    };
    let version = previous.as_ref().map_or(1, |m| m.version + 1);
    let mut snapshot = stores.clone();
    snapshot.version = version;
    snapshot.stores.sort_by_key(|s| s.id);

    let mut artifacts = vec![write_artifact(
        dir,
        snapshot_name(version),
        ArtifactKind::Snapshot { version },
        &encode_snapshot(&snapshot)?,
    )?];
    let oldest_kept = version.saturating_sub(options.keep_versions);
    for old_version in oldest_kept.max(1)..version {
        let path = dir.join(snapshot_name(old_version));
        if !path.exists() {
            continue;
        }
        let old = decode_snapshot(&std::fs::read(&path)?, SNAPSHOT_LIMIT)?;
        let delta = Delta::between(&old, &snapshot);
        artifacts.push(write_artifact(
            dir,
            format!("delta-{old_version}-{version}.cbor.zst"),
            ArtifactKind::Delta {
                from: old_version,
                to: version,
            },
            &encode_delta(&delta)?,
        )?);
    }
    artifacts.push(write_artifact(
        dir,
        format!("trust-list-{}.cose", trust.version),
        ArtifactKind::TrustList {
            version: trust.version,
        },
        trust_list,
    )?);
    // Every list goes through the one trust rule. A withdrawn issuer's list is left out (and
    // reported), so an old file in the lists directory does not block publishing; any other
    // refusal is the publisher's mistake and stops it.
    let mut skipped = Vec::new();
    let mut allowed = |signer: KeyId, what: SignedObject, kind: &str| -> Result<Option<_>> {
        match trust.authorized_key(signer, what) {
            Ok(key) => Ok(Some(key)),
            Err(Error::NotAllowed {
                refusal: Refusal::Withdrawn,
                ..
            }) => {
                log::warn!("{kind} of withdrawn key {signer} left out of the feed");
                skipped.push(format!("{kind} of {signer}"));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    };
    for bytes in revocation_lists {
        let signer = RevocationList::signer(bytes)?;
        let Some(key) = allowed(signer, SignedObject::RevocationList, "revocation list")? else {
            continue;
        };
        let list = RevocationList::verify(bytes, &key)?;
        artifacts.push(write_artifact(
            dir,
            format!("revocations-{signer}-{}.cose", list.version),
            ArtifactKind::RevocationList {
                issuer: signer.to_hex(),
                version: list.version,
            },
            bytes,
        )?);
    }

    for bytes in news_bundles {
        let (signer, bundle) = match NewsBundle::verify_trusted(bytes, &trust, now) {
            Ok(checked) => checked,
            Err(Error::NotAllowed {
                signer,
                refusal: Refusal::Withdrawn,
            }) => {
                log::warn!("news bundle of withdrawn key {signer} left out of the feed");
                skipped.push(format!("news bundle of {signer}"));
                continue;
            }
            Err(e) => return Err(e),
        };
        artifacts.push(write_artifact(
            dir,
            format!("news-{signer}-{}.cose", bundle.version),
            ArtifactKind::NewsBundle {
                publisher: signer.to_hex(),
                version: bundle.version,
            },
            bytes,
        )?);
    }

    let manifest = Manifest {
        version,
        issued_at: now,
        expires_at: now + options.expires_in_secs.max(60),
        artifacts,
    };
    // The manifest goes last: a client never sees it before every file it names exists.
    write_public_atomic(&manifest_path, &manifest.sign(key)?)?;

    let mut keep: BTreeSet<String> = manifest.artifacts.iter().map(|a| a.name.clone()).collect();
    for v in oldest_kept.max(1)..=version {
        keep.insert(snapshot_name(v));
    }
    let mut removed = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().to_string();
        let ours = [
            "snapshot-",
            "delta-",
            "trust-list-",
            "revocations-",
            "news-",
        ]
        .iter()
        .any(|p| name.starts_with(p));
        if ours && !keep.contains(&name) {
            std::fs::remove_file(dir.join(&name))?;
            removed.push(name);
        }
    }
    removed.sort();
    Ok(PublishReport {
        version,
        artifacts: manifest.artifacts,
        removed,
        skipped,
    })
}
