//! The one home of tabular output: a [`Table`] (units in its headers, numeric columns
//! right-aligned) rendered for a terminal ([`Table::to_text`], drawn by `comfy-table`), as a
//! GitHub-flavoured Markdown table ([`Table::to_markdown`]) or as CSV ([`Table::to_csv`]);
//! and [`csv_text`], the CSV writer (the `csv` crate, RFC 4180 quoting) of every CSV file
//! lamsim writes.

use std::fmt::Write as _;

use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement};

/// A table with units in its headers; `right` says which columns are numbers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Column headers.
    pub header: Vec<String>,
    /// Right-aligned (numeric) columns.
    pub right: Vec<bool>,
    /// Cells, one vector per row.
    pub rows: Vec<Vec<String>>,
    /// Rows to highlight (a recommendation), parallel to `rows`: bold in Markdown and HTML,
    /// as is on a terminal.
    pub highlight: Vec<bool>,
}

impl Table {
    /// An empty table of the columns `(header, right_aligned)`.
    pub fn new(columns: &[(&str, bool)]) -> Self {
        Table {
            header: columns.iter().map(|c| c.0.to_string()).collect(),
            right: columns.iter().map(|c| c.1).collect(),
            ..Table::default()
        }
    }

    /// Appends a row (one cell per column).
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len(), "one cell per column");
        self.rows.push(cells);
        self.highlight.push(false);
    }

    /// Highlights the last row when `on`.
    pub fn highlight_last(&mut self, on: bool) {
        if let Some(last) = self.highlight.last_mut() {
            *last = on;
        }
    }

    /// The table for a terminal: columns as wide as their widest cell, two spaces apart, text
    /// left-aligned and numbers right-aligned, a dashed rule under the header; ASCII only, no
    /// colours, no wrapping, no trailing spaces. Ends with a newline.
    pub fn to_text(&self) -> String {
        let mut t = comfy_table::Table::new();
        // Only the rule under the header (the 6th of the 19 style characters) is drawn.
        t.load_preset("     -             ")
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(&self.header);
        for row in &self.rows {
            t.add_row(row);
        }
        let last = self.header.len().saturating_sub(1);
        for (c, column) in t.column_iter_mut().enumerate() {
            column.set_padding((if c == 0 { 0 } else { 1 }, if c == last { 0 } else { 1 }));
            column.set_constraint(ColumnConstraint::ContentWidth);
            if self.right[c] {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        let mut out = String::new();
        for line in t.lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// The table in GitHub-flavoured Markdown: numeric columns right-aligned (`---:`), cells
    /// escaped for a table (see [`markdown_cell`]), highlighted rows in bold. Ends with a
    /// newline.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let line = |out: &mut String, cells: &mut dyn Iterator<Item = String>| {
            let cells: Vec<String> = cells.collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        };
        line(&mut out, &mut self.header.iter().map(|h| markdown_cell(h)));
        let rule: Vec<&str> = self
            .right
            .iter()
            .map(|r| if *r { "---:" } else { "---" })
            .collect();
        let _ = writeln!(out, "|{}|", rule.join("|"));
        for (row, hl) in self.rows.iter().zip(&self.highlight) {
            line(
                &mut out,
                &mut row.iter().map(|c| {
                    let c = markdown_cell(c);
                    if *hl && !c.is_empty() {
                        format!("**{c}**")
                    } else {
                        c
                    }
                }),
            );
        }
        out
    }

    /// The header and the rows as CSV ([`csv_text`]).
    pub fn to_csv(&self) -> String {
        csv_text(std::iter::once(&self.header).chain(&self.rows))
    }
}

/// A cell escaped for a GFM table: `|` (a cell separator, even inside a code span) becomes
/// `\|`, and a line break (which would end the row) a space.
pub fn markdown_cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Records as CSV text: fields separated by commas, quoted per RFC 4180 (a field holding a
/// comma, a double quote, a carriage return or a line feed is enclosed in double quotes, inner
/// quotes doubled), each record ending with `\n`. Every CSV file lamsim writes goes through
/// here.
pub fn csv_text<R, F>(records: impl IntoIterator<Item = R>) -> String
where
    R: IntoIterator<Item = F>,
    F: AsRef<[u8]>,
{
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .flexible(true)
        .from_writer(Vec::new());
    for r in records {
        w.write_record(r)
            .expect("writing CSV to memory cannot fail");
    }
    let bytes = w.into_inner().expect("writing CSV to memory cannot fail");
    String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(s: &str) -> String {
        csv_text([["a", s]]).trim_end_matches('\n')[2..].to_string()
    }

    #[test]
    fn plain_csv_fields_are_not_quoted() {
        assert_eq!(field("api"), "api");
        assert_eq!(field("x86_64"), "x86_64");
        assert_eq!(field(""), "");
        assert_eq!(field("has space"), "has space");
        assert_eq!(field("1.5e-7"), "1.5e-7");
    }

    #[test]
    fn special_csv_fields_are_quoted_with_inner_quotes_doubled() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("cr\r"), "\"cr\r\"");
    }

    #[test]
    fn csv_records_end_with_a_line_feed() {
        assert_eq!(csv_text([["a", "b"], ["1", "2"]]), "a,b\n1,2\n");
    }

    fn sample() -> Table {
        let mut t = Table::new(&[("function", false), ("memory (MB)", true), ("note", false)]);
        t.row(vec!["api".into(), "128".into(), "a|b".into()]);
        t.row(vec!["worker-long".into(), "10240".into(), String::new()]);
        t.highlight_last(true);
        t
    }

    #[test]
    fn text_columns_are_aligned_two_spaces_apart_without_trailing_spaces() {
        let text = sample().to_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "function     memory (MB)  note");
        assert!(lines[1].chars().all(|c| c == '-'), "{text}");
        assert_eq!(lines[2], "api                  128  a|b");
        assert_eq!(lines[3], "worker-long        10240");
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn markdown_escapes_pipes_and_bolds_highlighted_rows() {
        assert_eq!(
            sample().to_markdown(),
            "| function | memory (MB) | note |\n|---|---:|---|\n| api | 128 | a\\|b |\n\
             | **worker-long** | **10240** |  |\n"
        );
        assert_eq!(markdown_cell("a\nb"), "a b");
    }
}
