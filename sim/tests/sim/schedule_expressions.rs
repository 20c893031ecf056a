//! EventBridge schedule expressions fire when EventBridge would. Every cron expression is
//! checked against an independent reference: a minute-by-minute walk over a civil calendar
//! written here (no chrono), where each field of the expression is a literal predicate written
//! by hand. Some firing lists are also worked out by hand in comments.

use lamsim_sim::schedule::{Field, Schedule, parse, parse_utc};

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in(y: i64, m: i64) -> i64 {
    match m {
        2 if leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// One minute of the calendar, with what the fields look at.
#[derive(Clone, Copy, Debug)]
struct Minute {
    y: i64,
    mo: i64,
    d: i64,
    h: i64,
    mi: i64,
    /// 1 = Sunday … 7 = Saturday.
    dow: i64,
    /// Days in this month.
    dim: i64,
}

impl Minute {
    /// The day of the week (1 = Sunday) of day `n` of this month.
    fn dow_of(&self, n: i64) -> i64 {
        (self.dow - 1 + n - self.d).rem_euclid(7) + 1
    }

    /// The weekday nearest day `n` within this month (None when the month has no day n).
    fn nearest_weekday(&self, n: i64) -> Option<i64> {
        if n > self.dim {
            return None;
        }
        Some(match self.dow_of(n) {
            7 if n == 1 => 3,
            7 => n - 1,
            1 if n == self.dim => n - 2,
            1 => n + 1,
            _ => n,
        })
    }
}

/// Every minute from Jan 1 of `first` to Dec 31 of `last` (UTC) matching `pred`, as seconds
/// since the Unix epoch.
fn brute_force(first: i64, last: i64, pred: impl Fn(&Minute) -> bool) -> Vec<i64> {
    let mut out = Vec::new();
    for y in first..=last {
        for mo in 1..=12 {
            for d in 1..=days_in(y, mo) {
                let days = days_from_civil(y, mo, d);
                // 1970-01-01 was a Thursday (5 with Sunday = 1).
                let dow = (days + 4).rem_euclid(7) + 1;
                for h in 0..24 {
                    for mi in 0..60 {
                        let m = Minute {
                            y,
                            mo,
                            d,
                            h,
                            mi,
                            dow,
                            dim: days_in(y, mo),
                        };
                        if pred(&m) {
                            out.push(days * 86_400 + h * 3600 + mi * 60);
                        }
                    }
                }
            }
        }
    }
    out
}

/// The firings of `s` from Jan 1 of `first` to Dec 31 of `last`, by stepping `next_after`.
fn stepped(s: &Schedule, first: i64, last: i64) -> Vec<i64> {
    let from = days_from_civil(first, 1, 1) * 86_400;
    let to = days_from_civil(last + 1, 1, 1) * 86_400;
    let mut out = Vec::new();
    let mut t = from - 1;
    while let Some(n) = s.next_after(t, 0) {
        if n >= to {
            break;
        }
        assert!(n > t, "{s}: {n} does not follow {t}");
        out.push(n);
        t = n;
    }
    out
}

fn utc(text: &str) -> i64 {
    parse_utc(text).unwrap()
}

/// Checks `expr` against the reference `pred` over the years `first..=last`, and that
/// `count_between` agrees; returns the firings.
#[track_caller]
fn check(expr: &str, first: i64, last: i64, pred: impl Fn(&Minute) -> bool) -> Vec<i64> {
    let s = parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    let expect = brute_force(first, last, pred);
    let got = stepped(&s, first, last);
    assert!(!expect.is_empty(), "{expr}: the reference never fires");
    if got != expect {
        let i = got.iter().zip(&expect).take_while(|(a, b)| a == b).count();
        panic!(
            "{expr}: {} firings, reference {}; first difference at #{i}: got {:?}, reference {:?}",
            got.len(),
            expect.len(),
            got.get(i).map(|&t| lamsim_sim::schedule::format_utc(t)),
            expect.get(i).map(|&t| lamsim_sim::schedule::format_utc(t)),
        );
    }
    let from = days_from_civil(first, 1, 1) * 86_400;
    let to = days_from_civil(last + 1, 1, 1) * 86_400;
    assert_eq!(s.count_between(from, to, 0), got.len() as u64, "{expr}");
    got
}

fn dates(times: &[i64]) -> Vec<String> {
    times
        .iter()
        .map(|&t| lamsim_sim::schedule::format_utc(t))
        .collect()
}

#[test]
fn weekday_mornings_are_monday_to_friday() {
    let v = check("cron(0 9 ? * MON-FRI *)", 2026, 2026, |m| {
        m.mi == 0 && m.h == 9 && (2..=6).contains(&m.dow)
    });
    // 2026 has 365 days starting on a Thursday: 52 weeks + Thursday = 261 weekdays.
    assert_eq!(v.len(), 261);
    assert_eq!(
        dates(&v[..2]),
        ["2026-01-01T09:00:00Z", "2026-01-02T09:00:00Z"]
    );
    // The third is Monday the 5th (3 and 4 January are a weekend).
    assert_eq!(dates(&v[2..3]), ["2026-01-05T09:00:00Z"]);
}

#[test]
fn steps_ranges_and_lists_combine() {
    check("cron(*/15 * * * ? *)", 2026, 2026, |m| m.mi % 15 == 0);
    check("cron(5/20 8-10 ? * 1,7 *)", 2026, 2026, |m| {
        [5, 25, 45].contains(&m.mi) && (8..=10).contains(&m.h) && (m.dow == 1 || m.dow == 7)
    });
    check("cron(0 12 1/10 * ? *)", 2026, 2026, |m| {
        m.mi == 0 && m.h == 12 && [1, 11, 21, 31].contains(&m.d)
    });
    check("cron(0,30 0-23/6 ? * SUN,wed-fri *)", 2026, 2026, |m| {
        (m.mi == 0 || m.mi == 30) && m.h % 6 == 0 && [1, 4, 5, 6].contains(&m.dow)
    });
    check("cron(0 0 1 */5 ? 2026/2)", 2026, 2031, |m| {
        m.mi == 0 && m.h == 0 && m.d == 1 && [1, 6, 11].contains(&m.mo) && m.y % 2 == 0
    });
}

#[test]
fn month_names_and_years_limit_the_calendar() {
    let v = check("cron(0 0 1 JAN,jul ? 2027-2029)", 2026, 2030, |m| {
        m.mi == 0
            && m.h == 0
            && m.d == 1
            && (m.mo == 1 || m.mo == 7)
            && (2027..=2029).contains(&m.y)
    });
    assert_eq!(v.len(), 6);
    assert_eq!(dates(&v[..1]), ["2027-01-01T00:00:00Z"]);
    check("cron(59 23 31 DEC ? *)", 2026, 2028, |m| {
        m.mi == 59 && m.h == 23 && m.d == 31 && m.mo == 12
    });
    // After its last year a schedule never fires again.
    let s = parse("cron(0 0 1 JAN ? 2027-2029)").unwrap();
    assert_eq!(s.next_after(utc("2029-01-01T00:00:00Z"), 0), None);
    let end = parse("cron(0 0 * * ? *)").unwrap();
    assert_eq!(
        end.next_after(utc("2199-12-30T12:00:00Z"), 0),
        Some(utc("2199-12-31T00:00:00Z"))
    );
    assert_eq!(end.next_after(utc("2199-12-31T00:00:00Z"), 0), None);
}

#[test]
fn leap_days_fire_only_in_leap_years() {
    let v = check("cron(0 0 29 FEB ? *)", 2023, 2033, |m| {
        m.mi == 0 && m.h == 0 && m.d == 29 && m.mo == 2
    });
    assert_eq!(
        dates(&v),
        [
            "2024-02-29T00:00:00Z",
            "2028-02-29T00:00:00Z",
            "2032-02-29T00:00:00Z"
        ]
    );
    // 2100 is not a leap year; 2000 was.
    let s = parse("cron(0 0 29 2 ? *)").unwrap();
    assert_eq!(
        s.next_after(utc("2096-03-01T00:00:00Z"), 0),
        Some(utc("2104-02-29T00:00:00Z"))
    );
    assert_eq!(
        s.next_after(utc("1999-01-01T00:00:00Z"), 0),
        Some(utc("2000-02-29T00:00:00Z"))
    );
}

#[test]
fn l_is_the_last_day_of_the_month() {
    let v = check("cron(0 0 L * ? *)", 2023, 2025, |m| {
        m.mi == 0 && m.h == 0 && m.d == m.dim
    });
    assert_eq!(v.len(), 36);
    // February's last day: the 28th, then the 29th in 2024.
    let febs: Vec<String> = dates(&v)
        .into_iter()
        .filter(|d| d.contains("-02-"))
        .collect();
    assert_eq!(
        febs,
        [
            "2023-02-28T00:00:00Z",
            "2024-02-29T00:00:00Z",
            "2025-02-28T00:00:00Z"
        ]
    );
    // L in day-of-week alone is the last day of the week, Saturday.
    check("cron(0 8 ? * L *)", 2026, 2026, |m| {
        m.mi == 0 && m.h == 8 && m.dow == 7
    });
}

#[test]
fn lw_is_the_last_weekday_of_the_month() {
    let v = check("cron(30 23 LW * ? *)", 2026, 2027, |m| {
        let last = m.dim;
        let lw = match m.dow_of(last) {
            7 => last - 1,
            1 => last - 2,
            _ => last,
        };
        m.mi == 30 && m.h == 23 && m.d == lw
    });
    // 2026: January 31 is a Saturday (so the 30th), May 31 a Sunday (so the 29th).
    assert_eq!(dates(&v[..1]), ["2026-01-30T23:30:00Z"]);
    assert_eq!(dates(&v[4..5]), ["2026-05-29T23:30:00Z"]);
}

#[test]
fn w_is_the_nearest_weekday_within_the_month() {
    let v = check("cron(0 12 15W * ? *)", 2026, 2027, |m| {
        m.mi == 0 && m.h == 12 && Some(m.d) == m.nearest_weekday(15)
    });
    // By hand, 2026: Jan 15 is a Thursday (15), Feb 15 a Sunday (16), Mar 15 a Sunday (16),
    // Apr 15 a Wednesday, May 15 a Friday, Jun 15 a Monday, Jul 15 a Wednesday, Aug 15 a
    // Saturday (14).
    let days: Vec<String> = dates(&v[..8])
        .iter()
        .map(|d| d[5..10].to_string())
        .collect();
    assert_eq!(
        days,
        [
            "01-15", "02-16", "03-16", "04-15", "05-15", "06-15", "07-15", "08-14"
        ]
    );
    // 1W never leaves the month: August 1 2026 is a Saturday, so Monday the 3rd.
    let v = check("cron(0 6 1W * ? *)", 2026, 2027, |m| {
        m.mi == 0 && m.h == 6 && Some(m.d) == m.nearest_weekday(1)
    });
    assert!(dates(&v).contains(&"2026-08-03T06:00:00Z".to_string()));
    // 31W: only months with 31 days; May 31 2026 is a Sunday, so Friday the 29th.
    let v = check("cron(0 6 31W * ? *)", 2026, 2027, |m| {
        m.mi == 0 && m.h == 6 && Some(m.d) == m.nearest_weekday(31)
    });
    assert_eq!(v.len(), 14);
    assert!(dates(&v).contains(&"2026-05-29T06:00:00Z".to_string()));
}

#[test]
fn nl_is_the_last_such_day_of_the_month() {
    let v = check("cron(0 18 ? * 6L *)", 2026, 2026, |m| {
        m.mi == 0 && m.h == 18 && m.dow == 6 && m.d + 7 > m.dim
    });
    // The last Fridays of 2026, by hand from Friday 2 January (every 28 or 35 days).
    let days: Vec<String> = dates(&v).iter().map(|d| d[5..10].to_string()).collect();
    assert_eq!(
        days,
        [
            "01-30", "02-27", "03-27", "04-24", "05-29", "06-26", "07-31", "08-28", "09-25",
            "10-30", "11-27", "12-25"
        ]
    );
}

#[test]
fn hash_is_the_nth_such_day_of_the_month() {
    let v = check("cron(0 10 ? * 3#2 *)", 2026, 2026, |m| {
        m.mi == 0 && m.h == 10 && m.dow == 3 && (m.d - 1) / 7 == 1
    });
    // January 2026: Tuesdays are the 6th, 13th, …: the second is the 13th.
    assert_eq!(dates(&v[..1]), ["2026-01-13T10:00:00Z"]);
    // A fifth Monday exists in only some months.
    let v = check("cron(0 10 ? * MON#5 *)", 2026, 2027, |m| {
        m.mi == 0 && m.h == 10 && m.dow == 2 && m.d > 28
    });
    assert!(v.len() < 24 && v.len() >= 4, "{}", v.len());
}

#[test]
fn rate_fires_at_the_origin_and_every_period() {
    let origin = utc("2026-01-01T00:00:00Z");
    let five = parse("rate(5 minutes)").unwrap();
    assert_eq!(five.next_after(origin - 1000, origin), Some(origin));
    assert_eq!(five.next_after(origin, origin), Some(origin + 300));
    assert_eq!(five.next_after(origin + 299, origin), Some(origin + 300));
    // 30 days of 5-minute periods: 30 × 24 × 12 = 8,640.
    assert_eq!(
        five.count_between(origin, origin + 30 * 86_400, origin),
        8_640
    );
    let day = parse("rate(1 day)").unwrap();
    assert_eq!(day.next_after(origin + 1, origin), Some(origin + 86_400));
    // [1 s, 1 d) holds no firing: the next one is exactly at its (exclusive) end.
    assert_eq!(day.count_between(origin + 1, origin + 86_400, origin), 0);
    assert_eq!(day.count_between(origin + 1, origin + 2, origin), 0);
    assert_eq!(day.count_between(origin, origin + 1, origin), 1);
    assert_eq!(day.rate_period_s(), Some(86_400));
    // [12 h, 10 d): days 1 … 9.
    assert_eq!(
        day.count_between(origin + 43_200, origin + 10 * 86_400, origin),
        9
    );
    for (expr, period) in [
        ("rate(1 minute)", 60),
        ("rate(7 minutes)", 420),
        ("rate(1 hour)", 3600),
        ("rate(12 hours)", 43_200),
        ("rate(2 days)", 172_800),
    ] {
        assert_eq!(parse(expr).unwrap().rate_period_s(), Some(period), "{expr}");
    }
    assert_eq!(parse("cron(0 12 * * ? *)").unwrap().rate_period_s(), None);
}

#[test]
fn the_expression_is_kept_as_written() {
    let s = parse("  cron(0 9 ? * MON-FRI *) ").unwrap();
    assert_eq!(s.as_str(), "cron(0 9 ? * MON-FRI *)");
    assert_eq!(s.to_string(), "cron(0 9 ? * MON-FRI *)");
}

/// The error of `expr`, which must name `field` and contain `msg`.
#[track_caller]
fn bad(expr: &str, field: Option<Field>, msg: &str) {
    let e = parse(expr).expect_err(expr);
    assert_eq!(e.field, field, "{expr}: {e}");
    assert!(
        e.message.contains(msg),
        "{expr}: {:?} lacks {msg:?}",
        e.message
    );
    if let Some(f) = field {
        assert!(e.message.contains(f.name()), "{expr}: {e}");
    }
}

#[test]
fn each_bad_field_is_named() {
    bad(
        "cron(60 12 * * ? *)",
        Some(Field::Minutes),
        "60 is outside 0-59",
    );
    bad(
        "cron(0 24 * * ? *)",
        Some(Field::Hours),
        "24 is outside 0-23",
    );
    bad(
        "cron(0 12 32 * ? *)",
        Some(Field::DayOfMonth),
        "32 is outside 1-31",
    );
    bad(
        "cron(0 12 0 * ? *)",
        Some(Field::DayOfMonth),
        "0 is outside 1-31",
    );
    bad(
        "cron(0 12 * 13 ? *)",
        Some(Field::Month),
        "13 is outside 1-12",
    );
    bad(
        "cron(0 12 * FOO ? *)",
        Some(Field::Month),
        "\"FOO\" is not a value of month",
    );
    bad(
        "cron(0 12 ? * 8 *)",
        Some(Field::DayOfWeek),
        "8 is outside 1-7",
    );
    bad(
        "cron(0 12 ? * 0 *)",
        Some(Field::DayOfWeek),
        "0 is outside 1-7",
    );
    bad("cron(0 12 ? * MON/2 *)", Some(Field::DayOfWeek), "`/`");
    bad(
        "cron(0 12 * * ? 1969)",
        Some(Field::Year),
        "1969 is outside 1970-2199",
    );
    bad(
        "cron(0 12 * * ? 2200)",
        Some(Field::Year),
        "2200 is outside 1970-2199",
    );
    bad(
        "cron(0 12 10-5 * ? *)",
        Some(Field::DayOfMonth),
        "goes backwards",
    );
    bad("cron(0/0 12 * * ? *)", Some(Field::Minutes), "increment");
    bad("cron(1,,2 12 * * ? *)", Some(Field::Minutes), "empty item");
    bad(
        "cron(0 12 L-2 * ? *)",
        Some(Field::DayOfMonth),
        "stand alone",
    );
    bad(
        "cron(0 12 1-5W * ? *)",
        Some(Field::DayOfMonth),
        "single day",
    );
    bad(
        "cron(0 12 ? * 3#1,6#3 *)",
        Some(Field::DayOfWeek),
        "single expression",
    );
    bad("cron(0 12 ? * 3#6 *)", Some(Field::DayOfWeek), "1-5");
    bad(
        "cron(0 12 ? * 2-6L *)",
        Some(Field::DayOfWeek),
        "single day",
    );
    bad(
        "cron(0 L * * ? *)",
        Some(Field::Hours),
        "`L` is not allowed",
    );
    bad(
        "cron(? 12 * * ? *)",
        Some(Field::Minutes),
        "`?` is allowed only",
    );
    bad(
        "cron(0 12 * * * *)",
        Some(Field::DayOfWeek),
        "one of them must be `?`",
    );
    bad(
        "cron(0 12 1 * MON *)",
        Some(Field::DayOfWeek),
        "one of them must be `?`",
    );
    bad("cron(0 12 ? * ? *)", Some(Field::DayOfWeek), "both `?`");
}

#[test]
fn wrong_forms_show_the_right_one() {
    for (expr, msg) in [
        ("cron(0 12 * * ?)", "6 fields"),
        ("cron(0 0 12 * * ? *)", "found 7"),
        ("cron()", "found 0"),
    ] {
        let e = parse(expr).expect_err(expr);
        assert_eq!(e.field, None, "{expr}");
        assert!(e.message.contains(msg), "{expr}: {e}");
        assert!(e.hint.contains("cron(0 12 * * ? *)"), "{expr}: {}", e.hint);
    }
    for (expr, msg) in [
        ("rate(1 minutes)", "singular (minute)"),
        ("rate(1 days)", "singular (day)"),
        ("rate(5 minute)", "plural (minutes)"),
        ("rate(2 hour)", "plural (hours)"),
        ("rate(0 minutes)", "whole number ≥ 1"),
        ("rate(-5 minutes)", "whole number ≥ 1"),
        ("rate(1.5 hours)", "whole number ≥ 1"),
        ("rate(5 seconds)", "unknown rate unit \"seconds\""),
        ("rate(5)", "a value and a unit"),
        ("rate(5 minutes later)", "a value and a unit"),
    ] {
        let e = parse(expr).expect_err(expr);
        assert!(e.message.contains(msg), "{expr}: {e}");
        assert!(e.hint.contains("rate(5 minutes)"), "{expr}: {}", e.hint);
    }
    for expr in [
        "every 5 minutes",
        "Rate(5 minutes)",
        "cron(0 12 * * ? *",
        "at(2026-01-01T00:00:00)",
    ] {
        let e = parse(expr).expect_err(expr);
        assert!(
            e.message.contains("expected rate(…) or cron(…)"),
            "{expr}: {e}"
        );
        assert!(
            e.hint.contains("rate(5 minutes)") && e.hint.contains("cron(0 12 * * ? *)"),
            "{expr}: {}",
            e.hint
        );
    }
}

#[test]
fn counting_agrees_with_stepping_on_windows_that_cut_days() {
    // `next_after` is checked against the reference above; `count_between` must give as many
    // firings on windows that start and end inside a day (its partial-day path).
    let windows = [
        ("2026-03-02T12:34:17Z", "2026-03-09T05:10:00Z"),
        ("2026-03-02T09:00:00Z", "2026-03-02T09:00:01Z"),
        ("2026-03-02T09:00:01Z", "2026-03-02T17:56:00Z"),
        ("2026-01-31T23:30:00Z", "2026-02-01T00:00:00Z"),
        ("2026-02-27T18:00:00Z", "2026-03-31T23:59:59Z"),
    ];
    for expr in [
        "cron(*/7 9-17 ? * MON-FRI *)",
        "cron(0 0 L * ? *)",
        "cron(30 23 * * ? *)",
        "cron(0/20 * * * ? *)",
        "cron(15,45 6,18 ? * 6L *)",
    ] {
        let s = parse(expr).unwrap();
        for (a, b) in windows {
            let (from, to) = (utc(a), utc(b));
            let mut n = 0;
            let mut t = from - 1;
            while let Some(x) = s.next_after(t, 0).filter(|&x| x < to) {
                n += 1;
                t = x;
            }
            assert_eq!(s.count_between(from, to, 0), n, "{expr} in [{a}, {b})");
        }
    }
    // Hand-counted: */7 in hours 9-17 on Monday 2 March is 9 hours × 9 firings (0, 7, …, 56),
    // less 09:00 (before the window) and 17:56 (its exclusive end): 79.
    let s = parse("cron(*/7 9-17 ? * MON-FRI *)").unwrap();
    assert_eq!(
        s.count_between(utc("2026-03-02T09:00:01Z"), utc("2026-03-02T17:56:00Z"), 0),
        79
    );
}
