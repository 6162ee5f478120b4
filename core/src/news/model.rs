//! News items and the signed bundle they travel in.

use crate::cose::{self, SignedEnvelope};
use crate::error::{Error, Result};
use crate::keys::{IssuerKey, KeyId};
use crate::news::geometry::Area;
use crate::trust::list::{Scope, SignedObject, TrustList};
use ed25519_dalek::VerifyingKey;
use geo::MultiPolygon;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NewsCategory {
    Event,
    Offer,
    Notice,
}

impl NewsCategory {
    pub fn parse(text: &str) -> Option<NewsCategory> {
        match text.trim().to_ascii_lowercase().as_str() {
            "event" | "veranstaltung" => Some(NewsCategory::Event),
            "offer" | "angebot" => Some(NewsCategory::Offer),
            "notice" | "hinweis" => Some(NewsCategory::Notice),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NewsCategory::Event => "event",
            NewsCategory::Offer => "offer",
            NewsCategory::Notice => "notice",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewsItem {
    /// Unique within the publisher's bundles; also the key of "already notified".
    pub id: String,
    pub title_de: String,
    pub title_en: String,
    pub body_de: String,
    pub body_en: String,
    pub category: NewsCategory,
    /// Higher first.
    pub priority: u8,
    /// Unix seconds, inclusive.
    pub valid_from: i64,
    pub valid_until: i64,
    /// A store of the store feed this item is about.
    pub store_id: Option<i64>,
    pub area: Area,
}

impl NewsItem {
    pub fn validate(&self) -> Result<(), String> {
        if self.id.trim().is_empty() || self.id.len() > 100 {
            return Err("the id must have 1 to 100 characters".into());
        }
        if self.title_de.trim().is_empty() {
            return Err("the German title is empty".into());
        }
        if self.valid_until < self.valid_from {
            return Err("valid-until is before valid-from".into());
        }
        self.area.validate()
    }

    pub fn valid_at(&self, now: i64) -> bool {
        self.valid_from <= now && now <= self.valid_until
    }
}

/// A region's shape, so items can target region ids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionShape {
    pub id: u32,
    pub name: String,
    #[serde(with = "crate::news::geometry::packed")]
    pub shape: MultiPolygon<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewsBundle {
    pub version: u64,
    pub issued_at: i64,
    pub expires_at: i64,
    pub items: Vec<NewsItem>,
    pub regions: Vec<RegionShape>,
}

impl NewsBundle {
    /// Checks every item and that every targeted region has a shape.
    pub fn validate(&self) -> Result<(), String> {
        self.check(true)
    }

    /// `full`: with the self-intersection test, which is the publisher's job; a phone loading
    /// a signed bundle runs the cheap checks only.
    fn check(&self, full: bool) -> Result<(), String> {
        let area_ok = |area: &Area| {
            if full {
                area.validate()
            } else {
                area.check_structure()
            }
        };
        for item in &self.items {
            let problem = if full {
                item.validate()
            } else {
                area_ok(&item.area)
            };
            problem.map_err(|e| format!("news item {}: {e}", item.id))?;
            if let Area::Regions(ids) = &item.area {
                if let Some(missing) = ids
                    .iter()
                    .find(|id| !self.regions.iter().any(|r| r.id == **id))
                {
                    return Err(format!(
                        "news item {}: no shape for region {missing}",
                        item.id
                    ));
                }
            }
        }
        for r in &self.regions {
            area_ok(&Area::Polygons(r.shape.clone()))
                .map_err(|e| format!("region {}: {e}", r.id))?;
        }
        Ok(())
    }

    pub fn sign(&self, key: &IssuerKey) -> Result<Vec<u8>> {
        self.validate().map_err(Error::InvalidRequest)?;
        let mut payload = Vec::new();
        ciborium::ser::into_writer(self, &mut payload)
            .map_err(|e| Error::malformed("news bundle", e.to_string()))?;
        Ok(cose::sign(key, payload))
    }

    pub fn signer(bytes: &[u8]) -> Result<KeyId> {
        SignedEnvelope::parse(bytes)
            .map(|e| e.key_id)
            .map_err(|e| Error::malformed("news bundle", e.to_string()))
    }

    /// Every part of the project the bundle speaks for: each region an item targets or the
    /// bundle draws a shape for, and the whole project for an item drawn as a circle or polygon
    /// (its place is not tied to a region).
    pub fn scopes(&self) -> BTreeSet<Scope> {
        let mut scopes: BTreeSet<Scope> =
            self.regions.iter().map(|r| Scope::Region(r.id)).collect();
        for item in &self.items {
            match &item.area {
                Area::Regions(ids) => scopes.extend(ids.iter().map(|id| Scope::Region(*id))),
                Area::Circle { .. } | Area::Polygons(_) => {
                    scopes.insert(Scope::Project);
                }
            }
        }
        scopes
    }

    /// The one way to read a signed bundle: the trust list must let its signer publish news
    /// at `now` for every region the bundle speaks for ([`TrustList::authorize`]), and the
    /// signature must hold. Used by the sync, the phone's loader and the publisher.
    pub fn verify_trusted(
        bytes: &[u8],
        trust: &TrustList,
        now: i64,
    ) -> Result<(KeyId, NewsBundle)> {
        let signer = NewsBundle::signer(bytes)?;
        let news = |scope| SignedObject::NewsBundle { now, scope };
        let key = trust.authorized_key(signer, news(Scope::Signature))?;
        let bundle = NewsBundle::verify(bytes, &key)?;
        for scope in bundle.scopes() {
            trust.authorized_key(signer, news(scope))?;
        }
        Ok((signer, bundle))
    }

    /// Checks the signature with `key` only; [`NewsBundle::verify_trusted`] also asks the
    /// trust list.
    pub fn verify(bytes: &[u8], key: &VerifyingKey) -> Result<NewsBundle> {
        let env = SignedEnvelope::parse(bytes)
            .map_err(|e| Error::malformed("news bundle", e.to_string()))?;
        let payload = env.verify(key).ok_or(Error::BadSignature("news bundle"))?;
        let bundle: NewsBundle = ciborium::de::from_reader(payload)
            .map_err(|e| Error::malformed("news bundle", e.to_string()))?;
        bundle
            .check(false)
            .map_err(|e| Error::malformed("news bundle", e))?;
        Ok(bundle)
    }
}
