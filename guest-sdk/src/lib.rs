//! # armature-guest
//!
//! Write Armature modules in Rust. A module is a WebAssembly component that
//! provides models; each model implements [`Model`] (its lifecycle) and the
//! trait of one resource API ([`Sensor`], [`Motor`], ...). One macro,
//! [`export_module!`], exports them:
//!
//! ```ignore
//! use armature_guest::prelude::*;
//!
//! struct Thermometer { celsius: f64 }
//!
//! impl Model for Thermometer {
//!     const MODEL: &'static str = "acme:demo:thermometer";
//!     fn new(config: &Config, _deps: Deps) -> Result<Self> {
//!         Ok(Self { celsius: config.get_or("celsius", 21.0)? })
//!     }
//! }
//!
//! impl Sensor for Thermometer {
//!     fn get_readings(&mut self, _extra: &Map) -> Result<Map> {
//!         Ok(readings! { "temperature" => self.celsius })
//!     }
//! }
//!
//! armature_guest::export_module!(sensor(Thermometer));
//! ```
//!
//! Build with `cargo build --release --target wasm32-wasip2` (or `cargo
//! component build --release`) and drop the `.wasm` into the host's modules
//! folder. The component carries its crate's version (`version` in
//! `Cargo.toml`), which the host and `armature registry push` read.

pub mod api;
pub mod api_v2;
pub mod bindings;
pub mod clients;
mod config;
mod deps;
#[doc(hidden)]
pub mod dispatch;
mod error;
pub mod hardware;
pub mod log;
pub mod value;

pub use api::*;
pub use api_v2::*;
pub use config::{Config, Dependencies};
pub use deps::{Dependency, Deps};
pub use dispatch::ModelEntry;
pub use error::{Error, ErrorCode, Result};
pub use serde_json::{Value as Json, json};
pub use value::Map;

/// Everything a module usually needs.
pub mod prelude {
    pub use crate::api::*;
    pub use crate::api_v2::*;
    pub use crate::hardware::{self, SerialLines, SerialPort, gpio};
    pub use crate::{Config, Dependencies, Dependency, Deps, Error, Json, Map, Result, json, readings};
}

/// Ask the host to call [`Model::tick`] every `period` (at least 10 ms).
/// Ticks stop while the resource is reconfigured or closed, and never run
/// at the same time as another call.
pub fn tick_every(period: std::time::Duration) {
    let ms = period.as_millis().clamp(1, u32::MAX as u128) as u32;
    bindings::armature::module::scheduler::every(ms);
}

/// Stop the ticks asked for with [`tick_every`].
pub fn stop_ticking() {
    bindings::armature::module::scheduler::every(0);
}

/// Build a readings [`Map`]: `readings! { "temperature" => 21.5, "ok" => true }`.
#[macro_export]
macro_rules! readings {
    ($($key:expr => $value:expr),* $(,)?) => {{
        let mut map = $crate::Map::new();
        $( map.insert(::std::string::String::from($key), $crate::json!($value)); )*
        map
    }};
}

/// Export a module's models. Name each model's API and its type:
///
/// ```ignore
/// armature_guest::export_module!(sensor(Thermometer), generic_service(Alerts));
/// ```
///
/// APIs: `sensor`, `movement_sensor`, `camera`, `motor`, `servo`, `encoder`,
/// `board`, `generic_component`, `generic_service`.
///
/// The component carries the crate's version (`CARGO_PKG_VERSION`) in its
/// `version` custom section, where the host and `armature registry push`
/// find it. `export_module!(unversioned; sensor(Thermometer))` leaves it
/// out: the version then comes from the file name (`name@1.2.0.wasm`) or the
/// registry tag.
#[macro_export]
macro_rules! export_module {
    (unversioned; $($api:ident($model:ty)),+ $(,)?) => {
        #[doc(hidden)]
        pub struct __ArmatureModule;

        impl $crate::dispatch::Module for __ArmatureModule {
            fn models() -> ::std::vec::Vec<$crate::ModelEntry> {
                ::std::vec![$($crate::ModelEntry::$api::<$model>()),+]
            }
        }

        $crate::bindings::__export_module_world!(__ArmatureModule with_types_in $crate::bindings::raw);
    };
    ($($api:ident($model:ty)),+ $(,)?) => {
        // A custom section of the core module; wasm-component-ld (and cargo
        // component) keep it inside the component.
        #[cfg(target_family = "wasm")]
        const _: () = {
            #[used]
            #[unsafe(link_section = "version")]
            static VERSION: [u8; ::core::env!("CARGO_PKG_VERSION").len()] =
                $crate::__version_bytes(::core::env!("CARGO_PKG_VERSION"));
        };

        $crate::export_module!(unversioned; $($api($model)),+);
    };
}

/// The bytes of `version`, as a `[u8; N]` a `#[link_section]` static can hold.
#[doc(hidden)]
pub const fn __version_bytes<const N: usize>(version: &str) -> [u8; N] {
    let bytes = version.as_bytes();
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        out[i] = bytes[i];
        i += 1;
    }
    out
}
