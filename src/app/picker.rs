//! Period picker state: the months of one financial year (April to March) and a cursor.

use crate::domain::{FinancialYear, ReturnPeriod};

/// GST began in July 2017; nothing earlier can be fetched.
pub fn first_gst_period() -> ReturnPeriod {
    ReturnPeriod::new(2017, 7).expect("valid period")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PickerState {
    pub fy: FinancialYear,
    /// 0 = April … 11 = March.
    pub cursor: usize,
}

impl PickerState {
    /// Opens on `period`.
    pub fn open(period: ReturnPeriod) -> PickerState {
        let fy = period.financial_year();
        let cursor = fy.periods().iter().position(|p| *p == period).unwrap_or(0);
        PickerState { fy, cursor }
    }

    pub fn selected(&self) -> ReturnPeriod {
        self.fy.periods()[self.cursor]
    }

    pub fn up(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }
    pub fn down(&mut self) {
        self.cursor = (self.cursor + 1).min(11);
    }
    pub fn top(&mut self) {
        self.cursor = 0;
    }
    pub fn bottom(&mut self) {
        self.cursor = 11;
    }

    /// Moves one financial year back or forward, keeping the month; stays within
    /// `[first GST year, latest's year]`. Returns false at the edge.
    pub fn shift_year(&mut self, delta: i32, latest: ReturnPeriod) -> bool {
        let start = self.fy.start_year() + delta;
        let min = first_gst_period().financial_year().start_year();
        let max = latest.financial_year().start_year();
        if start < min || start > max {
            return false;
        }
        self.fy = FinancialYear::new(start);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(y: i32, m: u32) -> ReturnPeriod {
        ReturnPeriod::new(y, m).unwrap()
    }

    #[test]
    fn opens_on_the_period_and_moves_within_the_year() {
        let mut s = PickerState::open(p(2025, 2));
        assert_eq!(s.fy.to_string(), "2024-25");
        assert_eq!(s.cursor, 10);
        s.down();
        s.down();
        assert_eq!(s.selected(), p(2025, 3));
        s.top();
        assert_eq!(s.selected(), p(2024, 4));
        s.up();
        assert_eq!(s.cursor, 0);
    }

    #[test]
    fn year_changes_are_bounded() {
        let mut s = PickerState::open(p(2018, 5));
        assert!(s.shift_year(-1, p(2025, 11)));
        assert_eq!(s.fy.to_string(), "2017-18");
        assert!(!s.shift_year(-1, p(2025, 11)));
        let mut s = PickerState::open(p(2025, 5));
        assert!(!s.shift_year(1, p(2025, 11)));
        assert!(s.shift_year(1, p(2026, 4)));
    }
}
