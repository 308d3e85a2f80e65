//! The allocator of every `shardnode` binary (the CLI and the benchmarks): mimalloc, told to
//! keep the memory it frees.
//!
//! A node allocates and frees multi-megabyte values all the time (beacon states for every
//! block, shard blocks, store pages). With the system allocator each one was mapped and
//! unmapped through the kernel, and the simulator spent 12 of its 49 CPU seconds in the kernel
//! zeroing fresh pages (mainnet benchmark, 4 nodes). mimalloc reuses its own pages; by default
//! it still returns idle memory to the kernel after 10 ms, which under that churn cost another
//! 2 s, so [`configure`] turns returning off (the memory stays with the process until it
//! exits, as a node's working set would anyway).

/// The global allocator type; each binary declares
/// `#[global_allocator] static ALLOCATOR: shardnode::allocator::Allocator = shardnode::allocator::Allocator;`.
pub use mimalloc::MiMalloc as Allocator;

/// `mi_option_purge_delay` in the mimalloc 2.x option enum bundled by libmimalloc-sys 0.1.49
/// (the crate is pinned to that version for this reason).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets the allocator's options; call first thing in `main`.
pub fn configure() {
    // SAFETY: mi_option_set only stores an integer in mimalloc's option table; any value is
    // valid for purge_delay (-1: never purge).
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}
