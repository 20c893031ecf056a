//! throttling
