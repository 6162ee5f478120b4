//! Snapshots as the sync decodes them: zstd-compressed CBOR, expanded up to the sync's default
//! limit. Mode 0: the bytes as the downloaded file; mode 1: the bytes compressed first, so the
//! CBOR decoder behind the decompression is fuzzed as well.
#![no_main]

use ehk_core::feed::manifest::decode_snapshot;
use ehk_fuzz::feed_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((bytes, limit)) = feed_file(data) else {
        return;
    };
    let _ = decode_snapshot(&bytes, limit);
});
