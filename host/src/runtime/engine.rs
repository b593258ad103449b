//! The one wasmtime `Engine` of the process, and the epoch ticker that
//! drives every sandbox's CPU deadline.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::{Config, Engine};

use super::incremental::FunctionCache;

/// How often the engine's epoch advances: the granularity of deadlines, and
/// how often a long-running guest yields its thread to other work — the
/// longest a short call can wait behind a busy guest on the same thread.
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

/// Advances the engine's epoch every [`EPOCH_TICK`] until the engine is dropped.
pub fn spawn_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("armature-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .expect("spawning the epoch thread at start-up");
}
