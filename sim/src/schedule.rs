//! EventBridge schedule expressions, `rate(5 minutes)` and `cron(0 9 ? * MON-FRI *)`, read
//! and evaluated as Amazon EventBridge (rules and Scheduler) reads them, in UTC.
//!
//! Pure and deterministic: [`parse`] turns the text into a [`Schedule`], and
//! [`Schedule::next_after`] gives the firing that follows a wall-clock time (whole seconds since
//! the Unix epoch, UTC). [`Scheduled`] puts a schedule on the simulation's clock (simulated time
//! 0 is `[simulation] start-at`); it is what `kind = "schedule"` arrivals hold.
//!
//! ```
//! use lamsim_sim::schedule::{parse, parse_utc};
//! let s = parse("cron(0 9 ? * MON-FRI *)").unwrap();
//! let friday = parse_utc("2026-01-02T09:00:00Z").unwrap();
//! // After Friday 09:00 the next weekday at 09:00 is Monday the 5th.
//! assert_eq!(s.next_after(friday, 0), Some(parse_utc("2026-01-05T09:00:00Z").unwrap()));
//! ```
//!
//! The rules, from the EventBridge user guide ("Cron expressions reference", "Rate expressions
//! reference"):
//! - `rate(N unit)`: N a whole number ≥ 1, unit `minute | minutes | hour | hours | day | days`,
//!   singular exactly when N is 1 (`rate(1 minutes)` and `rate(5 minute)` are invalid).
//!   A rate fires at its origin and every period after it.
//! - `cron(minutes hours day-of-month month day-of-week year)`: six fields separated by white
//!   space; minutes 0-59, hours 0-23, day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week
//!   1-7 or SUN-SAT (1 = Sunday), year 1970-2199. Every field takes `,` (list), `-` (range),
//!   `*` (all); `/` (increment: `a/n`, `a-b/n`, `*/n`) in every field but day-of-week;
//!   `?` (any) in day-of-month and day-of-week, and exactly one of the two must be `?`;
//!   day-of-month also takes `L` (last day of the month), `LW` (last weekday of the month) and
//!   `nW` (the weekday nearest day n, within the month; none when the month has no day n);
//!   day-of-week also takes `L` (Saturday, the last day of the week), `nL` (the last day n of
//!   the month) and `n#k` (the k-th day n of the month, k in 1..=5, alone in the field).
//!   A cron expression fires at second 0 of every matching minute.
//!
//! Ranges must go upwards (`FRI-MON` is an error rather than a guess at wrap-around), and
//! names are accepted in any case. No cron crate is used: the Rust ones read Unix crontab
//! (five fields, Sunday = 0, the two day fields combined with OR) or Quartz with a leading
//! seconds field, and none takes EventBridge's six fields with the year last and its `?`
//! rule, so adapting one would need a second parser in front of it. chrono does the calendar
//! arithmetic (weekdays, month lengths, leap years) and reads RFC 3339.

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Weekday};

use crate::time::{NS_PER_S, SimTime};

/// The first year a cron expression can name.
pub const FIRST_YEAR: i32 = 1970;
/// The last year a cron expression can name.
pub const LAST_YEAR: i32 = 2199;
/// A valid rate expression, shown in error hints.
pub const RATE_EXAMPLE: &str = "rate(5 minutes)";
/// A valid cron expression, shown in error hints.
pub const CRON_EXAMPLE: &str = "cron(0 12 * * ? *)";

const RATE_HINT: &str = "write rate(N unit) with N ≥ 1 and unit minute | minutes | hour | hours | day | days (singular only when N is 1), e.g. rate(5 minutes) or rate(1 hour)";
const CRON_HINT: &str = "write cron(minutes hours day-of-month month day-of-week year) in UTC, with `?` in exactly one of day-of-month and day-of-week, e.g. cron(0 12 * * ? *) or cron(0 9 ? * MON-FRI *)";

const SECS_PER_DAY: i64 = 86_400;

/// A field of a cron expression, in the order they are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// Minutes, 0-59.
    Minutes,
    /// Hours, 0-23.
    Hours,
    /// Day of the month, 1-31.
    DayOfMonth,
    /// Month, 1-12 or JAN-DEC.
    Month,
    /// Day of the week, 1-7 or SUN-SAT.
    DayOfWeek,
    /// Year, 1970-2199.
    Year,
}

impl Field {
    /// The six fields, in order.
    pub const ALL: [Field; 6] = [
        Field::Minutes,
        Field::Hours,
        Field::DayOfMonth,
        Field::Month,
        Field::DayOfWeek,
        Field::Year,
    ];

    /// The field's name as the EventBridge guide writes it (`day-of-week`).
    pub fn name(self) -> &'static str {
        match self {
            Field::Minutes => "minutes",
            Field::Hours => "hours",
            Field::DayOfMonth => "day-of-month",
            Field::Month => "month",
            Field::DayOfWeek => "day-of-week",
            Field::Year => "year",
        }
    }

    /// The smallest and largest value.
    fn bounds(self) -> (u32, u32) {
        match self {
            Field::Minutes => (0, 59),
            Field::Hours => (0, 23),
            Field::DayOfMonth => (1, 31),
            Field::Month => (1, 12),
            Field::DayOfWeek => (1, 7),
            Field::Year => (FIRST_YEAR as u32, LAST_YEAR as u32),
        }
    }

    /// The values the field takes, for messages.
    fn values(self) -> String {
        let (lo, hi) = self.bounds();
        match self {
            Field::Month => format!("{lo}-{hi} or JAN-DEC"),
            Field::DayOfWeek => format!("{lo}-{hi} or SUN-SAT, 1 = SUN"),
            _ => format!("{lo}-{hi}"),
        }
    }

    /// Three-letter names (index + 1 = value), for month and day-of-week.
    fn names(self) -> &'static [&'static str] {
        match self {
            Field::Month => &[
                "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
            ],
            Field::DayOfWeek => &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
            _ => &[],
        }
    }
}

/// Why an expression is not a valid schedule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ScheduleError {
    /// The cron field at fault, when one field is.
    pub field: Option<Field>,
    /// What is wrong, naming the field and the text at fault.
    pub message: String,
    /// The form to write, with an example (`rate(5 minutes)`, `cron(0 12 * * ? *)`).
    pub hint: &'static str,
}

impl ScheduleError {
    fn rate(message: String) -> Self {
        ScheduleError {
            field: None,
            message,
            hint: RATE_HINT,
        }
    }

    fn cron(field: Option<Field>, message: String) -> Self {
        ScheduleError {
            field,
            message,
            hint: CRON_HINT,
        }
    }
}

/// A parsed schedule expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    text: String,
    kind: Kind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// `rate(N unit)`: the period in seconds.
    Rate(i64),
    Cron(Box<Cron>),
}

/// A set of field values, as bits indexed by `value - lowest value of the field`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Set {
    lo: u32,
    bits: [u64; 4],
}

impl Set {
    fn empty(field: Field) -> Self {
        Set {
            lo: field.bounds().0,
            bits: [0; 4],
        }
    }

    fn insert(&mut self, v: u32) {
        let i = (v - self.lo) as usize;
        self.bits[i / 64] |= 1 << (i % 64);
    }

    fn contains(&self, v: u32) -> bool {
        v >= self.lo && {
            let i = (v - self.lo) as usize;
            i < 256 && self.bits[i / 64] & (1 << (i % 64)) != 0
        }
    }

    /// The smallest value ≥ `v` in the set, at most `hi`.
    fn next_from(&self, v: u32, hi: u32) -> Option<u32> {
        (v.max(self.lo)..=hi).find(|&x| self.contains(x))
    }

    fn len(&self) -> u32 {
        self.bits.iter().map(|b| b.count_ones()).sum()
    }
}

/// The day-of-month field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dom {
    /// `?`.
    Any,
    Days(Set),
    /// `L`.
    Last,
    /// `LW`.
    LastWeekday,
    /// `nW`.
    NearestWeekday(u32),
}

/// The day-of-week field (1 = Sunday).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dow {
    /// `?`.
    Any,
    Days(Set),
    /// `nL`: the last day n of the month.
    Last(u32),
    /// `n#k`: the k-th day n of the month.
    Nth(u32, u32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Cron {
    minutes: Set,
    hours: Set,
    dom: Dom,
    months: Set,
    dow: Dow,
    years: Set,
}

/// Parses a schedule expression: `rate(N unit)` or `cron(6 fields)`. See the module docs
/// for the rules.
pub fn parse(expr: &str) -> Result<Schedule, ScheduleError> {
    let text = expr.trim();
    let kind = if let Some(inner) = inside(text, "rate(") {
        Kind::Rate(parse_rate(text, inner)?)
    } else if let Some(inner) = inside(text, "cron(") {
        Kind::Cron(Box::new(parse_cron(inner)?))
    } else {
        return Err(ScheduleError {
            field: None,
            message: format!("expected rate(…) or cron(…), found {text:?}"),
            hint: "write e.g. rate(5 minutes) or cron(0 12 * * ? *) (EventBridge syntax, in UTC)",
        });
    };
    Ok(Schedule {
        text: text.to_string(),
        kind,
    })
}

/// The text between `prefix` and a final `)`.
fn inside<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    text.strip_prefix(prefix)?.strip_suffix(')')
}

fn parse_rate(text: &str, inner: &str) -> Result<i64, ScheduleError> {
    let parts: Vec<&str> = inner.split_whitespace().collect();
    let [value, unit] = parts[..] else {
        return Err(ScheduleError::rate(format!(
            "rate() takes a value and a unit, found {text:?}"
        )));
    };
    let n: i64 = match value.parse::<u32>() {
        Ok(n) if n >= 1 && value.bytes().all(|b| b.is_ascii_digit()) => n as i64,
        _ => {
            return Err(ScheduleError::rate(format!(
                "the rate value must be a whole number ≥ 1, found {value:?} in {text:?}"
            )));
        }
    };
    let (singular, secs) = match unit {
        "minute" => (true, 60),
        "minutes" => (false, 60),
        "hour" => (true, 3600),
        "hours" => (false, 3600),
        "day" => (true, SECS_PER_DAY),
        "days" => (false, SECS_PER_DAY),
        _ => {
            return Err(ScheduleError::rate(format!(
                "unknown rate unit {unit:?} in {text:?}"
            )));
        }
    };
    if singular && n != 1 {
        return Err(ScheduleError::rate(format!(
            "{text}: the unit must be plural ({unit}s) when the value is greater than 1"
        )));
    }
    if !singular && n == 1 {
        let one = unit.trim_end_matches('s');
        return Err(ScheduleError::rate(format!(
            "{text}: the unit must be singular ({one}) when the value is 1"
        )));
    }
    Ok(n * secs)
}

fn parse_cron(inner: &str) -> Result<Cron, ScheduleError> {
    let fields: Vec<&str> = inner.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(ScheduleError::cron(
            None,
            format!(
                "cron() takes 6 fields (minutes hours day-of-month month day-of-week year), found {} in \"cron({inner})\"",
                fields.len()
            ),
        ));
    }
    let field_err = |f: Field, text: &str, what: String| {
        ScheduleError::cron(Some(f), field_message(f, text, &what))
    };
    let plain = |f: Field, text: &str| parse_list(f, text).map_err(|what| field_err(f, text, what));
    let minutes = plain(Field::Minutes, fields[0])?;
    let hours = plain(Field::Hours, fields[1])?;
    let dom = parse_dom(fields[2]).map_err(|w| field_err(Field::DayOfMonth, fields[2], w))?;
    let months = plain(Field::Month, fields[3])?;
    let dow = parse_dow(fields[4]).map_err(|w| field_err(Field::DayOfWeek, fields[4], w))?;
    let years = plain(Field::Year, fields[5])?;
    match (dom, dow) {
        (Dom::Any, Dow::Any) => Err(ScheduleError::cron(
            Some(Field::DayOfWeek),
            "day-of-month and day-of-week are both `?`: exactly one of them must be `?` (write `*` in the other for every day)".into(),
        )),
        (d, w) if d != Dom::Any && w != Dow::Any => Err(ScheduleError::cron(
            Some(Field::DayOfWeek),
            format!(
                "day-of-month ({:?}) and day-of-week ({:?}) are both given: one of them must be `?`",
                fields[2], fields[4]
            ),
        )),
        _ => Ok(Cron {
            minutes,
            hours,
            dom,
            months,
            dow,
            years,
        }),
    }
}

fn field_message(f: Field, text: &str, what: &str) -> String {
    format!("{} field {text:?}: {what}", f.name())
}

/// `?`, `L`, `LW`, `nW`, or a list.
fn parse_dom(text: &str) -> Result<Dom, String> {
    let f = Field::DayOfMonth;
    if text == "?" {
        return Ok(Dom::Any);
    }
    let upper = text.to_ascii_uppercase();
    if upper == "L" {
        return Ok(Dom::Last);
    }
    if upper == "LW" {
        return Ok(Dom::LastWeekday);
    }
    if let Some(day) = upper.strip_suffix('W') {
        if day.contains([',', '-', '/', '*', 'L']) {
            return Err("`W` takes a single day (e.g. 15W, or LW)".into());
        }
        return value(f, day).map(Dom::NearestWeekday);
    }
    if upper.contains(['L', 'W']) {
        return Err("`L` and `W` stand alone in day-of-month (L, LW or e.g. 15W)".into());
    }
    parse_list(f, text).map(Dom::Days)
}

/// `?`, `L`, `nL`, `n#k`, or a list (no `/`).
fn parse_dow(text: &str) -> Result<Dow, String> {
    let f = Field::DayOfWeek;
    if text == "?" {
        return Ok(Dow::Any);
    }
    let upper = text.to_ascii_uppercase();
    if upper == "L" {
        // The last day of the week.
        return Ok(Dow::Days(single(f, 7)));
    }
    if upper.contains('#') {
        if upper.contains([',', '-', '*', 'L']) {
            return Err(
                "`#` takes a single expression in day-of-week (e.g. 3#2 alone, not 3#1,6#3)".into(),
            );
        }
        let (day, k) = upper.split_once('#').unwrap_or_default();
        let day = value(f, day)?;
        let digits = !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit());
        return match k.parse::<u32>() {
            Ok(k) if digits && (1..=5).contains(&k) => Ok(Dow::Nth(day, k)),
            _ => Err(format!(
                "the week in `n#k` must be 1-5, found {k:?} (3#2 = the second Tuesday)"
            )),
        };
    }
    if let Some(day) = upper.strip_suffix('L') {
        if day.contains([',', '-', '/', '*']) {
            return Err(
                "`L` takes a single day (e.g. 6L = the last Friday), or stands alone".into(),
            );
        }
        return value(f, day).map(Dow::Last);
    }
    if upper.contains('L') {
        return Err("`L` stands alone or ends a single day (e.g. 6L) in day-of-week".into());
    }
    if text.contains('/') {
        return Err(
            "`/` (increments) is not allowed in day-of-week; list the days (e.g. MON,WED,FRI)"
                .into(),
        );
    }
    parse_list(f, text).map(Dow::Days)
}

fn single(f: Field, v: u32) -> Set {
    let mut s = Set::empty(f);
    s.insert(v);
    s
}

/// A comma-separated list of `*`, `v`, `a-b`, `*/n`, `v/n`, `a-b/n`.
fn parse_list(f: Field, text: &str) -> Result<Set, String> {
    let (lo, hi) = f.bounds();
    let mut set = Set::empty(f);
    if text == "?" {
        return Err("`?` is allowed only in day-of-month and day-of-week".into());
    }
    for item in text.split(',') {
        if item.is_empty() {
            return Err("empty item in a `,` list".into());
        }
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => {
                let step = match s.parse::<u32>() {
                    Ok(n) if n >= 1 && s.bytes().all(|b| b.is_ascii_digit()) => n,
                    _ => {
                        return Err(format!(
                            "the increment after `/` must be a whole number ≥ 1, found {s:?}"
                        ));
                    }
                };
                (r, Some(step))
            }
            None => (item, None),
        };
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (value(f, a)?, value(f, b)?);
            if a > b {
                return Err(format!(
                    "the range {range:?} goes backwards; write it from the smaller value"
                ));
            }
            (a, b)
        } else {
            let a = value(f, range)?;
            // `a/n` runs from a to the end of the field.
            (a, if step.is_some() { hi } else { a })
        };
        for v in (a..=b).step_by(step.unwrap_or(1) as usize) {
            set.insert(v);
        }
    }
    Ok(set)
}

/// One value of `f`: digits, or a three-letter name for month and day-of-week.
fn value(f: Field, text: &str) -> Result<u32, String> {
    let (lo, hi) = f.bounds();
    if let Some(i) = f.names().iter().position(|n| n.eq_ignore_ascii_case(text)) {
        return Ok(i as u32 + 1);
    }
    for c in ['?', 'L', 'W', '#', '/'] {
        if text.contains(c) {
            return Err(format!(
                "`{c}` is not allowed here ({} takes {})",
                f.name(),
                f.values()
            ));
        }
    }
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{text:?} is not a value of {} ({})",
            f.name(),
            f.values()
        ));
    }
    match text.parse::<u32>() {
        Ok(v) if (lo..=hi).contains(&v) => Ok(v),
        _ => Err(format!("{text} is outside {}", f.values())),
    }
}

impl Schedule {
    /// The expression as written (without surrounding white space).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The period of a `rate()` expression, seconds; `None` for cron.
    pub fn rate_period_s(&self) -> Option<i64> {
        match self.kind {
            Kind::Rate(p) => Some(p),
            Kind::Cron(_) => None,
        }
    }

    /// The first firing strictly after `t` (seconds since the Unix epoch, UTC), or `None` when
    /// there is none (a cron expression whose years have passed). `rate()` fires at
    /// `origin + k × period`, k = 0, 1, …; cron ignores `origin`.
    pub fn next_after(&self, t: i64, origin: i64) -> Option<i64> {
        match &self.kind {
            Kind::Rate(p) => {
                if t < origin {
                    Some(origin)
                } else {
                    let k = (t - origin) / p + 1;
                    k.checked_mul(*p)?.checked_add(origin)
                }
            }
            Kind::Cron(c) => c.next_after(t),
        }
    }

    /// The number of firings in `[from, to)` (seconds since the Unix epoch, UTC), `rate()`
    /// counted from `origin`. Equal to stepping with [`Self::next_after`], without the steps.
    pub fn count_between(&self, from: i64, to: i64, origin: i64) -> u64 {
        if from >= to {
            return 0;
        }
        match &self.kind {
            Kind::Rate(p) => match self.next_after(from - 1, origin) {
                Some(first) if first < to => ((to - 1 - first) / p + 1) as u64,
                _ => 0,
            },
            Kind::Cron(c) => c.count_between(from, to),
        }
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Days in month `m` of year `y`.
fn days_in_month(y: i32, m: u32) -> u32 {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    match (
        NaiveDate::from_ymd_opt(y, m, 1),
        NaiveDate::from_ymd_opt(ny, nm, 1),
    ) {
        (Some(a), Some(b)) => (b - a).num_days() as u32,
        _ => 31,
    }
}

/// 1 = Sunday … 7 = Saturday, as EventBridge numbers days.
fn dow_of(d: NaiveDate) -> u32 {
    d.weekday().number_from_sunday()
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

impl Cron {
    fn day_matches(&self, d: NaiveDate) -> bool {
        let (y, m, day) = (d.year(), d.month(), d.day());
        let dim = days_in_month(y, m);
        let dom = match self.dom {
            Dom::Any => true,
            Dom::Days(s) => s.contains(day),
            Dom::Last => day == dim,
            Dom::LastWeekday => {
                let last = date(y, m, dim).map_or(Weekday::Mon, |x| x.weekday());
                day == match last {
                    Weekday::Sat => dim - 1,
                    Weekday::Sun => dim - 2,
                    _ => dim,
                }
            }
            Dom::NearestWeekday(n) => {
                n <= dim
                    && day
                        == match date(y, m, n).map_or(Weekday::Mon, |x| x.weekday()) {
                            Weekday::Sat if n == 1 => 3,
                            Weekday::Sat => n - 1,
                            Weekday::Sun if n == dim => n - 2,
                            Weekday::Sun => n + 1,
                            _ => n,
                        }
            }
        };
        let w = dow_of(d);
        let dow = match self.dow {
            Dow::Any => true,
            Dow::Days(s) => s.contains(w),
            Dow::Last(n) => w == n && day + 7 > dim,
            Dow::Nth(n, k) => w == n && (day - 1) / 7 + 1 == k,
        };
        dom && dow
    }

    fn next_after(&self, t: i64) -> Option<i64> {
        let minute = t.div_euclid(60) + 1;
        let start = DateTime::from_timestamp(minute * 60, 0)?;
        let mut d = start.date_naive();
        let secs = (minute * 60).rem_euclid(SECS_PER_DAY) as u32;
        let (mut h, mut mi) = (secs / 3600, secs % 3600 / 60);
        loop {
            let (y, m) = (d.year(), d.month());
            if y > LAST_YEAR {
                return None;
            }
            if y < FIRST_YEAR || !self.years.contains(y as u32) {
                let ny = self
                    .years
                    .next_from((y + 1).max(FIRST_YEAR) as u32, LAST_YEAR as u32)?;
                d = date(ny as i32, 1, 1)?;
                (h, mi) = (0, 0);
                continue;
            }
            if !self.months.contains(m) {
                d = match self.months.next_from(m + 1, 12) {
                    Some(nm) => date(y, nm, 1)?,
                    None => date(y + 1, 1, 1)?,
                };
                (h, mi) = (0, 0);
                continue;
            }
            if !self.day_matches(d) {
                d = d.succ_opt()?;
                (h, mi) = (0, 0);
                continue;
            }
            match self.hours.next_from(h, 23) {
                None => {
                    d = d.succ_opt()?;
                    (h, mi) = (0, 0);
                    continue;
                }
                Some(nh) if nh > h => (h, mi) = (nh, 0),
                Some(_) => {}
            }
            match self.minutes.next_from(mi, 59) {
                Some(nm) => {
                    let at = d.and_hms_opt(h, nm, 0)?.and_utc().timestamp();
                    return Some(at);
                }
                None if h == 23 => {
                    d = d.succ_opt()?;
                    (h, mi) = (0, 0);
                }
                None => (h, mi) = (h + 1, 0),
            }
        }
    }

    fn count_between(&self, from: i64, to: i64) -> u64 {
        let day_of =
            |t: i64| DateTime::from_timestamp(t.div_euclid(SECS_PER_DAY) * SECS_PER_DAY, 0);
        let (Some(first), Some(last)) = (day_of(from), day_of(to - 1)) else {
            return 0;
        };
        let (mut d, last) = (first.date_naive(), last.date_naive());
        let per_day = (self.hours.len() * self.minutes.len()) as u64;
        let mut n = 0;
        while d <= last && d.year() <= LAST_YEAR {
            let y = d.year();
            if y >= FIRST_YEAR
                && self.years.contains(y as u32)
                && self.months.contains(d.month())
                && self.day_matches(d)
            {
                let midnight = d
                    .and_hms_opt(0, 0, 0)
                    .map_or(0, |x| x.and_utc().timestamp());
                if midnight >= from && midnight + SECS_PER_DAY <= to {
                    n += per_day;
                } else {
                    for h in (0..24).filter(|&h| self.hours.contains(h)) {
                        for mi in (0..60).filter(|&mi| self.minutes.contains(mi)) {
                            let at = midnight + (h * 3600 + mi * 60) as i64;
                            n += u64::from(at >= from && at < to);
                        }
                    }
                }
            }
            match d.succ_opt() {
                Some(next) => d = next,
                None => break,
            }
        }
        n
    }
}

/// Default `[simulation] start-at`: 2026-01-01T00:00:00Z.
pub const START_AT: i64 = 1_767_225_600;

/// Reads an RFC 3339 time in UTC (`2026-01-01T00:00:00Z`, or with offset `+00:00`) in whole
/// seconds, as seconds since the Unix epoch.
pub fn parse_utc(text: &str) -> Result<i64, String> {
    let t = DateTime::parse_from_rfc3339(text)
        .map_err(|e| format!("{text:?} is not an RFC 3339 time ({e})"))?;
    if t.offset().local_minus_utc() != 0 {
        return Err(format!(
            "{text:?} is not in UTC (schedules run in UTC): end it with `Z`"
        ));
    }
    if t.timestamp_subsec_nanos() != 0 {
        return Err(format!(
            "{text:?} has a fraction of a second: write whole seconds (schedules fire at second 0)"
        ));
    }
    Ok(t.timestamp())
}

/// Writes seconds since the Unix epoch as RFC 3339 in UTC (`2026-01-01T00:00:00Z`).
pub fn format_utc(t: i64) -> String {
    DateTime::from_timestamp(t, 0).map_or_else(
        || t.to_string(),
        |d| d.to_rfc3339_opts(SecondsFormat::Secs, true),
    )
}

/// A schedule on the simulation's clock: simulated time 0 is the wall-clock time `start_at`
/// (`[simulation] start-at`), and `rate()` counts its periods from there. The arrivals of
/// `kind = "schedule"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduled {
    /// `expression`.
    pub schedule: Schedule,
    /// `[simulation] start-at`, seconds since the Unix epoch (UTC).
    pub start_at: i64,
}

impl Scheduled {
    /// The wall-clock seconds `[from, to)` whose firings fall in simulated `[start, end)`.
    fn wall_bounds(&self, start: SimTime, end: SimTime) -> (i64, i64) {
        // A firing at whole second w is at simulated (w − start_at) s: it is ≥ start when
        // w − start_at ≥ ⌈start⌉ s, and < end when w − start_at < ⌈end⌉ s.
        let ceil_s = |t: SimTime| t.0.div_ceil(NS_PER_S) as i64;
        (
            self.start_at.saturating_add(ceil_s(start)),
            self.start_at.saturating_add(ceil_s(end)),
        )
    }

    /// The firings in simulated `[start, end)`, in order.
    pub fn firings(&self, start: SimTime, end: SimTime) -> Firings {
        let (from, to) = self.wall_bounds(start, end);
        Firings {
            next: self.schedule.next_after(from - 1, self.start_at),
            schedule: self.schedule.clone(),
            start_at: self.start_at,
            to,
        }
    }

    /// How many firings fall in simulated `[start, end)` (as many as [`Self::firings`] yields).
    pub fn count(&self, start: SimTime, end: SimTime) -> u64 {
        let (from, to) = self.wall_bounds(start, end);
        self.schedule.count_between(from, to, self.start_at)
    }
}

/// The firings of a [`Scheduled`] in a part of the window, as simulated times.
#[derive(Clone, Debug)]
pub struct Firings {
    schedule: Schedule,
    start_at: i64,
    /// The next firing, wall-clock seconds.
    next: Option<i64>,
    /// Wall-clock end (exclusive).
    to: i64,
}

impl Iterator for Firings {
    type Item = SimTime;

    fn next(&mut self) -> Option<SimTime> {
        let w = self.next.filter(|&w| w < self.to)?;
        self.next = self.schedule.next_after(w, self.start_at);
        Some(SimTime((w - self.start_at) as u64 * NS_PER_S))
    }
}
