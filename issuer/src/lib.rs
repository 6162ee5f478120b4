//! What only an issuer runs: signing cards one by one or from a CSV batch, importing the
//! partner store list, publishing the signed feed (stores, trust and revocation lists, news),
//! GeoJSON news areas, QR images, activation letters (PDF), and the fixtures the benchmarks share.
//!
//! The phone library (`ehk-core` through `ehk-bindings`) contains none of this.

pub mod batch;
pub mod bench_fixture;
pub mod csv_input;
pub mod issue;
pub mod letter;
pub mod news_area;
pub mod publish;
pub mod qr_image;
pub mod stores;

pub use issue::{issue_card, CardRequest};
pub use letter::{letters_pdf, Letter, LetterError, LetterFonts};
pub use publish::{publish, publish_with_news, PublishOptions, PublishReport};
