//! Geofenced news and offers: signed news bundles with target areas, the decision which items
//! apply at a position, the notification policy, and the regions the phone asks the operating
//! system to monitor.

pub mod geofence;
pub mod geometry;
pub mod index;
pub mod model;
pub mod policy;

pub use geofence::{
    Fix, GeofenceMode, GeofenceState, GeofenceUpdate, ANDROID_MAX_REGIONS, ENTRY_CONFIRM_SECS,
    IOS_MAX_REGIONS,
};
pub use geometry::Area;
pub use index::{MonitorRegion, NewsHit, NewsIndex, REFRESH_REGION_ID};
pub use model::{NewsBundle, NewsCategory, NewsItem};
pub use policy::{Notification, NotificationPolicy, PolicySettings};
