//! The surface generated from the spec by `lever-codegen` at build time (see `build.rs`).
//! Read it with `cargo run -p lever-codegen -- expand`.

include!(concat!(env!("OUT_DIR"), "/lever.rs"));
