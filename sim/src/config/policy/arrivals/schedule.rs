//! `kind = "schedule"`: an EventBridge schedule expression, `rate(5 minutes)` or
//! `cron(0 9 ? * MON-FRI *)`, read against `[simulation] start-at` (see [`crate::schedule`]).

use serde::Deserialize;

use super::{ArrivalKind, Context};
use crate::config::raw::Text;
use crate::config::resolved::q;
use crate::config::values::Validator;
use crate::model::ArrivalProcess;
use crate::schedule::{self as expr, Scheduled};

/// `kind = "schedule"`.
pub struct Schedule;

/// The keys of `kind = "schedule"`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Raw {
    /// `expression = "rate(5 minutes)"` or `"cron(0 12 * * ? *)"` (EventBridge syntax, UTC);
    /// required.
    pub expression: Option<Text>,
}

impl ArrivalKind for Schedule {
    const NAME: &'static str = "schedule";
    const ALIASES: &'static [&'static str] = &["cron", "rate", "scheduled", "eventbridge"];
    type Raw = Raw;

    fn check(v: &mut Validator, path: &str, a: &Raw, cx: &Context) -> Option<ArrivalProcess> {
        let at = format!("{path}.expression");
        if a.expression.is_none() {
            v.missing(&at, "expression = \"rate(5 minutes)\"");
            return None;
        }
        let text = v.text(&at, &a.expression)?;
        match expr::parse(&text) {
            Ok(schedule) => Some(ArrivalProcess::Schedule(Scheduled {
                schedule,
                start_at: cx.start_at,
            })),
            Err(e) => {
                v.err(&at, e.message, Some(e.hint.to_string()));
                None
            }
        }
    }

    fn resolved(process: &ArrivalProcess) -> Option<String> {
        match process {
            ArrivalProcess::Schedule(s) => {
                Some(format!("expression = {}\n", q(s.schedule.as_str())))
            }
            _ => None,
        }
    }
}
