//! python_runtime
