//! The record table's `:` command line: `:period 2024-05`, `:filter …`, `:select …`, `:sort
//! taxable desc`, `:save`, with Tab completion of command and column names.

use super::columns::COLUMNS;

/// Commands, with what they take, for completion and the error text.
pub const COMMANDS: &[(&str, &str)] = &[
    ("accept", "accept the current or selected records"),
    ("clear", "clear the selection"),
    ("compute", "compute GSTR-2B for the period"),
    ("detail", "show or hide the detail pane"),
    ("filter", "filter the view: filter <text or query>"),
    ("hide", "hide a column: hide igst"),
    ("pending", "keep the current or selected records pending"),
    ("period", "change the return period: period 2024-05"),
    ("reject", "reject the current or selected records"),
    ("reset", "reset the current or selected records to No action"),
    ("save", "send the local decisions to GSTN"),
    ("select", "select the records of the view matching: select <query>"),
    ("show", "show a hidden column again: show igst, show all"),
    ("sort", "sort by a column: sort taxable [desc]"),
    ("undo", "undo the last local change"),
];

/// The line being typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandLine {
    pub text: String,
    /// The last run's error (the line stays open to fix it).
    pub error: Option<String>,
    /// Completions cycled by Tab: (candidates, next index, the text they complete).
    cycle: Option<(Vec<String>, usize, String)>,
}

/// Column names as typed after `sort` (`taxable`, `doc-no.`…): header lower-cased, spaces
/// as dashes.
pub fn column_names() -> Vec<String> {
    COLUMNS
        .iter()
        .filter(|c| !c.header.is_empty())
        .map(|c| c.header.to_lowercase().replace(' ', "-"))
        .collect()
}

impl CommandLine {
    pub fn push(&mut self, c: char) {
        self.text.push(c);
        self.cycle = None;
        self.error = None;
    }
    pub fn pop(&mut self) {
        self.text.pop();
        self.cycle = None;
        self.error = None;
    }

    /// Candidates for the word being typed: a command name, or a column after `sort`.
    pub fn candidates(&self) -> Vec<String> {
        let (head, word) = match self.text.rsplit_once(' ') {
            Some((h, w)) => (Some(h.trim()), w),
            None => (None, self.text.as_str()),
        };
        let pool: Vec<String> = match head {
            None => COMMANDS.iter().map(|(c, _)| c.to_string()).collect(),
            Some("sort" | "hide" | "show") => column_names(),
            Some(h) if h.starts_with("sort ") => vec!["desc".into(), "asc".into()],
            _ => vec![],
        };
        let w = word.to_lowercase();
        pool.into_iter().filter(|c| c.starts_with(&w)).collect()
    }

    /// Tab: completes the word, cycling through the candidates on repeat.
    pub fn complete(&mut self) {
        let (cands, next, base) = match self.cycle.take() {
            Some(c) => c,
            None => (self.candidates(), 0, self.text.clone()),
        };
        if cands.is_empty() {
            return;
        }
        let prefix = match base.rsplit_once(' ') {
            Some((h, _)) => format!("{h} "),
            None => String::new(),
        };
        let pick = &cands[next % cands.len()];
        self.text = format!("{prefix}{pick}");
        if cands.len() > 1 {
            self.cycle = Some((cands, next + 1, base));
            return;
        }
        // One candidate: done; a space follows when more can be typed after it.
        let takes_more =
            ["filter", "select", "period", "sort", "hide", "show"].contains(&pick.as_str()) || prefix.trim() == "sort";
        if takes_more {
            self.text.push(' ');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_completes_commands_and_columns() {
        let mut c = CommandLine::default();
        c.push('p');
        assert_eq!(c.candidates(), vec!["pending", "period"]);
        c.complete();
        assert_eq!(c.text, "pending");
        c.complete();
        assert_eq!(c.text, "period", "Tab again cycles");
        let mut c = CommandLine::default();
        for ch in "sa".chars() {
            c.push(ch);
        }
        c.complete();
        assert_eq!(c.text, "save");
        let mut c = CommandLine::default();
        for ch in "sort tax".chars() {
            c.push(ch);
        }
        c.complete();
        assert_eq!(c.text, "sort taxable ");
        c.push('d');
        c.complete();
        assert_eq!(c.text, "sort taxable desc");
    }
}
