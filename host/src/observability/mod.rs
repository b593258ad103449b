//! What the host tells about itself: Prometheus metrics (`/metrics`) and
//! the latest log lines (for the panel's log view).

pub mod escape;
pub mod event_fields;
pub mod log_buffer;
pub mod metrics;
