//! keep_alive
