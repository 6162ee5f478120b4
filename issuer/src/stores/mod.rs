//! The issuer's side of the store list: importing the files issuers have (CSV, the LBE XML
//! export, GeoJSON), and a deterministic synthetic list for benchmarks and demos.

pub mod generate;
pub mod import;
pub mod lbe_xml;
