//! Deltas as the sync decodes them: zstd-compressed CBOR, expanded up to the sync's default
//! limit. Mode 0: the bytes as the downloaded file; mode 1: the bytes compressed first, so the
//! CBOR decoder behind the decompression is fuzzed as well.
#![no_main]

use ehk_core::feed::manifest::decode_delta;
use ehk_core::feed::SyncOptions;
use ehk_fuzz::{split_mode, world};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = split_mode(data) else {
        return;
    };
    let limit = SyncOptions::new(world().root.public_key(), 1).max_expanded_bytes;
    if mode % 2 == 0 {
        let _ = decode_delta(rest, limit);
    } else {
        let Ok(compressed) = zstd::bulk::compress(rest, 1) else {
            return;
        };
        let _ = decode_delta(&compressed, limit);
    }
});
