//! The `prep` command.
fn main() {}
