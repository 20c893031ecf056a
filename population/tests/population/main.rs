//! Integration tests of `[[population]]`: reading each kind, placing arrivals inside minutes,
//! selecting members, errors, the synthetic generator. One file per behaviour.

mod azure2019_reading;
mod config_errors;
mod minute_arrivals;
mod request_tables;
mod resolved_population;
mod selection;
mod support;
mod synthesis;
