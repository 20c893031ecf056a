//! cpu_quota
