//! The Store's table holds the state behind each handle a guest has. The
//! WIT bindings (`core::bindings`) name a handle by a marker type of the
//! interface (`deps::Dependency`, `serial::Port`); the capability that hands
//! it out keeps its own state under the same index. Looking a handle up
//! checks the type, so a handle of one kind passed as another is an error
//! (the guest traps), never a confusion.

use wasmtime::component::{Resource, ResourceTable, ResourceTableError};

/// Keeps `state` in the table, and gives the guest a handle to it typed as
/// the WIT resource `W`.
pub fn push<W: 'static, T: Send + 'static>(
    table: &mut ResourceTable,
    state: T,
) -> Result<Resource<W>, ResourceTableError> {
    Ok(Resource::new_own(table.push(state)?.rep()))
}

/// The state behind a guest's handle.
pub fn get<'a, T: 'static, W: 'static>(
    table: &'a ResourceTable,
    handle: &Resource<W>,
) -> Result<&'a T, ResourceTableError> {
    table.get(&Resource::<T>::new_borrow(handle.rep()))
}

/// Takes the state behind a handle the guest dropped out of the table.
pub fn delete<T: 'static, W: 'static>(table: &mut ResourceTable, handle: Resource<W>) -> Result<T, ResourceTableError> {
    table.delete(Resource::<T>::new_own(handle.rep()))
}
