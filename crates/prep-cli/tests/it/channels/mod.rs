//! Every delivery channel of `prep-deliver` end to end, into a running difusor node: here,
//! where both crates are, so that `prep-deliver` itself does not depend on the node.

mod common;
mod dir_and_runner;
mod s3;
mod ssh;
