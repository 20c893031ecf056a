//! Exporters for lamsim results: terminal table, JSON, Markdown and CSV.
#![warn(missing_docs)]
