//! What the kernel accounts for a process: CPU time (utime + stime, all
//! threads, from /proc/PID/stat) and resident memory (VmRSS).

use std::time::Duration;

use anyhow::Context;

/// Clock ticks per second of /proc/PID/stat.
fn ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 { hz as u64 } else { 100 }
}

/// CPU time a process has used so far, user and system, all its threads.
pub fn cpu_time(pid: u32) -> anyhow::Result<Duration> {
    let stat =
        std::fs::read_to_string(format!("/proc/{pid}/stat")).with_context(|| format!("reading /proc/{pid}/stat"))?;
    // The command name (field 2) is in parentheses and may hold spaces:
    // count fields after the last ')'. utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).context("malformed /proc stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| -> anyhow::Result<u64> {
        fields
            .get(n - 3)
            .context("short /proc stat")?
            .parse()
            .context("non-numeric /proc stat field")
    };
    let ticks = field(14)? + field(15)?;
    Ok(Duration::from_nanos(ticks * 1_000_000_000 / ticks_per_second()))
}

/// The `cpu` line of /proc/stat, in ticks: user nice system idle iowait
/// irq softirq steal ...
fn machine_ticks() -> anyhow::Result<Vec<u64>> {
    let stat = std::fs::read_to_string("/proc/stat").context("reading /proc/stat")?;
    let line = stat
        .lines()
        .find(|l| l.starts_with("cpu "))
        .context("no cpu line in /proc/stat")?;
    let ticks: Vec<u64> = line.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    anyhow::ensure!(ticks.len() >= 8, "short cpu line in /proc/stat");
    Ok(ticks)
}

fn ticks_to_time(ticks: u64) -> Duration {
    Duration::from_nanos(ticks * 1_000_000_000 / ticks_per_second())
}

/// CPU time the whole machine has spent busy (all cores, every process):
/// everything in /proc/stat's `cpu` line but idle and iowait.
pub fn machine_busy() -> anyhow::Result<Duration> {
    let ticks = machine_ticks()?;
    // Leave out idle (3) and iowait (4).
    let busy: u64 = ticks
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, t)| t)
        .sum();
    Ok(ticks_to_time(busy))
}

/// (steal, all) CPU time of the whole machine: steal is time a virtual
/// CPU was ready but the hypervisor ran something else.
pub fn machine_steal() -> anyhow::Result<(Duration, Duration)> {
    let ticks = machine_ticks()?;
    Ok((ticks_to_time(ticks[7]), ticks_to_time(ticks.iter().sum())))
}

/// Resident set size in bytes.
pub fn rss_bytes(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS in /proc status")?;
    Ok(kb * 1024)
}

/// Proportional set size in bytes: shared pages divided among their users,
/// so a page that several guests map from one artifact counts once.
pub fn pss_bytes(pid: u32) -> anyhow::Result<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .with_context(|| format!("reading /proc/{pid}/smaps_rollup"))?;
    let kb: u64 = rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no Pss in /proc smaps_rollup")?;
    Ok(kb * 1024)
}

/// The CPU model, core count and kernel, for the report.
pub fn machine_description() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| format!(", {} GiB RAM", (kb + (1 << 19)) >> 20))
        .unwrap_or_default();
    format!("{cores} cores ({model}){memory}, Linux {}", kernel.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let me = std::process::id();
        assert!(rss_bytes(me).unwrap() > 0);
        let before = cpu_time(me).unwrap();
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(50) {
            std::hint::black_box(0u64);
        }
        assert!(cpu_time(me).unwrap() >= before);
        assert!(machine_busy().unwrap() > Duration::ZERO);
    }
}
