//! What the activation path reads from outside: the holder's link or typed code (the phone),
//! and the JSON messages (the service reads requests, the phone reads answers and refusals).
//! The first byte picks which.
#![no_main]

use ehk_core::activation::protocol::{ActivationRequest, ActivationResponse, Challenge, ErrorBody};
use ehk_core::activation::ActivationCode;
use ehk_fuzz::split_mode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = split_mode(data) else {
        return;
    };
    match mode % 5 {
        0 => {
            let text = String::from_utf8_lossy(rest);
            if let Ok((code, origin)) = ActivationCode::from_link_or_code(&text) {
                // A code read back is the same code in every written form.
                assert_eq!(
                    ActivationCode::parse(&code.grouped()).ok(),
                    Some(code.clone())
                );
                if let Some(origin) = origin {
                    let (again, _) =
                        ehk_core::activation::code::split_origin(&origin).expect("an origin");
                    assert_eq!(again, origin);
                }
            }
        }
        1 => {
            let _ = serde_json::from_slice::<ActivationRequest>(rest);
        }
        2 => {
            let _ = serde_json::from_slice::<ActivationResponse>(rest);
        }
        3 => {
            let _ = serde_json::from_slice::<ErrorBody>(rest);
        }
        _ => {
            let _ = serde_json::from_slice::<Challenge>(rest);
        }
    }
});
