//! Number formatting shared by the human-readable exporters (table and Markdown).
//!
//! Machine formats (JSON, CSV) print raw values instead: ratios as fractions, costs unrounded.

/// Formats a decimal quantity (milliseconds, GB-s, instance counts) with a precision that
/// follows its magnitude: 1 decimal from 100 up, 2 decimals from 1 up, 3 below 1, and `0` for
/// zero. Thousands are separated by commas.
///
/// ```
/// use lamsim_reports::num::decimal;
/// assert_eq!(decimal(412.34), "412.3");
/// assert_eq!(decimal(12.345678), "12.35");
/// assert_eq!(decimal(0.1234), "0.123");
/// assert_eq!(decimal(12345.67), "12,345.7");
/// assert_eq!(decimal(0.0), "0");
/// ```
pub fn decimal(v: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    if !v.is_finite() {
        return v.to_string();
    }
    let a = v.abs();
    let decimals = if a >= 100.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        3
    };
    group_thousands(&format!("{v:.decimals$}"))
}

/// Formats a count. Counts are means over replicates, so they may be fractional: whole numbers
/// print without decimals, others with one. Thousands are separated by commas.
///
/// ```
/// use lamsim_reports::num::count;
/// assert_eq!(count(180000.0), "180,000");
/// assert_eq!(count(1234.26), "1,234.3");
/// assert_eq!(count(7.0), "7");
/// ```
pub fn count(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v.fract() == 0.0 {
        group_thousands(&format!("{v:.0}"))
    } else {
        group_thousands(&format!("{v:.1}"))
    }
}

/// Formats a ratio (a fraction of 1) as a percentage: two decimals from 0.1 % up, two
/// significant digits below, and `0%` for zero.
///
/// ```
/// use lamsim_reports::num::percent;
/// assert_eq!(percent(0.0123), "1.23%");
/// assert_eq!(percent(1.0), "100.00%");
/// assert_eq!(percent(0.00005), "0.0050%");
/// assert_eq!(percent(0.0), "0%");
/// ```
pub fn percent(ratio: f64) -> String {
    if ratio == 0.0 {
        return "0%".to_string();
    }
    if !ratio.is_finite() {
        return format!("{ratio}%");
    }
    let p = ratio * 100.0;
    let a = p.abs();
    let decimals = if a >= 0.1 {
        2
    } else {
        // Two significant digits: 0.05 → 3 decimals, 0.0012 → 4.
        (1 - a.log10().floor() as i32).max(2) as usize
    };
    format!("{p:.decimals$}%")
}

/// Formats US dollars rounded to cents, with thousands separated by commas.
///
/// ```
/// use lamsim_reports::num::usd;
/// assert_eq!(usd(1234.5678), "$1,234.57");
/// assert_eq!(usd(0.004), "$0.00");
/// assert_eq!(usd(-2.5), "-$2.50");
/// ```
pub fn usd(v: f64) -> String {
    if !v.is_finite() {
        return format!("${v}");
    }
    let s = group_thousands(&format!("{:.2}", v.abs()));
    // `-0.004` rounds to zero cents: no sign then.
    if v < 0.0 && s != "0.00" {
        format!("-${s}")
    } else {
        format!("${s}")
    }
}

/// Money: cents from a dollar up ([`usd`]), four significant digits below (a short window's
/// bill, one function's share).
///
/// ```
/// use lamsim_reports::num::money;
/// assert_eq!(money(1234.5678), "$1,234.57");
/// assert_eq!(money(0.000123456), "$0.0001235");
/// ```
pub fn money(v: f64) -> String {
    if v != 0.0 && v.abs() < 1.0 {
        let digits = (3 - v.abs().log10().floor() as i32).clamp(2, 12) as usize;
        let s = format!("${:.*}", digits, v.abs());
        if v < 0.0 { format!("-{s}") } else { s }
    } else {
        usd(v)
    }
}

/// Appends a 95 % confidence interval to a formatted value, each bound formatted the same
/// way: `1.23% [1.10%, 1.35%]`. Without an interval, returns the value alone.
///
/// ```
/// use lamsim_reports::num::{percent, with_ci};
/// assert_eq!(with_ci(0.0123, Some([0.011, 0.0135]), percent), "1.23% [1.10%, 1.35%]");
/// assert_eq!(with_ci(0.0123, None, percent), "1.23%");
/// ```
pub fn with_ci(v: f64, ci95: Option<[f64; 2]>, fmt: impl Fn(f64) -> String) -> String {
    match ci95 {
        Some([lo, hi]) => format!("{} [{}, {}]", fmt(v), fmt(lo), fmt(hi)),
        None => fmt(v),
    }
}

/// Inserts commas every three digits in the integer part of a formatted number.
fn group_thousands(s: &str) -> String {
    let (sign, rest) = match s.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", s),
    };
    let (int, frac) = match rest.find('.') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let mut out = String::with_capacity(s.len() + int.len() / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(frac);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped_by_three_from_the_decimal_point() {
        assert_eq!(group_thousands("1"), "1");
        assert_eq!(group_thousands("123"), "123");
        assert_eq!(group_thousands("1234"), "1,234");
        assert_eq!(group_thousands("123456.789"), "123,456.789");
        assert_eq!(group_thousands("-1234567.5"), "-1,234,567.5");
    }

    #[test]
    fn decimals_follow_magnitude_at_the_boundaries() {
        assert_eq!(decimal(100.0), "100.0");
        assert_eq!(decimal(99.994), "99.99");
        assert_eq!(decimal(1.0), "1.00");
        assert_eq!(decimal(0.9994), "0.999");
        assert_eq!(decimal(0.0004), "0.000");
        assert_eq!(decimal(-12.5), "-12.50");
    }

    #[test]
    fn small_percentages_keep_two_significant_digits() {
        assert_eq!(percent(0.001), "0.10%");
        assert_eq!(percent(0.0005), "0.050%");
        assert_eq!(percent(0.000012), "0.0012%");
        assert_eq!(percent(0.5), "50.00%");
    }

    #[test]
    fn fractional_counts_keep_one_decimal() {
        assert_eq!(count(0.5), "0.5");
        assert_eq!(count(1234567.0), "1,234,567");
    }
}
