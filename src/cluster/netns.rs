//! Real partitions: each node in a network namespace of its own, made and removed by the
//! cluster (`cluster --netns`, root only).
//!
//! Every node gets two veth pairs. Its *data* link (libp2p) hangs on one of several data
//! bridges, all on bridge 0 while the network is whole; its *control* link (HTTP API and
//! metrics) hangs on a control bridge that also carries an address of the host, so the cluster
//! keeps watching every node through a partition. A partition moves the data links of each
//! group to that group's bridge: the links of the other groups go down for it, and the kernel
//! drops whatever crosses. Healing moves every link back to bridge 0. Nothing is simulated:
//! TCP connections time out, libp2p redials, gossip floods again.
//!
//! **Must never** touch an interface or namespace it did not create: every name carries the
//! cluster's pid, and [`Drop`] removes exactly those (even when the run fails).

use anyhow::{bail, Context, Result};
use std::net::Ipv4Addr;
use std::process::Command;

/// The namespaces, links and bridges of one cluster run.
#[derive(Debug)]
pub struct Netns {
    tag: u32,
    nodes: usize,
    data_bridges: usize,
    /// The second octet of the control subnet (`10.<octet>.0.0/24`), from the pid, so two
    /// runs at once do not share a host route.
    control_octet: u8,
    created: Vec<Undo>,
}

#[derive(Debug)]
enum Undo {
    Namespace(String),
    Link(String),
}

fn ip(args: &[&str]) -> Result<()> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .context("cannot run `ip` (Debian: apt-get install iproute2)")?;
    if !out.status.success() {
        bail!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

impl Netns {
    /// Whether this process may create namespaces (it runs as root).
    pub fn permitted() -> bool {
        // SAFETY: geteuid only reads the process's credentials.
        unsafe { libc::geteuid() == 0 }
    }

    /// Creates `nodes` namespaces, each with a data and a control link, `data_bridges` data
    /// bridges (one per partition group, at least one) and the control bridge.
    pub fn create(nodes: usize, data_bridges: usize) -> Result<Self> {
        if !Self::permitted() {
            bail!(
                "--netns needs root: it creates a network namespace per node, veth pairs and \
                 bridges (run as root, or without --netns for loopback)"
            );
        }
        if nodes > 250 {
            bail!("--netns supports at most 250 nodes, not {nodes}");
        }
        let tag = std::process::id();
        let mut netns = Self {
            tag,
            nodes,
            data_bridges: data_bridges.max(1),
            control_octet: 100 + (tag % 150) as u8,
            created: Vec::new(),
        };
        netns.build().context("setting up the network namespaces")?;
        Ok(netns)
    }

    fn bridge(&self, group: usize) -> String {
        format!("snb{}-{group}", self.tag)
    }

    fn control_bridge(&self) -> String {
        format!("snk{}", self.tag)
    }

    /// The namespace of node `i`.
    pub fn namespace(&self, i: usize) -> String {
        format!("shardnode-{}-{i}", self.tag)
    }

    fn data_link(&self, i: usize) -> String {
        format!("snd{}-{i}", self.tag)
    }

    /// Node `i`'s libp2p address (its data link).
    pub fn data_ip(&self, i: usize) -> Ipv4Addr {
        Ipv4Addr::new(10, 250, 0, (i + 1) as u8)
    }

    /// Node `i`'s API and metrics address (its control link), reachable from the host.
    pub fn control_ip(&self, i: usize) -> Ipv4Addr {
        Ipv4Addr::new(10, self.control_octet, 0, (i + 1) as u8)
    }

    fn build(&mut self) -> Result<()> {
        for group in 0..self.data_bridges {
            let name = self.bridge(group);
            ip(&["link", "add", &name, "type", "bridge"])?;
            self.created.push(Undo::Link(name.clone()));
            ip(&["link", "set", &name, "up"])?;
        }
        let control = self.control_bridge();
        ip(&["link", "add", &control, "type", "bridge"])?;
        self.created.push(Undo::Link(control.clone()));
        let host = format!("10.{}.0.254/24", self.control_octet);
        ip(&["addr", "add", &host, "dev", &control])?;
        ip(&["link", "set", &control, "up"])?;
        for i in 0..self.nodes {
            let ns = self.namespace(i);
            ip(&["netns", "add", &ns])?;
            self.created.push(Undo::Namespace(ns.clone()));
            ip(&["-n", &ns, "link", "set", "lo", "up"])?;
            let data = self.data_link(i);
            let data_ip = format!("{}/24", self.data_ip(i));
            self.veth(&ns, &data, "data", &data_ip, &self.bridge(0))?;
            let control_link = format!("snc{}-{i}", self.tag);
            let control_ip = format!("{}/24", self.control_ip(i));
            self.veth(&ns, &control_link, "ctl", &control_ip, &control)?;
        }
        Ok(())
    }

    /// A veth pair: `host` on the host, on `bridge`; its peer moved into `ns` as `inner` with
    /// `address`.
    fn veth(
        &mut self,
        ns: &str,
        host: &str,
        inner: &str,
        address: &str,
        bridge: &str,
    ) -> Result<()> {
        let peer = format!("{host}p");
        ip(&["link", "add", host, "type", "veth", "peer", "name", &peer])?;
        self.created.push(Undo::Link(host.to_string()));
        ip(&["link", "set", &peer, "netns", ns])?;
        ip(&["-n", ns, "link", "set", &peer, "name", inner])?;
        ip(&["-n", ns, "addr", "add", address, "dev", inner])?;
        ip(&["-n", ns, "link", "set", inner, "up"])?;
        ip(&["link", "set", host, "master", bridge])?;
        ip(&["link", "set", host, "up"])
    }

    /// Cuts the network into `groups` (node indices; a node in no group stays with group 0):
    /// each group's data links move to its own bridge.
    pub fn partition(&self, groups: &[Vec<u64>]) -> Result<()> {
        for (group, members) in groups.iter().enumerate() {
            if group >= self.data_bridges {
                bail!(
                    "partition with {} groups, {} bridges",
                    groups.len(),
                    self.data_bridges
                );
            }
            for &node in members {
                let node = node as usize;
                if node < self.nodes {
                    ip(&[
                        "link",
                        "set",
                        &self.data_link(node),
                        "master",
                        &self.bridge(group),
                    ])?;
                }
            }
        }
        Ok(())
    }

    /// Puts every data link back on bridge 0.
    pub fn heal(&self) -> Result<()> {
        for node in 0..self.nodes {
            ip(&[
                "link",
                "set",
                &self.data_link(node),
                "master",
                &self.bridge(0),
            ])?;
        }
        Ok(())
    }

    /// The command prefix that runs a program in node `i`'s namespace.
    pub fn exec_prefix(&self, i: usize) -> Vec<String> {
        vec!["netns".into(), "exec".into(), self.namespace(i)]
    }
}

impl Drop for Netns {
    /// Removes what was made, newest first: namespaces (their veth ends go with them), then
    /// links and bridges. Errors are ignored: a link may already be gone with its namespace.
    fn drop(&mut self) {
        while let Some(undo) = self.created.pop() {
            let _ = match undo {
                Undo::Namespace(ns) => ip(&["netns", "delete", &ns]),
                Undo::Link(link) => ip(&["link", "delete", &link]),
            };
        }
    }
}
