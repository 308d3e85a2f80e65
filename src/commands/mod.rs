//! One module per subcommand.

pub mod calibrate;
pub mod capture;
pub mod cluster;
pub mod config;
pub mod genesis;
pub mod keys;
pub mod load;
pub mod node;
pub mod sim;
pub mod slashing_protection;
pub mod swarm;
pub mod swarm_csv;
pub mod sweep;
