//! The offline discount database: partner stores and their discounts, searchable on the phone
//! without network and kept current from the issuer's signed feed.

pub mod db;
pub mod fold;
pub mod model;
pub mod search;

pub use db::StoreDb;
pub use model::{Category, Delta, Discount, Region, Snapshot, StoreRecord, StoreSummary};
pub use search::{Favorite, NearbyQuery, SearchQuery, SortOrder};
