//! One module per subcommand.

pub mod config;
pub mod genesis;
pub mod keys;
pub mod sim;
