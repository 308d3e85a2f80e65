//! What the `shardnode` binaries share beyond the library crates: the memory allocator.

pub mod allocator;
