//! Every fuzz target, by the input class it covers (docs/reliability.md lists them).

pub mod api;
pub mod files;
pub mod rpc;
pub mod ssz;
pub mod wire;

use crate::target::Target;

/// Every target, in a fixed order.
pub fn all() -> Vec<Target> {
    let mut targets = wire::targets();
    targets.extend(rpc::targets());
    targets.extend(ssz::targets());
    targets.extend(files::targets());
    targets.extend(api::targets());
    targets
}

/// The target called `name`.
pub fn by_name(name: &str) -> Option<Target> {
    all().into_iter().find(|t| t.name == name)
}
