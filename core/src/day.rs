//! Calendar days in Europe/Berlin, the unit in which card validity is stated.

use chrono::{Datelike, NaiveDate, TimeZone};
use chrono_tz::Europe::Berlin;
use std::fmt;

/// A calendar day, counted in days since 1970-01-01. Card validity is inclusive of both ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i32);

const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

impl Day {
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Day> {
        NaiveDate::from_ymd_opt(year, month, day).map(Day::from_date)
    }

    pub fn from_date(date: NaiveDate) -> Day {
        Day(date.num_days_from_ce() - UNIX_EPOCH_DAYS_FROM_CE)
    }

    pub fn to_date(self) -> Option<NaiveDate> {
        NaiveDate::from_num_days_from_ce_opt(self.0.checked_add(UNIX_EPOCH_DAYS_FROM_CE)?)
    }

    /// The calendar day in Berlin at Unix time `now`. Returns `None` only for instants far
    /// outside any plausible clock (beyond year ±262 000).
    pub fn in_berlin(now: i64) -> Option<Day> {
        let local = Berlin.timestamp_opt(now, 0).single()?;
        Some(Day::from_date(local.date_naive()))
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Day> {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .ok()
            .map(Day::from_date)
    }

    /// The Unix time at which this day begins in Berlin.
    pub fn start_in_berlin(self) -> Option<i64> {
        let midnight = self.to_date()?.and_hms_opt(0, 0, 0)?;
        Some(
            Berlin
                .from_local_datetime(&midnight)
                .earliest()?
                .timestamp(),
        )
    }

    pub fn add_days(self, days: i32) -> Day {
        Day(self.0.saturating_add(days))
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_date() {
            Some(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            None => write!(f, "day {}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_is_day_zero() {
        assert_eq!(Day::from_ymd(1970, 1, 1), Some(Day(0)));
        assert_eq!(Day::parse("1970-01-02"), Some(Day(1)));
        assert_eq!(Day(0).to_string(), "1970-01-01");
    }

    #[test]
    fn berlin_day_changes_at_local_midnight() {
        // 2026-06-30 22:30 UTC is already 2026-07-01 00:30 in Berlin (summer time).
        let t = 1_782_858_600;
        assert_eq!(Day::in_berlin(t), Day::from_ymd(2026, 7, 1));
        // 2026-01-15 22:30 UTC is 23:30 in Berlin (winter time): still the 15th.
        let w = 1_768_516_200;
        assert_eq!(Day::in_berlin(w), Day::from_ymd(2026, 1, 15));
    }

    #[test]
    fn day_starts_at_berlin_midnight() {
        // 2026-07-01 00:00 in Berlin is 2026-06-30 22:00 UTC.
        assert_eq!(
            Day::from_ymd(2026, 7, 1).unwrap().start_in_berlin(),
            Some(1_782_856_800)
        );
    }

    #[test]
    fn rejects_bad_dates() {
        assert_eq!(Day::parse("2026-02-30"), None);
        assert_eq!(Day::parse("tomorrow"), None);
        assert_eq!(Day(i32::MAX).to_date(), None);
    }
}
