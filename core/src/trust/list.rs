//! The trust list, signed by the root key (a Land, kept offline).
//!
//! Payload: `{1: version, 2: issued, 3: expires, 4: project id, 5: [issuer, ...]}`; each issuer
//! `{1: key id, 2: public key, 3: name, 4: roles, 5: regions (absent = all), 6: card types,
//! 7: valid from, 8: valid until, 9: withdrawn}`. Times are Unix seconds.

use crate::card::claims::CardType;
use crate::cbor::{encode_map, int, map_value, CborError, IntMap};
use crate::cose::{self, SignedEnvelope};
use crate::error::{Error, Result};
use crate::keys::{public_key_from_bytes, IssuerKey, KeyId};
use ciborium::value::Value;
use ed25519_dalek::VerifyingKey;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Cards,
    Stores,
    News,
}

impl Role {
    fn bit(self) -> u8 {
        match self {
            Role::Cards => 1,
            Role::Stores => 2,
            Role::News => 4,
        }
    }

    pub const ALL: [Role; 3] = [Role::Cards, Role::Stores, Role::News];

    pub fn name(self) -> &'static str {
        match self {
            Role::Cards => "cards",
            Role::Stores => "stores",
            Role::News => "news",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == text.trim())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Roles(pub u8);

impl Roles {
    pub fn of(roles: &[Role]) -> Roles {
        Roles(roles.iter().fold(0, |acc, r| acc | r.bit()))
    }

    pub fn has(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    pub fn names(self) -> Vec<&'static str> {
        Role::ALL
            .into_iter()
            .filter(|r| self.has(*r))
            .map(Role::name)
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuerEntry {
    pub key_id: KeyId,
    pub public_key: [u8; 32],
    pub name: String,
    pub roles: Roles,
    /// `None`: every region of the project (a Land-wide issuer).
    pub regions: Option<Vec<u32>>,
    /// Bit set of [`CardType::bit`].
    pub card_types: u8,
    pub valid_from: i64,
    pub valid_until: i64,
    pub withdrawn: bool,
}

impl IssuerEntry {
    pub fn allows_card_type(&self, t: CardType) -> bool {
        self.card_types & t.bit() != 0
    }

    pub fn allows_region(&self, region: u32) -> bool {
        self.regions
            .as_ref()
            .map_or(true, |list| list.contains(&region))
    }

    pub fn valid_at(&self, t: i64) -> bool {
        self.valid_from <= t && t <= self.valid_until
    }

    fn to_value(&self) -> Value {
        let mut entries = vec![
            (1, Value::Bytes(self.key_id.0.to_vec())),
            (2, Value::Bytes(self.public_key.to_vec())),
            (3, Value::Text(self.name.clone())),
            (4, int(self.roles.0)),
        ];
        if let Some(regions) = &self.regions {
            entries.push((5, Value::Array(regions.iter().map(|r| int(*r)).collect())));
        }
        entries.push((6, int(self.card_types)));
        entries.push((7, int(self.valid_from)));
        entries.push((8, int(self.valid_until)));
        if self.withdrawn {
            entries.push((9, Value::Bool(true)));
        }
        map_value(entries)
    }

    fn from_value(value: Value) -> Result<IssuerEntry, CborError> {
        let mut m = IntMap::from_value(value, &[1, 2, 3, 4, 5, 6, 7, 8, 9])?;
        let key_id = KeyId::from_slice(&m.bytes(1)?).ok_or(CborError("key id length".into()))?;
        let public_key: [u8; 32] = m
            .bytes(2)?
            .try_into()
            .map_err(|_| CborError("public key length".into()))?;
        let name = m.text(3)?;
        let roles = Roles(m.int(4)?);
        let regions = match m.opt_array(5)? {
            None => None,
            Some(list) => Some(
                list.into_iter()
                    .map(|v| match v {
                        Value::Integer(i) => u32::try_from(i128::from(i)).ok(),
                        _ => None,
                    })
                    .collect::<Option<Vec<u32>>>()
                    .ok_or(CborError("region ids must be unsigned integers".into()))?,
            ),
        };
        Ok(IssuerEntry {
            key_id,
            public_key,
            name,
            roles,
            regions,
            card_types: m.int(6)?,
            valid_from: m.int(7)?,
            valid_until: m.int(8)?,
            withdrawn: m.opt_bool(9)?.unwrap_or(false),
        })
    }
}

/// What a signature is for. The one trust rule, [`TrustList::authorize`], decides for each kind
/// whether a key may sign it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignedObject {
    /// A card of `card_type` for `region_id` in `project_id`, signed at `issued_at` (the time
    /// the card claims; whether that lies in the future is the verifier's clock check).
    Card {
        project_id: u32,
        region_id: u32,
        card_type: CardType,
        issued_at: i64,
    },
    /// An issuer's revocation list.
    RevocationList,
    /// A feed manifest with the store list, used at `now`, for `scope`.
    StoreFeed { now: i64, scope: Scope },
    /// A news bundle, used at `now`, for `scope`.
    NewsBundle { now: i64, scope: Scope },
}

/// Which part of the project a store feed or news bundle speaks for. A signature is checked
/// before its content is read (`Signature`); then every region the content adds, changes or
/// removes is asked for on its own (`Region`), and content tied to no region (a store without
/// a region, a news item drawn as a circle or polygon) needs a project-wide signer
/// (`Project`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Only whether the key may sign this kind of object at all; the content is not read yet.
    Signature,
    /// Content for one region.
    Region(u32),
    /// Content for the whole project or tied to no region.
    Project,
}

/// Why the trust list does not let a key sign something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the key is not in the trust list")]
    UnknownSigner,
    #[error("the key was withdrawn")]
    Withdrawn,
    #[error("the key was not valid at that time")]
    NotValidAtThatTime,
    #[error("the key lacks the {0} role")]
    MissingRole(Role),
    #[error("the key may not sign for another project")]
    WrongProject,
    #[error("the key may not sign for this region")]
    RegionNotAllowed,
    #[error("the key may not sign this card type")]
    CardTypeNotAllowed,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustList {
    pub version: u64,
    pub issued_at: i64,
    pub expires_at: i64,
    pub project_id: u32,
    pub issuers: Vec<IssuerEntry>,
}

impl TrustList {
    pub fn new(project_id: u32) -> TrustList {
        TrustList {
            version: 0,
            issued_at: 0,
            expires_at: 0,
            project_id,
            issuers: Vec::new(),
        }
    }

    pub fn issuer(&self, key_id: KeyId) -> Option<&IssuerEntry> {
        self.issuers.iter().find(|e| e.key_id == key_id)
    }

    /// The one trust rule: may `signer` sign `what`? Every check of a signer (verifying a
    /// card, loading a revocation list, syncing and publishing a feed, loading news) asks here.
    ///
    /// - A withdrawn key may sign nothing, whatever it signed before.
    /// - Cards: the cards role, the list's project, a region and card type the entry names, and
    ///   the key valid on the day the card says it was issued.
    /// - Revocation lists: the cards role. The key's validity window is not checked: a list only
    ///   takes rights away, and a card signed while the key was valid must stay revocable after
    ///   the key expired.
    /// - Store feeds and news: the stores or news role, the key valid at `now`, and the scope:
    ///   a region the entry names, or for content of the whole project an entry without region
    ///   limits.
    pub fn authorize(&self, signer: KeyId, what: SignedObject) -> Result<&IssuerEntry, Refusal> {
        let entry = self.issuer(signer).ok_or(Refusal::UnknownSigner)?;
        if entry.withdrawn {
            return Err(Refusal::Withdrawn);
        }
        let (role, at) = match what {
            SignedObject::Card { issued_at, .. } => (Role::Cards, Some(issued_at)),
            SignedObject::RevocationList => (Role::Cards, None),
            SignedObject::StoreFeed { now, .. } => (Role::Stores, Some(now)),
            SignedObject::NewsBundle { now, .. } => (Role::News, Some(now)),
        };
        if at.is_some_and(|t| !entry.valid_at(t)) {
            return Err(Refusal::NotValidAtThatTime);
        }
        if !entry.roles.has(role) {
            return Err(Refusal::MissingRole(role));
        }
        if let SignedObject::Card {
            project_id,
            region_id,
            card_type,
            ..
        } = what
        {
            if project_id != self.project_id {
                return Err(Refusal::WrongProject);
            }
            if !entry.allows_region(region_id) {
                return Err(Refusal::RegionNotAllowed);
            }
            if !entry.allows_card_type(card_type) {
                return Err(Refusal::CardTypeNotAllowed);
            }
        }
        if let SignedObject::StoreFeed { scope, .. } | SignedObject::NewsBundle { scope, .. } = what
        {
            let allowed = match scope {
                Scope::Signature => true,
                Scope::Region(region) => entry.allows_region(region),
                Scope::Project => entry.regions.is_none(),
            };
            if !allowed {
                return Err(Refusal::RegionNotAllowed);
            }
        }
        Ok(entry)
    }

    /// [`TrustList::authorize`] as a core error, with the key to check the signature.
    pub fn authorized_key(&self, signer: KeyId, what: SignedObject) -> Result<VerifyingKey> {
        let entry = self
            .authorize(signer, what)
            .map_err(|refusal| match refusal {
                Refusal::UnknownSigner => Error::UnknownIssuer(signer.to_hex()),
                refusal => Error::NotAllowed { signer, refusal },
            })?;
        public_key_from_bytes(&entry.public_key)
    }

    /// Adds or replaces an issuer. Refuses a key whose id collides with a different key.
    pub fn upsert_issuer(&mut self, entry: IssuerEntry) -> Result<()> {
        let key = public_key_from_bytes(&entry.public_key)?;
        if KeyId::of(&key) != entry.key_id {
            return Err(Error::InvalidKey(
                "key id does not belong to the public key".into(),
            ));
        }
        match self.issuers.iter_mut().find(|e| e.key_id == entry.key_id) {
            Some(existing) if existing.public_key != entry.public_key => Err(Error::InvalidKey(
                format!("key id {} is already used by another key", entry.key_id),
            )),
            Some(existing) => {
                *existing = entry;
                Ok(())
            }
            None => {
                self.issuers.push(entry);
                Ok(())
            }
        }
    }

    pub fn encode_payload(&self) -> Result<Vec<u8>> {
        let issuers = self.issuers.iter().map(IssuerEntry::to_value).collect();
        Ok(encode_map(vec![
            (1, int(self.version)),
            (2, int(self.issued_at)),
            (3, int(self.expires_at)),
            (4, int(self.project_id)),
            (5, Value::Array(issuers)),
        ]))
    }

    /// Signs this list with the root key.
    pub fn sign(&self, root: &IssuerKey) -> Result<Vec<u8>> {
        Ok(cose::sign(root, self.encode_payload()?))
    }

    /// Checks the root signature, then parses. Nothing in the list is looked at before the
    /// signature holds.
    pub fn verify(bytes: &[u8], root: &VerifyingKey) -> Result<TrustList> {
        let env = SignedEnvelope::parse(bytes)
            .map_err(|e| Error::malformed("trust list", e.to_string()))?;
        if env.key_id != KeyId::of(root) {
            return Err(Error::BadSignature(
                "trust list (signed by another root key)",
            ));
        }
        let payload = env.verify(root).ok_or(Error::BadSignature("trust list"))?;
        TrustList::decode_payload(payload).map_err(|e| Error::malformed("trust list", e.0))
    }

    fn decode_payload(payload: &[u8]) -> Result<TrustList, CborError> {
        let mut m = IntMap::decode(payload, &[1, 2, 3, 4, 5])?;
        let issuers = m
            .opt_array(5)?
            .unwrap_or_default()
            .into_iter()
            .map(IssuerEntry::from_value)
            .collect::<Result<Vec<_>, _>>()?;
        let list = TrustList {
            version: m.int(1)?,
            issued_at: m.int(2)?,
            expires_at: m.int(3)?,
            project_id: m.int(4)?,
            issuers,
        };
        for (i, e) in list.issuers.iter().enumerate() {
            if list.issuers[..i].iter().any(|o| o.key_id == e.key_id) {
                return Err(CborError(format!("key id {} appears twice", e.key_id)));
            }
            // The id is how cards name their signer: it must be the id of this very key.
            let key = public_key_from_bytes(&e.public_key)
                .map_err(|_| CborError(format!("key {} is not a valid key", e.key_id)))?;
            if KeyId::of(&key) != e.key_id {
                return Err(CborError(format!(
                    "key id {} does not belong to its public key",
                    e.key_id
                )));
            }
        }
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn entry(key: &IssuerKey) -> IssuerEntry {
        IssuerEntry {
            key_id: key.key_id(),
            public_key: key.public_key().to_bytes(),
            name: "Landkreis Test".into(),
            roles: Roles::of(&[Role::Cards, Role::Stores]),
            regions: Some(vec![9162, 9163]),
            card_types: 3,
            valid_from: 0,
            valid_until: 4_000_000_000,
            withdrawn: false,
        }
    }

    #[test]
    fn sign_and_verify() {
        let root = IssuerKey::generate().unwrap();
        let issuer = IssuerKey::generate().unwrap();
        let mut list = TrustList::new(1);
        list.version = 3;
        list.expires_at = 2_000_000_000;
        list.upsert_issuer(entry(&issuer)).unwrap();
        let bytes = list.sign(&root).unwrap();
        let back = TrustList::verify(&bytes, &root.public_key()).unwrap();
        assert_eq!(back, list);
        assert!(back
            .issuer(issuer.key_id())
            .unwrap()
            .roles
            .has(Role::Stores));
        assert!(!back.issuer(issuer.key_id()).unwrap().roles.has(Role::News));

        let other_root = IssuerKey::generate().unwrap();
        assert!(matches!(
            TrustList::verify(&bytes, &other_root.public_key()),
            Err(Error::BadSignature(_))
        ));
        let mut tampered = bytes.clone();
        let n = tampered.len();
        tampered[n - 70] ^= 1;
        assert!(TrustList::verify(&tampered, &root.public_key()).is_err());
    }

    #[test]
    fn the_decoder_refuses_a_key_id_that_is_not_its_keys() {
        let root = IssuerKey::generate().unwrap();
        let a = IssuerKey::generate().unwrap();
        let b = IssuerKey::generate().unwrap();
        let mut list = TrustList::new(1);
        list.expires_at = 2_000_000_000;
        // Pushed past `upsert_issuer`, as a root tool with a bug (or a malicious one) might.
        let mut e = entry(&a);
        e.key_id = b.key_id();
        list.issuers.push(e);
        let bytes = list.sign(&root).unwrap();
        let err = TrustList::verify(&bytes, &root.public_key()).unwrap_err();
        assert!(err.to_string().contains("does not belong"), "{err}");
    }

    #[test]
    fn refuses_mismatched_key_id() {
        let a = IssuerKey::generate().unwrap();
        let b = IssuerKey::generate().unwrap();
        let mut e = entry(&a);
        e.public_key = b.public_key().to_bytes();
        assert!(TrustList::new(1).upsert_issuer(e).is_err());
    }
}
