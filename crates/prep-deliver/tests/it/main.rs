//! The integration tests of `prep-deliver`, in one test binary: each module is one area of them.

mod common;
mod dir_and_runner;
mod folder;
mod folder_served;
mod s3;
mod ssh;
