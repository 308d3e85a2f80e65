//! A real Prometheus beside the cluster: `prometheus.yml` scraping every node's `/metrics`
//! (written for every run, so any Prometheus can be pointed at it), and with `--prometheus` a
//! `prometheus` server started on it if one is installed (Debian's package), on a free
//! loopback port, stopped with the nodes.

use super::plan::{free_ports, Plan};
use super::process::NodeProcess;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Seconds between scrapes.
pub const SCRAPE_INTERVAL_S: u64 = 1;

/// Writes `DIR/prometheus.yml`: one scrape target per node, labelled `node`.
pub fn write_config(plan: &Plan) -> Result<PathBuf> {
    let mut text = format!(
        "# Written by `shardnode cluster`: scrapes every node's /metrics.\n\
         global:\n  scrape_interval: {SCRAPE_INTERVAL_S}s\n  evaluation_interval: {SCRAPE_INTERVAL_S}s\n\
         scrape_configs:\n  - job_name: shardnode\n    static_configs:\n"
    );
    for node in &plan.nodes {
        text += &format!(
            "      - targets: ['{}']\n        labels:\n          node: '{}'\n",
            node.metrics, node.index
        );
    }
    let path = plan.out.join("prometheus.yml");
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// The `prometheus` executable on `PATH`, if any.
pub fn find_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("prometheus"))
        .find(|candidate| candidate.is_file())
}

/// A Prometheus server this cluster started.
pub struct PrometheusServer {
    pub process: NodeProcess,
    pub url: String,
}

/// Starts `prometheus` on `config`, its data under `DIR/prometheus-data`, its log in
/// `DIR/prometheus.log`, and writes its URL to `DIR/prometheus.url`.
pub fn start(binary: &Path, plan: &Plan, config: &Path) -> Result<PrometheusServer> {
    let port = free_ports(1)?[0];
    let url = format!("http://127.0.0.1:{port}");
    let args = vec![
        format!("--config.file={}", config.display()),
        format!(
            "--storage.tsdb.path={}",
            plan.out.join("prometheus-data").display()
        ),
        format!("--web.listen-address=127.0.0.1:{port}"),
    ];
    let process = NodeProcess::start_program(binary, &args, &plan.out.join("prometheus.log"))?;
    std::fs::write(plan.out.join("prometheus.url"), &url)?;
    Ok(PrometheusServer { process, url })
}
