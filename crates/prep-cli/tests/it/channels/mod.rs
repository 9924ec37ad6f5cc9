//! Every delivery channel of `prep-deliver` end to end, into a running difusor node or a
//! difusor's publication folder served by its web server: here, where all the crates are,
//! so that `prep-deliver` itself does not depend on the node.

mod common;
mod dir_and_runner;
mod folder;
mod folder_kill;
mod folder_served;
mod s3;
mod ssh;
