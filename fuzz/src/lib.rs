//! The fixed card world the fuzz targets share: a root key, one issuer that holds every role
//! for region 9162, a holder's device key, the signed trust list and a revocation list, and a
//! verifier loaded with both. The keys come from fixed seeds, so every run and every committed
//! corpus file means the same thing.
//!
//! Targets whose bytes must be signed to reach the decoders behind the signature take a mode
//! byte first ([`split_mode`]): mode 0 hands the rest to the decoder as received (raw envelope),
//! mode 1 signs the rest as the payload with the right fixed key, so the payload decoder is
//! fuzzed as well.

use ed25519_dalek::SigningKey;
use ehk_core::card::claims::{CardId, CardType};
use ehk_core::card::verify::Verifier;
use ehk_core::keys::IssuerKey;
use ehk_core::trust::list::{IssuerEntry, Role, Roles, TrustList};
use ehk_core::trust::revocation::RevocationList;
use std::alloc::{GlobalAlloc, Layout, System};
use std::borrow::Cow;
use std::io::Write;
use std::sync::OnceLock;

/// 2026-11-29 12:00 UTC, the time every target verifies at.
pub const NOW: i64 = 1_795_953_600;
pub const JAN_2026: i64 = 1_767_225_600;
pub const JAN_2031: i64 = 1_924_992_000;
pub const PROJECT: u32 = 1;
pub const REGION: u32 = 9162;

pub struct World {
    pub root: IssuerKey,
    pub issuer: IssuerKey,
    pub device: SigningKey,
    pub trust: TrustList,
    pub trust_bytes: Vec<u8>,
    pub revocation_bytes: Vec<u8>,
    /// Loaded with the trust list and the revocation list; no replay cache, so a presentation
    /// seen in an earlier run gives the same answer in a later one.
    pub verifier: Verifier,
}

fn key(seed: u8) -> IssuerKey {
    IssuerKey::from_seed(&[seed; 32]).expect("a 32-byte seed is a key")
}

impl World {
    fn new() -> World {
        let root = key(1);
        let issuer = key(2);
        let device = SigningKey::from_bytes(&[3; 32]);
        let mut trust = TrustList::new(PROJECT);
        trust.version = 1;
        trust.issued_at = NOW - 86_400;
        trust.expires_at = NOW + 30 * 86_400;
        trust
            .upsert_issuer(IssuerEntry {
                key_id: issuer.key_id(),
                public_key: issuer.public_key().to_bytes(),
                name: "Landkreis Fuzz".into(),
                roles: Roles::of(&Role::ALL),
                regions: Some(vec![REGION]),
                card_types: CardType::Standard.bit() | CardType::Gold.bit(),
                valid_from: JAN_2026,
                valid_until: JAN_2031,
                withdrawn: false,
            })
            .expect("the fixed issuer entry is valid");
        let trust_bytes = trust.sign(&root).expect("the fixed trust list signs");
        let revoked: Vec<CardId> = vec![[7; 8], [9; 8]];
        let revocation_bytes =
            RevocationList::new(1, NOW - 3600, NOW + 86_400, revoked).sign(&issuer);
        let verifier = verifier_with(&root, &trust_bytes, Some(&revocation_bytes));
        World {
            root,
            issuer,
            device,
            trust,
            trust_bytes,
            revocation_bytes,
            verifier,
        }
    }
}

/// A fresh verifier (no replay cache) with the given trust list and revocation list loaded.
pub fn verifier_with(root: &IssuerKey, trust: &[u8], revocation: Option<&[u8]>) -> Verifier {
    let mut verifier = Verifier::with_settings(root.public_key(), 300, 0);
    verifier
        .load_trust_list(trust)
        .expect("the fixed trust list loads");
    if let Some(list) = revocation {
        verifier
            .load_revocation_list(list)
            .expect("the fixed revocation list loads");
    }
    verifier
}

pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(World::new)
}

/// The mode byte and the rest of the input.
pub fn split_mode(data: &[u8]) -> Option<(u8, &[u8])> {
    let (&mode, rest) = data.split_first()?;
    Some((mode, rest))
}

/// A signed object's bytes for the targets that fuzz one: an even mode byte hands the rest over
/// as received, an odd one signs the rest as the payload with `key`, so the decoder behind the
/// signature is reached as well.
pub fn signed_object<'a>(data: &'a [u8], key: &IssuerKey) -> Option<Cow<'a, [u8]>> {
    let (mode, rest) = split_mode(data)?;
    Some(if mode % 2 == 0 {
        Cow::Borrowed(rest)
    } else {
        Cow::Owned(ehk_core::cose::sign(key, rest.to_vec()))
    })
}

/// A store file as the sync downloads it (zstd-compressed CBOR): an even mode byte hands the
/// rest over as the file, an odd one compresses the rest first, so the CBOR decoder behind the
/// decompression is reached as well. With the sync's default expansion limit.
pub fn feed_file(data: &[u8]) -> Option<(Cow<'_, [u8]>, u64)> {
    let (mode, rest) = split_mode(data)?;
    let limit =
        ehk_core::feed::SyncOptions::new(world().root.public_key(), PROJECT).max_expanded_bytes;
    let bytes = if mode % 2 == 0 {
        Cow::Borrowed(rest)
    } else {
        Cow::Owned(zstd::bulk::compress(rest, 1).ok()?)
    };
    Some((bytes, limit))
}

/// The largest single allocation a target may make (as libFuzzer's `-malloc_limit_mb=512`).
pub const MALLOC_LIMIT: usize = 512 << 20;

/// The global allocator of every target: the system allocator, aborting on any single
/// allocation above [`MALLOC_LIMIT`]. libFuzzer enforces `-malloc_limit_mb` only through a
/// sanitizer's hooks; this holds the same limit in the runs built without one
/// (`scripts/fuzz.sh --no-sanitizer`), and the abort is reported as a crash with its input.
pub struct LimitedAllocator;

impl LimitedAllocator {
    fn check(size: usize) {
        if size > MALLOC_LIMIT {
            // No allocation here: stderr is unbuffered and the message is static.
            let _ = std::io::stderr()
                .write_all(b"==ehk-fuzz== single allocation above the 512 MB limit\n");
            std::process::abort();
        }
    }
}

// SAFETY: every call is passed unchanged to the system allocator after a size check that
// allocates nothing.
unsafe impl GlobalAlloc for LimitedAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::check(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::check(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::check(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: LimitedAllocator = LimitedAllocator;
