//! COSE_Sign1 (RFC 9052) with EdDSA/Ed25519: the envelope of cards, trust lists and
//! revocation lists. The key id sits in the protected header; the algorithm must be EdDSA.

use crate::keys::{IssuerKey, KeyId};
use coset::{
    iana, CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, ProtectedHeader,
    TaggedCborSerializable,
};
use ed25519_dalek::{Signature, Signer, VerifyingKey};

/// Why a COSE_Sign1 envelope could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("not a tagged COSE_Sign1 structure")]
    NotCose,
    #[error("algorithm is not EdDSA")]
    WrongAlgorithm,
    #[error("key id missing or of the wrong length")]
    BadKeyId,
    #[error("payload missing")]
    NoPayload,
    #[error("signature has the wrong length")]
    BadSignatureLength,
    /// Readable, but not the one encoding the signer makes: indefinite lengths, chunked or
    /// over-long byte strings, other header fields or an unprotected header. Such bytes can
    /// be made from a genuine envelope without any key, so they are refused.
    #[error("not the canonical encoding")]
    NotCanonical,
}

/// A parsed but not yet verified COSE_Sign1.
pub struct SignedEnvelope {
    pub key_id: KeyId,
    sign1: CoseSign1,
    signature: Signature,
}

/// The protected header every envelope carries: EdDSA and the signer's key id, nothing else.
fn protected_header(key_id: Vec<u8>) -> coset::Header {
    HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(key_id)
        .build()
}

/// Holds a signing key and signs with it: a key in memory ([`IssuerKey`]), or on an issuer's
/// host a hardware security module that never lets the key out. Everything that signs
/// envelopes goes through [`sign_with`], so another kind of signer plugs in here.
pub trait CoseSigner: Send + Sync {
    /// The id of the key, as the trust list names it.
    fn key_id(&self) -> KeyId;
    /// The Ed25519 signature over `message`.
    fn sign_message(&self, message: &[u8]) -> Result<[u8; 64], SignerError>;
}

/// A signer that could not sign (a hardware module that is unreachable or refused).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the signer failed: {0}")]
pub struct SignerError(pub String);

impl CoseSigner for IssuerKey {
    fn key_id(&self) -> KeyId {
        IssuerKey::key_id(self)
    }
    fn sign_message(&self, message: &[u8]) -> Result<[u8; 64], SignerError> {
        Ok(self.signing_key().sign(message).to_bytes())
    }
}

/// Signs `payload` into a COSE_Sign1 envelope in the canonical encoding.
pub fn sign_with(signer: &dyn CoseSigner, payload: Vec<u8>) -> Result<Vec<u8>, SignerError> {
    let protected = protected_header(signer.key_id().0.to_vec());
    let sign1 = CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .try_create_signature(b"", |tbs| signer.sign_message(tbs).map(|s| s.to_vec()))?
        .build();
    Ok(sign1
        .to_tagged_vec()
        .expect("encoding a COSE_Sign1 built from owned bytes cannot fail"))
}

/// Signs with a key in memory, which cannot fail.
pub fn sign(key: &IssuerKey, payload: Vec<u8>) -> Vec<u8> {
    sign_with(key, payload).expect("a key in memory signs")
}

impl SignedEnvelope {
    /// Reads an envelope in the one encoding `sign` makes (RFC 8949 §4.2 deterministic:
    /// definite lengths, shortest heads, the protected header `{1: -8, 4: key id}`, an empty
    /// unprotected header). Every other encoding of the same envelope is `NotCanonical`, so
    /// one signed object has exactly one accepted byte string.
    pub fn parse(bytes: &[u8]) -> Result<SignedEnvelope, EnvelopeError> {
        let sign1 = CoseSign1::from_tagged_slice(bytes).map_err(|_| EnvelopeError::NotCose)?;
        let header = &sign1.protected.header;
        if header.alg
            != Some(coset::RegisteredLabelWithPrivate::Assigned(
                iana::Algorithm::EdDSA,
            ))
        {
            return Err(EnvelopeError::WrongAlgorithm);
        }
        let key_id = KeyId::from_slice(&header.key_id).ok_or(EnvelopeError::BadKeyId)?;
        if sign1.payload.is_none() {
            return Err(EnvelopeError::NoPayload);
        }
        let signature = Signature::from_slice(&sign1.signature)
            .map_err(|_| EnvelopeError::BadSignatureLength)?;
        let expected = protected_header(header.key_id.clone());
        if *header != expected || !sign1.unprotected.is_empty() {
            return Err(EnvelopeError::NotCanonical);
        }
        let canonical_protected = ProtectedHeader {
            original_data: None,
            header: expected,
        }
        .to_vec()
        .map_err(|_| EnvelopeError::NotCanonical)?;
        if sign1.protected.original_data.as_deref() != Some(canonical_protected.as_slice()) {
            return Err(EnvelopeError::NotCanonical);
        }
        if sign1.clone().to_tagged_vec().ok().as_deref() != Some(bytes) {
            return Err(EnvelopeError::NotCanonical);
        }
        Ok(SignedEnvelope {
            key_id,
            sign1,
            signature,
        })
    }

    /// Checks the signature; only then is the payload handed out.
    pub fn verify(&self, key: &VerifyingKey) -> Option<&[u8]> {
        let tbs = self.sign1.tbs_data(b"");
        key.verify_strict(&tbs, &self.signature).ok()?;
        self.sign1.payload.as_deref()
    }

    /// What the signature covers (the COSE Sig_structure: protected header and payload).
    pub fn signed_bytes(&self) -> Vec<u8> {
        self.sign1.tbs_data(b"")
    }

    /// The payload without any check, for the holder's own display of a card.
    pub fn unverified_payload(&self) -> &[u8] {
        self.sign1.payload.as_deref().unwrap_or_default()
    }
}

/// Re-encodes untagged; used by tests to show the envelope survives a round trip.
pub fn encode_untagged(env: &SignedEnvelope) -> Vec<u8> {
    env.sign1.clone().to_vec().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_parse_verify() {
        let key = IssuerKey::generate().unwrap();
        let bytes = sign(&key, b"hello".to_vec());
        assert_eq!(bytes[0], 0xd2, "tag 18 for COSE_Sign1");
        let env = SignedEnvelope::parse(&bytes).unwrap();
        assert_eq!(env.key_id, key.key_id());
        assert_eq!(env.verify(&key.public_key()), Some(&b"hello"[..]));
        let other = IssuerKey::generate().unwrap();
        assert_eq!(env.verify(&other.public_key()), None);
        assert!(!encode_untagged(&env).is_empty());
    }

    #[test]
    fn rejects_garbage_and_untagged() {
        assert_eq!(
            SignedEnvelope::parse(&[]).err(),
            Some(EnvelopeError::NotCose)
        );
        assert_eq!(
            SignedEnvelope::parse(&[0xff; 10]).err(),
            Some(EnvelopeError::NotCose)
        );
        let key = IssuerKey::generate().unwrap();
        let bytes = sign(&key, b"x".to_vec());
        assert_eq!(
            SignedEnvelope::parse(&bytes[1..]).err(),
            Some(EnvelopeError::NotCose)
        );
    }
}
