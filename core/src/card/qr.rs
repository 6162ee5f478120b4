//! QR text: a short versioned prefix plus Base45 (RFC 9285), so the code uses the QR
//! alphanumeric mode. Rendering QR images is the issuer's (`ehk-issuer`).

/// A static card: the issuer-signed credential alone.
pub const CREDENTIAL_PREFIX: &str = "EK1:";
/// A device-bound presentation: credential, time step and device signature.
pub const PRESENTATION_PREFIX: &str = "EP1:";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QrPayload {
    Credential(Vec<u8>),
    Presentation(Vec<u8>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QrTextError {
    /// No known prefix: some other QR code.
    NotACard,
    /// The prefix is ours but the Base45 body is broken.
    Damaged,
}

impl QrPayload {
    pub fn encode(&self) -> String {
        match self {
            QrPayload::Credential(b) => format!("{CREDENTIAL_PREFIX}{}", base45::encode(b)),
            QrPayload::Presentation(b) => format!("{PRESENTATION_PREFIX}{}", base45::encode(b)),
        }
    }

    /// Decodes the exact text a scanner read. No trimming or case folding: any change to the
    /// text must be visible to the signature check, not smoothed over here.
    pub fn decode(text: &str) -> Result<QrPayload, QrTextError> {
        let (body, wrap): (&str, fn(Vec<u8>) -> QrPayload) =
            if let Some(b) = text.strip_prefix(CREDENTIAL_PREFIX) {
                (b, QrPayload::Credential)
            } else if let Some(b) = text.strip_prefix(PRESENTATION_PREFIX) {
                (b, QrPayload::Presentation)
            } else {
                return Err(QrTextError::NotACard);
            };
        let bytes = base45::decode(body).map_err(|_| QrTextError::Damaged)?;
        // RFC 9285 has exactly one encoding per byte string; refuse the non-canonical ones
        // that some decoders let through, so each card has exactly one valid QR text.
        if base45::encode(&bytes) != body {
            return Err(QrTextError::Damaged);
        }
        Ok(wrap(bytes))
    }

    pub fn bytes(&self) -> &[u8] {
        match self {
            QrPayload::Credential(b) | QrPayload::Presentation(b) => b,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip() {
        let p = QrPayload::Credential(vec![0, 1, 2, 250, 255]);
        let text = p.encode();
        assert!(text.starts_with("EK1:"));
        assert_eq!(QrPayload::decode(&text), Ok(p));
        let q = QrPayload::Presentation(vec![42; 7]);
        assert_eq!(QrPayload::decode(&q.encode()), Ok(q));
    }

    #[test]
    fn errors() {
        assert_eq!(
            QrPayload::decode("https://example.org"),
            Err(QrTextError::NotACard)
        );
        assert_eq!(QrPayload::decode("ek1:00"), Err(QrTextError::NotACard));
        assert_eq!(QrPayload::decode("EK1:!!"), Err(QrTextError::Damaged));
        assert_eq!(QrPayload::decode("EK1:A"), Err(QrTextError::Damaged));
        // "GGW" is 65535 = [0xff, 0xff]; ":::" overflows 16 bits.
        assert_eq!(QrPayload::decode("EK1:::: "), Err(QrTextError::Damaged));
    }
}
