//! Node processes of a cluster: started with their output in their log file, told to die with
//! the cluster (Linux's parent-death signal, so even a `kill -9` of the cluster leaves no
//! orphan), stopped with SIGTERM and, after a grace period, SIGKILL. Only processes this
//! cluster started are ever signalled, by their pid.

use anyhow::{Context, Result};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A running node process.
#[derive(Debug)]
pub struct NodeProcess {
    child: Child,
}

impl NodeProcess {
    /// Starts `shardnode node --config settings`, appending its output to `log`; with `ip`
    /// arguments (`netns exec NAME`), inside that network namespace (`ip` execs the node, so
    /// the pid is the node's).
    pub fn start(settings: &Path, log: &Path, ip: Option<&[String]>) -> Result<Self> {
        let exe = std::env::current_exe().context("cannot find the shardnode executable")?;
        let mut command = match ip {
            Some(prefix) => {
                let mut c = Command::new("ip");
                c.args(prefix).arg(exe);
                c
            }
            None => Command::new(exe),
        };
        command.arg("node").arg("--config").arg(settings);
        Self::spawn(command, log)
    }

    /// Starts another program of the cluster (a Prometheus server) under the same rules.
    pub fn start_program(program: &Path, args: &[String], log: &Path) -> Result<Self> {
        let mut command = Command::new(program);
        command.args(args);
        Self::spawn(command, log)
    }

    fn spawn(mut command: Command, log: &Path) -> Result<Self> {
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("cannot open {}", log.display()))?;
        let err = out.try_clone()?;
        command.stdin(Stdio::null()).stdout(out).stderr(err);
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::process::CommandExt;
            // SAFETY: between fork and exec only async-signal-safe calls are made: prctl and
            // getppid, which touch no memory of the parent.
            unsafe {
                command.pre_exec(|| {
                    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    // The cluster may have died before the prctl took effect.
                    if libc::getppid() == 1 {
                        return Err(std::io::Error::other("the cluster is gone"));
                    }
                    Ok(())
                });
            }
        }
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {:?}", command.get_program()))?;
        Ok(Self { child })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the process has ended.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    fn signal(&self, signal: i32) {
        #[cfg(unix)]
        {
            // SAFETY: kill only sends a signal, to the pid of our own child.
            unsafe {
                libc::kill(self.child.id() as libc::pid_t, signal);
            }
        }
    }

    /// SIGKILL at once (a crash), and reaps it.
    pub fn kill(&mut self) {
        self.signal(libc::SIGKILL);
        let _ = self.child.wait();
    }

    /// SIGTERM, then SIGKILL if it has not ended within `grace`.
    pub fn stop(&mut self, grace: Duration) -> Option<ExitStatus> {
        if let Some(status) = self.exited() {
            return Some(status);
        }
        self.signal(libc::SIGTERM);
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        self.exited()
    }
}

impl Drop for NodeProcess {
    /// A cluster that unwinds never leaves a node behind.
    fn drop(&mut self) {
        if self.exited().is_none() {
            self.kill();
        }
    }
}

/// CPU seconds (user + system) and peak resident memory (bytes) of process `pid`, from /proc.
pub fn usage(pid: u32) -> Option<(f64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf reads a constant.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let hwm_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some((ticks as f64 / per_second, hwm_kb * 1024))
}
