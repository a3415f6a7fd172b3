//! Files for download that the web pages and the command line both produce, so that the
//! two give a data team the same workbook.
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use waymark_domain::marac_return::{self, DataReturn};

/// The MIME type of an Excel workbook.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// How one figure of the return goes into a cell.
#[derive(Clone, Debug, PartialEq)]
enum Cell<'a> {
    /// A whole count, written as a number so that a data team can add it up.
    Number(f64),
    /// Anything else, written as text: never a formula, whatever it starts with.
    Text(&'a str),
}

/// A count the return printed as digits, or a rate printed as digits with one decimal
/// ("33.3"), is a number; everything else (a percentage, an empty cell, a label) stays
/// text.
fn cell(s: &str) -> Cell<'_> {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let number = match s.split_once('.') {
        None => digits(s),
        Some((whole, tenths)) => digits(whole) && tenths.len() == 1 && digits(tenths),
    };
    match s.parse::<f64>() {
        Ok(n) if number && s.len() <= 12 => Cell::Number(n),
        _ => Cell::Text(s),
    }
}

fn write(
    sheet: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    value: &str,
) -> Result<(), XlsxError> {
    match cell(value) {
        Cell::Number(n) => sheet.write_number(row, col, n)?,
        // `write_string` stores a string cell: a leading "=" is text, not a formula.
        Cell::Text(s) => sheet.write_string(row, col, s)?,
    };
    Ok(())
}

/// The Marac data return as an Excel workbook: the Marac's name and the period, then one
/// row per figure (figure, count, percent, unknown), as the page and the CSV give them.
/// Every string is written as text, never as a formula.
pub fn marac_return_xlsx(r: &DataReturn, marac_name: &str) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Marac data return")?;
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(0, 0, "Marac", &bold)?;
    sheet.write_string(0, 1, marac_name)?;
    sheet.write_string_with_format(1, 0, "Period", &bold)?;
    sheet.write_string(1, 1, format!("{} to {}", r.from, r.to))?;
    for (col, head) in (0u16..).zip(["Figure", "Count", "Percent", "Unknown"]) {
        sheet.write_string_with_format(3, col, head, &bold)?;
    }
    for (row, (label, count, percent, unknown)) in (4u32..).zip(marac_return::rows(r)) {
        sheet.write_string(row, 0, &label)?;
        write(sheet, row, 1, &count)?;
        sheet.write_string(row, 2, &percent)?;
        write(sheet, row, 3, &unknown)?;
    }
    sheet.set_column_width(0, 48)?;
    book.save_to_buffer()
}

/// The file name of a downloaded return: the period only, never a name or a case.
pub fn marac_return_file_name(r: &DataReturn, extension: &str) -> String {
    format!("marac-return-{}-{}.{extension}", r.from, r.to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn only_counts_become_numbers() {
        assert_eq!(cell("12"), Cell::Number(12.0));
        assert_eq!(cell("0"), Cell::Number(0.0));
        assert_eq!(cell("33.3"), Cell::Number(33.3));
        assert_eq!(cell("33."), Cell::Text("33."));
        assert_eq!(cell(".3"), Cell::Text(".3"));
        assert_eq!(cell("1.25"), Cell::Text("1.25"));
        assert_eq!(cell(""), Cell::Text(""));
        assert_eq!(cell("28.6%"), Cell::Text("28.6%"));
        // Signs, spaces, exponents and the like are text, and so is anything a
        // spreadsheet could take for a formula.
        assert_eq!(cell("+1"), Cell::Text("+1"));
        assert_eq!(cell("=1+1"), Cell::Text("=1+1"));
        assert_eq!(cell("1e3"), Cell::Text("1e3"));
        assert_eq!(cell("NaN"), Cell::Text("NaN"));
    }

    #[test]
    fn the_workbook_is_a_zip_named_by_period_only() {
        let r =
            marac_return::data_return(&[], &[], &[], date!(2026 - 07 - 01), date!(2026 - 09 - 30))
                .unwrap();
        let bytes = marac_return_xlsx(&r, "=HYPERLINK(\"x\")").unwrap();
        assert!(bytes.starts_with(b"PK"));
        assert_eq!(
            marac_return_file_name(&r, "xlsx"),
            "marac-return-2026-07-01-2026-09-30.xlsx"
        );
    }
}
