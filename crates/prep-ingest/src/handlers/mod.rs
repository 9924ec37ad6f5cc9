//! One module per route handler.

pub mod acta;
pub mod bulk;
pub mod elections;
pub mod health;
pub mod openapi;
pub mod submit;
