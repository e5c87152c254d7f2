//! The native half of the `entrad` Python package (`entrad._entrad`): a thin
//! binding of entrad-auth and entrad-graph. Every decision about tokens,
//! caches and Graph stays in those crates; this crate turns Python arguments
//! into their builders, waits on their futures with the GIL released, and
//! turns their results and errors into Python objects. The Python modules
//! beside it (`python/entrad`) give MSAL's and azure-core's shapes.

mod construct;
mod errors;
mod graph;
mod json;
mod logging;
mod msal;
mod results;
mod runtime;
mod source;
mod transport;

use pyo3::prelude::*;

/// `entrad._entrad`.
#[pymodule]
fn _entrad(module: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install();
    runtime::watch_forks(module)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // Benchmarks refuse a debug build (bench/python.sh).
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    module.add("__build__", build)?;
    module.add_class::<source::TokenClient>()?;
    module.add_class::<msal::MsalClient>()?;
    module.add_class::<graph::GraphClient>()?;
    module.add_class::<graph::Items>()?;
    module.add_function(wrap_pyfunction!(construct::confidential_client, module)?)?;
    module.add_function(wrap_pyfunction!(
        construct::managed_identity_client,
        module
    )?)?;
    module.add_function(wrap_pyfunction!(construct::chain_client, module)?)?;
    module.add_function(wrap_pyfunction!(construct::parameters_client, module)?)?;
    Ok(())
}
