//! The integration tests of `prep-cli`, in one test binary: each module is one area of them.

mod broken_pipe;
mod channels;
mod common;
mod corte;
mod deliver;
mod folder_load;
mod ingest;
mod memoria;
mod memoria_nginx;
mod node;
mod node_crash;
mod node_goaccess;
mod node_load;
mod notice;
mod publish;
mod pull;
mod recount;
mod simulacro;
mod site;
mod suspension;
mod verify;
