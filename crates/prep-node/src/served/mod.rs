//! The served layer: a corte as the node serves it, and what is made from it.
//!
//! - [`corte::Corte`]: every file of the active corte in memory with its headers' values,
//!   built from a verified package or loaded from the store and verified again.
//! - [`compress`]: the precompressed variants (gzip, brotli) of each compressible file, and
//!   [`compressor`]'s one background thread that makes a large corte's variants after it is
//!   served.
//! - [`export`]: each activated corte written under a web root for nginx or Apache.
//! - [`history`]: the stored history read and verified offline.
//!
//! Imports only from the layers below: [`crate::config`], [`crate::store`],
//! [`crate::verify`].

pub mod compress;
pub mod compressor;
pub mod corte;
pub mod export;
pub mod history;
