//! `--format` parsing and dispatch.

use lamsim_reports::{Format, render};

use crate::fixtures;

#[test]
fn every_documented_name_parses_and_prints_back() {
    for (name, format) in [
        ("table", Format::Table),
        ("json", Format::Json),
        ("markdown", Format::Markdown),
        ("csv", Format::Csv),
    ] {
        assert_eq!(name.parse::<Format>(), Ok(format));
        assert_eq!(format.to_string(), name);
    }
    assert_eq!(Format::ALL.len(), 4);
    assert_eq!(Format::default(), Format::Table);
}

#[test]
fn an_unknown_name_is_rejected_with_the_choices() {
    for bad in ["xml", "", "Table", "JSON", " csv"] {
        let err = bad.parse::<Format>().unwrap_err();
        assert_eq!(err.given, bad);
        let msg = err.to_string();
        assert!(msg.contains(&format!("`{bad}`")), "{msg}");
        assert!(msg.contains("table, json, markdown, csv"), "{msg}");
    }
}

#[test]
fn render_uses_the_exporter_of_the_format() {
    let s = fixtures::three_functions();
    for format in Format::ALL {
        assert_eq!(render(&s, format), format.exporter().render(&s));
    }
    assert!(render(&s, Format::Json).starts_with('{'));
    assert!(render(&s, Format::Csv).starts_with("function,"));
    assert!(render(&s, Format::Markdown).starts_with("## "));
    assert!(render(&s, Format::Table).starts_with("lamsim 0.1.0, seed 42"));
}

#[test]
fn write_sends_exactly_the_rendered_text() {
    let s = fixtures::one_function_priced();
    for format in Format::ALL {
        let mut buf = Vec::new();
        lamsim_reports::write(&s, format, &mut buf).unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), render(&s, format));
    }
}

#[test]
fn every_output_ends_with_one_newline() {
    for (name, s) in fixtures::all() {
        for format in Format::ALL {
            let out = render(&s, format);
            assert!(out.ends_with('\n'), "{name} {format}");
            assert!(!out.ends_with("\n\n"), "{name} {format}");
        }
    }
}
