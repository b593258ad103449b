//! The one wasmtime `Engine` of the process, and the epoch ticker that
//! drives every sandbox's CPU deadline.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wasmtime::{Config, Engine};

use super::incremental::FunctionCache;
use super::wall_clock::nanos;

/// How often the engine's epoch advances while a guest computes: the
/// granularity of deadlines, and how often a long-running guest yields its
/// thread to other work — the longest a short call waits behind a busy
/// guest on the same thread, once that guest has been caught computing
/// (before, up to [`CALM_TICK`]).
pub const EPOCH_TICK: Duration = Duration::from_millis(1);

/// Whether guest calls have deadlines. Always on in service; off only to
/// measure what the checks cost (`armature run --no-call-deadlines`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadlines {
    On,
    Off,
}

/// Builds the engine every sandbox shares; with a cache folder, compiled
/// functions are kept there for the next version of a module.
pub fn build_engine(deadlines: Deadlines, cache_dir: Option<&Path>) -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    if let Some(dir) = cache_dir {
        config.enable_incremental_compilation(Arc::new(FunctionCache::new(dir)))?;
    }
    config
        .wasm_component_model(true)
        // Deadlines: cheap checks at loop heads, advanced by `spawn_epoch_ticker`.
        .epoch_interruption(deadlines == Deadlines::On)
        // The component-model-async machinery costs about 3x on every plain
        // call (measured: 565 ns vs 986 ns for get-readings); no guest of
        // ours uses WASIp3 or async lifts.
        .concurrency_support(false)
        // Guest stack overflow traps at 512 KiB; the rest of the 2 MiB fiber
        // stack is headroom for host frames under a guest call.
        .max_wasm_stack(512 << 10)
        // No wasm backtraces on traps: a stack overflow made the host walk
        // and symbolize tens of thousands of frames on a thread that serves
        // other resources (healthy p99 13x worse beside a trapping guest;
        // 1.3x without). The trap kind and the guest's panic message say
        // what happened.
        .wasm_backtrace_max_frames(None)
        .async_stack_size(2 << 20);
    Engine::new(&config)
}

/// Advances the engine's epoch until the engine is dropped: every
/// [`EPOCH_TICK`] while a guest computes, every [`CALM_TICK`] while guest
/// calls are short, every [`IDLE_TICK`] once none has been entered for
/// [`IDLE_AFTER`].
///
/// A tick is a thread waking up, which on this project's VM costs about
/// 40-60 µs of CPU (the vCPU leaves its halt): at 1 kHz the ticker alone
/// kept an idle host at about 4 % of a core, and added 10-25 µs of CPU to
/// every call of a client calling in sequence. Yet a guest call normally
/// ends within microseconds, long before any tick: the fast tick is only
/// wanted while some guest computes. A guest that is still running when the
/// epoch moves reaches its epoch check, which tells the ticker
/// ([`guest_computing`]) and so brings back the fast tick at once; until
/// then a new long call waits at most one [`CALM_TICK`] for its first check
/// (its first yield to the calls beside it). Every guest entry calls
/// [`guest_entered`], which wakes an idle ticker, so a call never waits a
/// 100 ms tick for its first check. A guest entered before the ticker idled
/// and still running (one long computation on an otherwise silent machine)
/// is checked every [`IDLE_TICK`] instead: its deadline is kept to that
/// precision, and the next call to arrive restores the fast tick.
pub fn spawn_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    let thread = std::thread::Builder::new()
        .name("armature-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                if TICKER.idle_now() {
                    std::thread::park_timeout(IDLE_TICK);
                    TICKER.idle.store(false, Ordering::SeqCst);
                } else if TICKER.calm_now() {
                    std::thread::park_timeout(CALM_TICK);
                    TICKER.calm.store(false, Ordering::SeqCst);
                } else {
                    std::thread::sleep(EPOCH_TICK);
                }
            }
        })
        .expect("spawning the epoch thread at start-up");
    TICKER
        .threads
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(thread.thread().clone());
}

/// The ticker's period while guests are entered but none has been caught
/// computing: how long a call that starts computing can run before its
/// first epoch check.
pub const CALM_TICK: Duration = Duration::from_millis(5);

/// With no guest entered for this long, the ticker slows down.
pub const IDLE_AFTER: Duration = Duration::from_secs(1);

/// The idle ticker's period.
pub const IDLE_TICK: Duration = Duration::from_millis(100);

/// Notes a guest entry: keeps the ticker at [`EPOCH_TICK`], and wakes it if
/// it idles. On every guest call, so mostly a read: see [`Ticker::entered`].
pub fn guest_entered(now: Instant) {
    TICKER.entered(nanos(now));
}

/// Notes, from a guest's epoch check, that the guest entered at `entered`
/// is still running at `now`. One that has run for a fast tick or longer is
/// computing: the ticker goes (or stays) fast. A short call that merely
/// happened to be inside when the epoch moved changes nothing.
pub fn guest_computing(entered: Instant, now: Instant) {
    if runs_long(entered, now) {
        TICKER.computing();
    }
}

fn runs_long(entered: Instant, now: Instant) -> bool {
    now.saturating_duration_since(entered) >= EPOCH_TICK
}

static TICKER: Ticker = Ticker {
    last_entry: AtomicU64::new(0),
    idle: AtomicBool::new(false),
    computing: AtomicBool::new(false),
    calm: AtomicBool::new(false),
    threads: Mutex::new(Vec::new()),
};

struct Ticker {
    /// The latest guest entry (`wall_clock::nanos`), kept to [`FRESH`].
    last_entry: AtomicU64,
    /// The ticker is (about to be) parked for [`IDLE_TICK`].
    idle: AtomicBool,
    /// A guest was caught computing since the ticker last looked.
    computing: AtomicBool,
    /// The ticker is (about to be) parked for [`CALM_TICK`].
    calm: AtomicBool,
    /// One per engine (tests build several); a finished one's handle is
    /// harmless to unpark. With several, one ticker waking can clear `idle`
    /// while another still sleeps; that one then ticks at [`IDLE_TICK`]
    /// until its own wake, which bounds the harm to one slow tick.
    threads: Mutex<Vec<std::thread::Thread>>,
}

/// An entry this close to the last one noted leaves it be: under load the
/// shared line is then only read, not written by every call on every core.
const FRESH: Duration = Duration::from_millis(1);

impl Ticker {
    /// A fresh `last_entry` keeps the ticker from idling (it looks for one a
    /// second old), and any `idle` set while it was fresh is cleared by the
    /// entry that wrote it (the race below), so only a stale one is written.
    fn entered(&self, at: u64) {
        if at.saturating_sub(self.last_entry.load(Ordering::Relaxed)) < nanos_of(FRESH) {
            return;
        }
        self.last_entry.store(at, Ordering::SeqCst);
        if self.idle.load(Ordering::SeqCst) && self.idle.swap(false, Ordering::SeqCst) {
            self.unpark_all();
        }
    }

    /// Whether to idle: no entry for [`IDLE_AFTER`]. Sets `idle`, then looks
    /// at the latest entry again, so an entry racing with the decision
    /// either sees `idle` (and unparks) or is seen here (both SeqCst).
    fn idle_now(&self) -> bool {
        self.idle_at(|| nanos(Instant::now()))
    }

    /// Whether to tick calmly: no guest caught computing since the last
    /// look. The same handshake as [`Ticker::idle_at`]: `calm` is set, then
    /// `computing` looked at again, so a guest caught racing with the
    /// decision either is seen here or sees `calm` (and unparks).
    fn calm_now(&self) -> bool {
        if self.computing.swap(false, Ordering::SeqCst) {
            return false;
        }
        self.calm.store(true, Ordering::SeqCst);
        if self.computing.swap(false, Ordering::SeqCst) {
            self.calm.store(false, Ordering::SeqCst);
            return false;
        }
        true
    }

    /// A guest computes: the fast tick, now.
    fn computing(&self) {
        self.computing.store(true, Ordering::SeqCst);
        if self.calm.load(Ordering::SeqCst) && self.calm.swap(false, Ordering::SeqCst) {
            self.unpark_all();
        }
    }

    fn unpark_all(&self) {
        for t in self.threads.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            t.unpark();
        }
    }

    fn idle_at(&self, now: impl Fn() -> u64) -> bool {
        let quiet = || now().saturating_sub(self.last_entry.load(Ordering::SeqCst)) > nanos_of(IDLE_AFTER);
        if !quiet() {
            return false;
        }
        self.idle.store(true, Ordering::SeqCst);
        if quiet() {
            return true;
        }
        self.idle.store(false, Ordering::SeqCst);
        false
    }
}

fn nanos_of(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticker(last_entry: u64) -> Ticker {
        Ticker {
            last_entry: AtomicU64::new(last_entry),
            idle: AtomicBool::new(false),
            computing: AtomicBool::new(false),
            calm: AtomicBool::new(false),
            threads: Mutex::new(Vec::new()),
        }
    }

    #[test]
    fn idles_only_after_a_quiet_second() {
        let t = ticker(5);
        assert!(!t.idle_at(|| 5 + nanos_of(IDLE_AFTER)), "not yet");
        assert!(!t.idle.load(Ordering::SeqCst));
        assert!(t.idle_at(|| 6 + nanos_of(IDLE_AFTER)));
        assert!(t.idle.load(Ordering::SeqCst), "an entry from now on unparks it");
    }

    #[test]
    fn an_entry_racing_with_the_decision_keeps_it_ticking() {
        let t = ticker(0);
        let late = 2 * nanos_of(IDLE_AFTER);
        // The first look finds the machine quiet; an entry lands before
        // the second look, which sees it.
        let looks = std::cell::Cell::new(0);
        let idle = t.idle_at(|| {
            looks.set(looks.get() + 1);
            if looks.get() == 2 {
                t.last_entry.store(late, Ordering::SeqCst);
            }
            late
        });
        assert!(!idle);
        assert!(!t.idle.load(Ordering::SeqCst));
    }

    #[test]
    fn calm_until_a_guest_is_caught_computing() {
        let t = ticker(0);
        assert!(t.calm_now(), "nothing computed: the calm tick");
        assert!(t.calm.load(Ordering::SeqCst));
        let parked = std::thread::spawn(|| std::thread::park_timeout(Duration::from_secs(30)));
        t.threads.lock().unwrap().push(parked.thread().clone());
        let started = Instant::now();
        t.computing();
        assert!(!t.calm.load(Ordering::SeqCst), "the catch cleared the flag");
        parked.join().unwrap();
        assert!(started.elapsed() < Duration::from_secs(20), "and unparked the ticker");
        assert!(!t.calm_now(), "the fast tick after a catch");
        assert!(t.calm_now(), "and calm again once nothing more was caught");
    }

    #[test]
    fn a_guest_caught_before_the_calm_decision_keeps_it_fast() {
        let t = ticker(0);
        t.computing();
        assert!(!t.calm_now());
        assert!(!t.calm.load(Ordering::SeqCst), "not left calm");
    }

    #[test]
    fn only_a_guest_running_a_fast_tick_or_longer_is_computing() {
        let entered = Instant::now();
        assert!(
            !runs_long(entered, entered + EPOCH_TICK / 2),
            "a short call the tick happened to catch"
        );
        assert!(runs_long(entered, entered + EPOCH_TICK));
        assert!(
            !runs_long(entered + EPOCH_TICK, entered),
            "a clock read before the entry"
        );
    }

    #[test]
    fn a_stale_entry_wakes_an_idle_ticker_and_a_fresh_one_writes_nothing() {
        let t = ticker(0);
        let parked = std::thread::spawn(|| std::thread::park_timeout(Duration::from_secs(30)));
        t.threads.lock().unwrap().push(parked.thread().clone());
        t.idle.store(true, Ordering::SeqCst);
        let at = 2 * nanos_of(IDLE_AFTER);
        let started = Instant::now();
        t.entered(at);
        assert!(!t.idle.load(Ordering::SeqCst), "the entry cleared the flag");
        parked.join().unwrap();
        assert!(started.elapsed() < Duration::from_secs(20), "and unparked the ticker");
        assert_eq!(t.last_entry.load(Ordering::SeqCst), at);
        t.entered(at + nanos_of(FRESH) / 2);
        assert_eq!(t.last_entry.load(Ordering::SeqCst), at, "a fresh entry is only read");
        t.entered(at + nanos_of(FRESH));
        assert_eq!(t.last_entry.load(Ordering::SeqCst), at + nanos_of(FRESH));
    }
}
