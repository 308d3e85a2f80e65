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
        sweep_leftovers();
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

    /// The data bridges a partition into `groups` needs: one per group and one per node in
    /// no group (alone, as the simulator's partitions have it).
    pub fn bridges_for(groups: &[Vec<u64>], nodes: usize) -> usize {
        let listed: std::collections::BTreeSet<u64> = groups.iter().flatten().copied().collect();
        groups.len() + (0..nodes as u64).filter(|n| !listed.contains(n)).count()
    }

    /// Cuts the network into `groups` (node indices): each group's data links move to its own
    /// bridge, and each node in no group to a bridge of its own.
    pub fn partition(&self, groups: &[Vec<u64>]) -> Result<()> {
        let needed = Self::bridges_for(groups, self.nodes);
        if needed > self.data_bridges {
            bail!(
                "a partition needing {needed} bridges, {} made",
                self.data_bridges
            );
        }
        let mut bridge_of = vec![None; self.nodes];
        for (group, members) in groups.iter().enumerate() {
            for &node in members {
                if let Some(slot) = bridge_of.get_mut(node as usize) {
                    *slot = Some(group);
                }
            }
        }
        let mut next_alone = groups.len();
        for (node, bridge) in bridge_of.into_iter().enumerate() {
            let bridge = bridge.unwrap_or_else(|| {
                next_alone += 1;
                next_alone - 1
            });
            ip(&[
                "link",
                "set",
                &self.data_link(node),
                "master",
                &self.bridge(bridge),
            ])?;
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

/// Whether process `pid` is alive.
fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// The pid a name of ours carries (`shardnode-<pid>-<i>`, `snb<pid>-<g>`, `snk<pid>`,
/// `snd<pid>-<i>`, `snc<pid>-<i>`), if it is one of ours.
fn pid_of(name: &str) -> Option<u32> {
    let rest = name.strip_prefix("shardnode-").or_else(|| {
        ["snb", "snk", "snd", "snc"]
            .iter()
            .find_map(|p| name.strip_prefix(p))
    })?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

fn ip_output(args: &[&str]) -> String {
    Command::new("ip")
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// Removes the namespaces and links of cluster runs whose process is gone: a cluster killed
/// with SIGKILL never ran its `Drop` (its nodes died with it, by the parent-death signal, but
/// its namespaces and bridges stayed).
fn sweep_leftovers() {
    for line in ip_output(&["netns", "list"]).lines() {
        let Some(ns) = line.split_whitespace().next() else {
            continue;
        };
        if ns.starts_with("shardnode-") && pid_of(ns).is_some_and(|pid| !alive(pid)) {
            let _ = ip(&["netns", "delete", ns]);
        }
    }
    // `ip -o link` lines read "7: snb123-0: <...>", a veth end "9: snd123-0@if8: <...>".
    for line in ip_output(&["-o", "link"]).lines() {
        let Some(name) = line.split(':').nth(1).map(str::trim) else {
            continue;
        };
        let name = name.split('@').next().unwrap_or(name);
        if name.starts_with("sn") && pid_of(name).is_some_and(|pid| !alive(pid)) {
            let _ = ip(&["link", "delete", name]);
        }
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
