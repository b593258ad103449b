//! Host bindings for the `armature:module` contract, generated from `wit/`.
//! Imports are async (a dependency call awaits another resource) and
//! trappable (a host bug or a bad handle traps the guest, never the host).
//! The resources a guest holds (`deps.dependency`, `serial.port`) are
//! generated as marker types: the capability that hands one out keeps its
//! own state in the Store's table under the same handle (see
//! `capabilities::table`), so this layer needs to know none of them.
//!
//! Every contract version is served by one set of bindings. Each world
//! includes the one before it unchanged and adds interfaces (0.2.0 exports
//! and imports, 0.2.1 one import), so the bindings of the newest hold every
//! type of all; a 0.1.0 component simply lacks the exports 0.2.0 added, and
//! a component of 0.2.0 the import 0.2.1 added. [`ModulePre`] therefore loads the entry points
//! interface by interface ([`Module`]), the added ones only when the
//! component speaks 0.2.0, instead of the generated world struct, which
//! would refuse a 0.1.0 component.

use wasmtime::AsContextMut;
use wasmtime::component::{Instance, InstancePre};

mod generated {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "armature:module/module@0.2.1",
        imports: { default: async | trappable },
        exports: { default: async },
    });
}

pub use generated::Module as World;

/// The imported interfaces, under version-free paths: 0.1.0's, and those
/// 0.2.0 and 0.2.1 added.
pub mod armature {
    pub mod module {
        pub use super::super::generated::armature::module0_1_0::*;
        pub use super::super::generated::armature::module0_2_0::*;
        pub use super::super::generated::armature::module0_2_1::*;
    }
}

/// The exported interfaces, under version-free paths.
pub mod exports {
    pub mod armature {
        pub mod module {
            pub use super::super::super::generated::exports::armature::module0_1_0::*;
            pub use super::super::super::generated::exports::armature::module0_2_0::*;
        }
    }
}

pub use armature::module::types::{Error as GuestError, ErrorCode, Node, Value};
pub use exports::armature::module::model::{
    Config as GuestConfig, Dependencies as GuestDependencies, ModelInfo, ReconfigureOutcome,
};

/// What entering the guest yields: a trap (`Err`, the Store is dead) or the
/// guest's own answer.
pub type Answer<T> = wasmtime::Result<Result<T, GuestError>>;

/// The contract versions this host serves, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Contract {
    V0_1,
    V0_2,
    /// 0.2.0 and typed calls on a vision service.
    V0_2_1,
}

impl Contract {
    pub const PACKAGE: &'static str = "armature:module";
    pub const ALL: [Contract; 3] = [Contract::V0_1, Contract::V0_2, Contract::V0_2_1];

    pub fn version(self) -> semver::Version {
        match self {
            Contract::V0_1 => semver::Version::new(0, 1, 0),
            Contract::V0_2 => semver::Version::new(0, 2, 0),
            Contract::V0_2_1 => semver::Version::new(0, 2, 1),
        }
    }

    pub fn newest() -> Contract {
        Contract::ALL[Contract::ALL.len() - 1]
    }
}

/// Declares, for each set of exported interfaces, the struct of its loaded
/// entry points and the struct of their indices in a pre-linked component.
macro_rules! guests {
    ($(#[$doc:meta])* $guest:ident, $indices:ident { $($name:ident),* $(,)? }) => {
        $(#[$doc])*
        pub struct $guest {
            $(pub $name: exports::armature::module::$name::Guest,)*
        }

        #[derive(Clone)]
        struct $indices {
            $($name: exports::armature::module::$name::GuestIndices,)*
        }

        impl $indices {
            fn new<T: 'static>(pre: &InstancePre<T>) -> wasmtime::Result<Self> {
                Ok(Self { $($name: exports::armature::module::$name::GuestIndices::new(pre)?,)* })
            }

            fn load(&self, mut store: impl AsContextMut, instance: &Instance) -> wasmtime::Result<$guest> {
                Ok($guest { $($name: self.$name.load(&mut store, instance)?,)* })
            }
        }
    };
}

guests!(
    /// The entry points of contract 0.1.0, which every component has.
    Module, ModuleIndices { model, sensor, movement_sensor, camera, motor, servo, encoder, board }
);

guests!(
    /// The entry points contract 0.2.0 added.
    Added, AddedIndices { lifecycle, arm, base, gripper, gantry, power_sensor, switch, button, vision }
);

/// A component's entry points: those of 0.1.0, and those 0.2.0 added when
/// it speaks 0.2.0.
pub struct Guest {
    pub v1: Module,
    pub added: Option<Added>,
}

/// A component, pre-linked: instantiating it is then only the instance
/// itself, no name lookups.
pub struct ModulePre<T: 'static> {
    instance_pre: InstancePre<T>,
    contract: Contract,
    v1: ModuleIndices,
    added: Option<AddedIndices>,
}

impl<T: 'static> Clone for ModulePre<T> {
    fn clone(&self) -> Self {
        Self {
            instance_pre: self.instance_pre.clone(),
            contract: self.contract,
            v1: self.v1.clone(),
            added: self.added.clone(),
        }
    }
}

impl<T: Send + 'static> ModulePre<T> {
    /// Finds the entry points of `contract` in a pre-linked component; a
    /// missing one is an error naming it.
    pub fn new(instance_pre: InstancePre<T>, contract: Contract) -> wasmtime::Result<Self> {
        let v1 = ModuleIndices::new(&instance_pre)?;
        let added = match contract >= Contract::V0_2 {
            true => Some(AddedIndices::new(&instance_pre)?),
            false => None,
        };
        Ok(Self {
            instance_pre,
            contract,
            v1,
            added,
        })
    }

    pub fn instance_pre(&self) -> &InstancePre<T> {
        &self.instance_pre
    }

    pub fn contract(&self) -> Contract {
        self.contract
    }

    pub async fn instantiate_async(&self, mut store: impl AsContextMut<Data = T>) -> wasmtime::Result<Guest> {
        let instance = self.instance_pre.instantiate_async(&mut store).await?;
        let v1 = self.v1.load(&mut store, &instance)?;
        let added = match &self.added {
            Some(indices) => Some(indices.load(&mut store, &instance)?),
            None => None,
        };
        Ok(Guest { v1, added })
    }
}
