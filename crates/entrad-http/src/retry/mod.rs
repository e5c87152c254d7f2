//! When to try a failed request again, and how long to wait: one policy
//! type, one loop ([`run`]) and the statuses each service is retried on
//! ([`StatusSet`]), for the token service, managed identity endpoints and
//! Graph alike.

mod policy;
mod run;
mod statuses;

pub use policy::RetryPolicy;
pub use run::{Attempt, Failed, run};
pub(crate) use run::{parse_retry_after, retry_after};
pub use statuses::StatusSet;
