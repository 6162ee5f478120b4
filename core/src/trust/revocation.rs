//! An issuer's revocation list: `{1: version, 2: issued, 3: expires, 4: revoked card ids}`, the
//! ids as one byte string of sorted 8-byte ids, so it stays compact and binary-searchable.

use crate::card::claims::{CardId, CARD_ID_LEN};
use crate::cbor::{encode_map, int, IntMap};
use crate::cose::{self, SignedEnvelope};
use crate::error::{Error, Result};
use crate::keys::{IssuerKey, KeyId};
use ciborium::value::Value;
use ed25519_dalek::VerifyingKey;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationList {
    pub version: u64,
    pub issued_at: i64,
    pub expires_at: i64,
    revoked: Vec<CardId>,
}

impl RevocationList {
    pub fn new(
        version: u64,
        issued_at: i64,
        expires_at: i64,
        mut revoked: Vec<CardId>,
    ) -> RevocationList {
        revoked.sort_unstable();
        revoked.dedup();
        RevocationList {
            version,
            issued_at,
            expires_at,
            revoked,
        }
    }

    pub fn is_revoked(&self, card_id: &CardId) -> bool {
        self.revoked.binary_search(card_id).is_ok()
    }

    pub fn revoked(&self) -> &[CardId] {
        &self.revoked
    }

    pub fn sign(&self, issuer: &IssuerKey) -> Vec<u8> {
        self.sign_with(issuer).expect("a key in memory signs")
    }

    /// Signs with any [`cose::CoseSigner`] (a hardware module on the issuer's service).
    pub fn sign_with(
        &self,
        signer: &dyn cose::CoseSigner,
    ) -> std::result::Result<Vec<u8>, cose::SignerError> {
        let ids: Vec<u8> = self.revoked.iter().flatten().copied().collect();
        cose::sign_with(
            signer,
            encode_map(vec![
                (1, int(self.version)),
                (2, int(self.issued_at)),
                (3, int(self.expires_at)),
                (4, Value::Bytes(ids)),
            ]),
        )
    }

    /// The key id a revocation list claims to be signed with, to look up the issuer.
    pub fn signer(bytes: &[u8]) -> Result<KeyId> {
        SignedEnvelope::parse(bytes)
            .map(|e| e.key_id)
            .map_err(|e| Error::malformed("revocation list", e.to_string()))
    }

    pub fn verify(bytes: &[u8], issuer: &VerifyingKey) -> Result<RevocationList> {
        let env = SignedEnvelope::parse(bytes)
            .map_err(|e| Error::malformed("revocation list", e.to_string()))?;
        let payload = env
            .verify(issuer)
            .ok_or(Error::BadSignature("revocation list"))?;
        let bad = |d: String| Error::malformed("revocation list", d);
        let mut m = IntMap::decode(payload, &[1, 2, 3, 4]).map_err(|e| bad(e.0))?;
        let ids = m.bytes(4).map_err(|e| bad(e.0))?;
        if ids.len() % CARD_ID_LEN != 0 {
            return Err(bad("card id list length".into()));
        }
        let revoked: Vec<CardId> = ids
            .chunks_exact(CARD_ID_LEN)
            .map(|c| c.try_into().unwrap_or_default())
            .collect();
        if revoked.windows(2).any(|w| w[0] >= w[1]) {
            return Err(bad("card ids are not sorted".into()));
        }
        Ok(RevocationList {
            version: m.int(1).map_err(|e| bad(e.0))?,
            issued_at: m.int(2).map_err(|e| bad(e.0))?,
            expires_at: m.int(3).map_err(|e| bad(e.0))?,
            revoked,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_lookup() {
        let key = IssuerKey::generate().unwrap();
        let list = RevocationList::new(2, 10, 20, vec![[9; 8], [1; 8], [5; 8], [1; 8]]);
        assert_eq!(list.revoked().len(), 3);
        let bytes = list.sign(&key);
        assert_eq!(RevocationList::signer(&bytes).unwrap(), key.key_id());
        let back = RevocationList::verify(&bytes, &key.public_key()).unwrap();
        assert_eq!(back, list);
        assert!(back.is_revoked(&[5; 8]));
        assert!(!back.is_revoked(&[6; 8]));
        let other = IssuerKey::generate().unwrap();
        assert!(RevocationList::verify(&bytes, &other.public_key()).is_err());
    }
}
