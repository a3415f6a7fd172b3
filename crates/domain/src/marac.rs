//! The Marac's own rules: when it meets, which meeting a referral goes to, the order of the
//! agenda, who a Marac is for, and the actions a meeting agrees and later reviews.
//!
//! Repeat detection (12 months to the day, inclusive) is part of the referral decision in
//! [`crate::dash`]; this module takes "repeat" as an input.
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, Weekday};

use crate::calendar::add_months;
use crate::referral::{Checker, FieldError, MAX_TEXT, choice};

/// How often a Marac meets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cadence {
    /// Every `weeks` weeks from the first meeting (fortnightly is 2).
    EveryWeeks { weeks: u32 },
    /// Monthly on the nth weekday (1 to 4, or 5 for the last), e.g. the 2nd Tuesday.
    Monthly { nth: u8, weekday: Weekday },
}

/// A Marac's meeting schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// The first meeting (for a weekly cadence, the day every later meeting counts from).
    pub first_on: Date,
    pub cadence: Cadence,
}

fn nth_weekday(year: i32, month: Month, nth: u8, weekday: Weekday) -> Option<Date> {
    let first = Date::from_calendar_date(year, month, 1).ok()?;
    let offset =
        (7 + weekday.number_days_from_monday() - first.weekday().number_days_from_monday()) % 7;
    let first_match = first + Duration::days(i64::from(offset));
    if nth >= 5 {
        // The last such weekday of the month.
        let mut d = first_match;
        while let Some(next) = d.checked_add(Duration::days(7)) {
            if next.month() != month {
                break;
            }
            d = next;
        }
        return Some(d);
    }
    let d = first_match + Duration::days(7 * i64::from(nth.saturating_sub(1)));
    (d.month() == month).then_some(d)
}

impl Schedule {
    /// The meeting dates from `from` to `to` inclusive (none before the first meeting).
    pub fn meetings_between(&self, from: Date, to: Date) -> Vec<Date> {
        let mut out = Vec::new();
        let start = from.max(self.first_on);
        if start > to {
            return out;
        }
        match self.cadence {
            Cadence::EveryWeeks { weeks } => {
                let step = i64::from(weeks.max(1)) * 7;
                let since = (start - self.first_on).whole_days();
                let skip = (since + step - 1).div_euclid(step);
                let mut d = self.first_on + Duration::days(skip * step);
                while d <= to {
                    out.push(d);
                    d += Duration::days(step);
                }
            }
            Cadence::Monthly { nth, weekday } => {
                let mut month_start =
                    Date::from_calendar_date(start.year(), start.month(), 1).unwrap_or(start);
                while month_start <= to {
                    if let Some(d) =
                        nth_weekday(month_start.year(), month_start.month(), nth, weekday)
                        && d >= start
                        && d <= to
                    {
                        out.push(d);
                    }
                    month_start = add_months(month_start, 1);
                }
            }
        }
        out
    }

    /// The first meeting on or after `date`.
    pub fn next_on_or_after(&self, date: Date) -> Option<Date> {
        self.meetings_between(date, add_months(date, 3))
            .first()
            .copied()
    }
}

/// How many cases a meeting can hear. About 16 cases at 12–15 minutes each is typical.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity {
    pub cases_per_meeting: u32,
    /// Days agencies need between a case joining an agenda and the meeting, to research it.
    pub research_days: u32,
}

impl Default for Capacity {
    fn default() -> Capacity {
        Capacity {
            cases_per_meeting: 16,
            research_days: 5,
        }
    }
}

/// The meeting a referral goes to: the first one at least `research_days` after the
/// referral that still has room. `booked` gives the cases already on each meeting's
/// agenda (meetings not listed have none). Looks a year ahead.
pub fn meeting_for(
    schedule: &Schedule,
    capacity: &Capacity,
    referred_on: Date,
    booked: &dyn Fn(Date) -> u32,
) -> Option<Date> {
    let earliest = referred_on + Duration::days(i64::from(capacity.research_days));
    schedule
        .meetings_between(earliest, add_months(earliest, 12))
        .into_iter()
        .find(|m| booked(*m) < capacity.cases_per_meeting)
}

/// What the agenda orders cases by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgendaItem<Id> {
    pub id: Id,
    pub repeat: bool,
    /// The Dash score behind the referral (yes answers).
    pub yes_count: u32,
    pub referred_on: Date,
}

/// Repeats first (when the Marac orders them so), then the highest Dash score, then the
/// oldest referral.
pub fn order_agenda<Id: Clone>(items: &[AgendaItem<Id>], repeats_first: bool) -> Vec<Id> {
    let mut sorted: Vec<&AgendaItem<Id>> = items.iter().collect();
    sorted.sort_by(|a, b| {
        let repeat = |i: &AgendaItem<Id>| repeats_first && i.repeat;
        repeat(b)
            .cmp(&repeat(a))
            .then(b.yes_count.cmp(&a.yes_count))
            .then(a.referred_on.cmp(&b.referred_on))
    });
    sorted.into_iter().map(|i| i.id.clone()).collect()
}

/// Whether a Marac is the place for a victim of this age.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Eligibility {
    /// 16 or over: the Marac.
    Marac,
    /// Under 16: children's safeguarding, not the Marac.
    ChildrensSafeguarding,
    /// No date of birth: the Marac, with the age to be checked.
    AgeNotKnown,
}

/// Age in whole years on a date.
pub fn age_on(born: Date, on: Date) -> i32 {
    let mut age = on.year() - born.year();
    if (on.month() as u8, on.day()) < (born.month() as u8, born.day()) {
        age -= 1;
    }
    age
}

/// The Marac covers victims aged 16 and over; younger victims go to children's safeguarding.
pub fn eligibility(victim_born: Option<Date>, on: Date) -> Eligibility {
    match victim_born {
        None => Eligibility::AgeNotKnown,
        Some(b) if age_on(b, on) < 16 => Eligibility::ChildrensSafeguarding,
        Some(_) => Eligibility::Marac,
    }
}

choice!(
    /// Where a meeting stands. Publishing the agenda opens the research window for the
    /// member agencies; a closed meeting's minutes and actions are final.
    MeetingStatus {
        Planned = "planned": "Agenda being prepared",
        Published = "published": "Agenda published",
        Closed = "closed": "Closed",
    }
);

choice!(
    /// Whether an agency was at a meeting.
    AttendanceStatus {
        Present = "present": "Present",
        Apologies = "apologies": "Apologies sent",
        Absent = "absent": "Did not attend",
    }
);

/// The statement every attendee accepts before seeing a meeting's cases.
pub const CONFIDENTIALITY_STATEMENT: &str = "Information shared at this Marac is confidential. It is shared only to reduce the risk to the victims, their children and others, and is used only for that. I will not share it outside my agency except as the Marac agrees, I will keep it securely, and I will record only what my agency needs to act.";

/// The risks the meeting identified on a case, as the minutes record them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RisksInput {
    pub to_victim: String,
    pub to_children: String,
    pub to_others: String,
    pub to_staff: String,
}

/// The minutes of one case: the discussion, the risks identified and, where the meeting
/// agreed no actions, its decision.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MinutesInput {
    pub discussion: String,
    pub decision: String,
    #[serde(flatten)]
    pub risks: RisksInput,
}

/// Valid minutes of one case.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Minutes {
    pub discussion: Option<String>,
    pub decision: Option<String>,
    pub risks: Risks,
}

/// The risks identified, each optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Risks {
    pub to_victim: Option<String>,
    pub to_children: Option<String>,
    pub to_others: Option<String>,
    pub to_staff: Option<String>,
}

impl MinutesInput {
    pub fn parse(&self) -> Result<Minutes, Vec<FieldError>> {
        let mut c = Checker { errors: Vec::new() };
        let mut text =
            |field: &str, value: &str, what: &str| c.optional_text(field, value, MAX_TEXT, what);
        let minutes = Minutes {
            discussion: text("discussion", &self.discussion, "The discussion"),
            decision: text("decision", &self.decision, "The decision"),
            risks: Risks {
                to_victim: text(
                    "to_victim",
                    &self.risks.to_victim,
                    "The risks to the victim",
                ),
                to_children: text(
                    "to_children",
                    &self.risks.to_children,
                    "The risks to the children",
                ),
                to_others: text("to_others", &self.risks.to_others, "The risks to others"),
                to_staff: text("to_staff", &self.risks.to_staff, "The risks to staff"),
            },
        };
        if c.errors.is_empty() {
            Ok(minutes)
        } else {
            Err(c.errors)
        }
    }
}

/// A change to an action's status, by its owner or the coordinator, or at the next
/// meeting's review.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActionUpdateInput {
    pub status: String,
    /// For "could not be done": circumstances changed, or the agency did not do it.
    pub not_done_reason: String,
    pub note: String,
}

/// A valid action update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionUpdate {
    pub status: ActionStatus,
    pub not_done_reason: Option<NotDoneReason>,
    pub note: Option<String>,
}

impl ActionUpdateInput {
    pub fn parse(&self) -> Result<ActionUpdate, Vec<FieldError>> {
        let mut c = Checker { errors: Vec::new() };
        let status = c.choice(
            "status",
            &self.status,
            ActionStatus::parse,
            "Select where the action stands",
            true,
        );
        let not_done_reason = c.choice(
            "not_done_reason",
            &self.not_done_reason,
            NotDoneReason::parse,
            "Select why the action could not be done",
            status == Some(ActionStatus::CouldNotBeDone),
        );
        let note = c.optional_text("note", &self.note, MAX_TEXT, "The note");
        match status {
            Some(status) if c.errors.is_empty() => Ok(ActionUpdate {
                status,
                not_done_reason: (status == ActionStatus::CouldNotBeDone)
                    .then_some(not_done_reason)
                    .flatten(),
                note,
            }),
            _ => Err(c.errors),
        }
    }
}

/// Whether an open action is due within `days` of `today` (a reminder to its agency).
pub fn due_soon(status: ActionStatus, due_on: Date, today: Date, days: i64) -> bool {
    status.open() && due_on >= today && due_on <= today + Duration::days(days)
}

choice!(
    /// Where an agreed action stands.
    ActionStatus {
        Agreed = "agreed": "Agreed",
        InProgress = "in_progress": "In progress",
        Done = "done": "Done",
        CouldNotBeDone = "could_not_be_done": "Could not be done",
    }
);

choice!(
    /// Why an action was not done, as the next meeting's review records it: the minutes
    /// separate circumstances changing from an agency not doing what it agreed.
    NotDoneReason {
        CircumstancesChanged = "circumstances_changed": "Not possible: circumstances changed",
        AgencyDidNotDoIt = "agency_did_not_do_it": "The agency did not do it",
    }
);

choice!(
    /// Whom an action protects, or that it manages the perpetrator.
    ActionPurpose {
        Victim = "victim": "Protects the victim",
        Children = "children": "Protects the children",
        Others = "others": "Protects others (including staff)",
        Perpetrator = "perpetrator": "Manages the perpetrator",
    }
);

impl ActionStatus {
    /// Whether the action still needs doing (it is reviewed at the next meeting).
    pub fn open(self) -> bool {
        matches!(self, ActionStatus::Agreed | ActionStatus::InProgress)
    }
}

/// An action as the chair records it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActionInput {
    pub action: String,
    /// The owning agency, by id.
    pub agency_id: String,
    pub due_on: String,
    pub purpose: String,
}

/// A valid action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAction {
    pub action: String,
    pub agency_id: String,
    pub due_on: Date,
    pub purpose: ActionPurpose,
}

impl ActionInput {
    /// Checks an action agreed at a meeting held on `meeting_on`: its owner must be one of
    /// the Marac's member agencies and it is due on or after the meeting.
    pub fn parse(
        &self,
        meeting_on: Date,
        members: &[String],
    ) -> Result<NewAction, Vec<FieldError>> {
        let mut c = Checker { errors: Vec::new() };
        let action = self.action.trim();
        if action.is_empty() {
            c.errors.push(FieldError::new(
                "action",
                "Describe the action the agency will take",
            ));
        } else if action.chars().count() > MAX_TEXT {
            c.errors.push(FieldError::new(
                "action",
                format!("The action must be {MAX_TEXT} characters or fewer"),
            ));
        }
        let agency = self.agency_id.trim();
        if !members.iter().any(|m| m == agency) {
            c.errors.push(FieldError::new(
                "agency_id",
                "Select the agency that owns the action from the Marac's member agencies",
            ));
        }
        let due_on = match crate::referral::parse_iso_date(&self.due_on) {
            Some(d) if d >= meeting_on => Some(d),
            Some(_) => {
                c.errors.push(FieldError::new(
                    "due_on",
                    "The due date must be on or after the meeting",
                ));
                None
            }
            None => {
                c.errors.push(FieldError::new(
                    "due_on",
                    "Enter the due date as a real date, like 2027-01-31",
                ));
                None
            }
        };
        let purpose = c.choice(
            "purpose",
            &self.purpose,
            ActionPurpose::parse,
            "Select whom the action protects, or that it manages the perpetrator",
            true,
        );
        match (due_on, purpose) {
            (Some(due_on), Some(purpose)) if c.errors.is_empty() => Ok(NewAction {
                action: action.to_owned(),
                agency_id: agency.to_owned(),
                due_on,
                purpose,
            }),
            _ => Err(c.errors),
        }
    }
}

/// One case heard at a meeting, as closing the meeting needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseAtMeeting<Id> {
    pub id: Id,
    pub actions: u32,
    /// The meeting's decision is recorded (e.g. "no further action: risk managed").
    pub decision_recorded: bool,
}

/// A meeting closes only when every case has at least one action or a recorded decision;
/// returns the cases that lack both.
pub fn cases_blocking_close<Id: Clone>(cases: &[CaseAtMeeting<Id>]) -> Vec<Id> {
    cases
        .iter()
        .filter(|c| c.actions == 0 && !c.decision_recorded)
        .map(|c| c.id.clone())
        .collect()
}

/// Whether an open action is overdue on `today`.
pub fn overdue(status: ActionStatus, due_on: Date, today: Date) -> bool {
    status.open() && due_on < today
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn could_not_be_done_needs_the_reason() {
        let mut u = ActionUpdateInput {
            status: "could_not_be_done".into(),
            ..ActionUpdateInput::default()
        };
        assert_eq!(u.parse().unwrap_err()[0].field, "not_done_reason");
        u.not_done_reason = "agency_did_not_do_it".into();
        assert_eq!(
            u.parse().unwrap().not_done_reason,
            Some(NotDoneReason::AgencyDidNotDoIt)
        );
        u.status = "done".into();
        assert_eq!(
            u.parse().unwrap().not_done_reason,
            None,
            "only kept when not done"
        );
        u.status = String::new();
        assert_eq!(u.parse().unwrap_err()[0].field, "status");
    }

    #[test]
    fn reminders_cover_the_days_before_the_due_date() {
        let today = date!(2026 - 11 - 25);
        assert!(due_soon(
            ActionStatus::Agreed,
            date!(2026 - 11 - 30),
            today,
            7
        ));
        assert!(due_soon(ActionStatus::InProgress, today, today, 7));
        assert!(!due_soon(
            ActionStatus::Agreed,
            date!(2026 - 12 - 03),
            today,
            7
        ));
        assert!(!due_soon(
            ActionStatus::Done,
            date!(2026 - 11 - 30),
            today,
            7
        ));
        assert!(
            !due_soon(ActionStatus::Agreed, date!(2026 - 11 - 24), today, 7),
            "overdue instead"
        );
        assert!(overdue(ActionStatus::Agreed, date!(2026 - 11 - 24), today));
    }

    #[test]
    fn minutes_are_all_optional_but_bounded() {
        assert_eq!(MinutesInput::default().parse().unwrap(), Minutes::default());
        let long = MinutesInput {
            discussion: "x".repeat(MAX_TEXT + 1),
            ..MinutesInput::default()
        };
        assert_eq!(long.parse().unwrap_err()[0].field, "discussion");
    }

    fn fortnightly() -> Schedule {
        Schedule {
            first_on: date!(2026 - 01 - 06),
            cadence: Cadence::EveryWeeks { weeks: 2 },
        }
    }

    #[test]
    fn a_fortnightly_marac_meets_every_other_week_from_its_first_meeting() {
        let s = fortnightly();
        assert_eq!(
            s.meetings_between(date!(2026 - 01 - 01), date!(2026 - 02 - 17)),
            vec![
                date!(2026 - 01 - 06),
                date!(2026 - 01 - 20),
                date!(2026 - 02 - 03),
                date!(2026 - 02 - 17),
            ]
        );
        // A window starting between meetings starts at the next one.
        assert_eq!(
            s.next_on_or_after(date!(2026 - 01 - 07)),
            Some(date!(2026 - 01 - 20))
        );
        assert_eq!(
            s.next_on_or_after(date!(2026 - 01 - 20)),
            Some(date!(2026 - 01 - 20))
        );
        assert!(
            s.meetings_between(date!(2026 - 02 - 18), date!(2026 - 02 - 10))
                .is_empty()
        );
    }

    #[test]
    fn a_monthly_marac_meets_on_the_nth_weekday() {
        let second_tuesday = Schedule {
            first_on: date!(2026 - 01 - 01),
            cadence: Cadence::Monthly {
                nth: 2,
                weekday: Weekday::Tuesday,
            },
        };
        assert_eq!(
            second_tuesday.meetings_between(date!(2026 - 01 - 01), date!(2026 - 04 - 30)),
            vec![
                date!(2026 - 01 - 13),
                date!(2026 - 02 - 10),
                date!(2026 - 03 - 10),
                date!(2026 - 04 - 14),
            ]
        );
        let last_friday = Schedule {
            first_on: date!(2026 - 01 - 01),
            cadence: Cadence::Monthly {
                nth: 5,
                weekday: Weekday::Friday,
            },
        };
        assert_eq!(
            last_friday.meetings_between(date!(2026 - 01 - 01), date!(2026 - 03 - 31)),
            vec![
                date!(2026 - 01 - 30),
                date!(2026 - 02 - 27),
                date!(2026 - 03 - 27),
            ]
        );
    }

    #[test]
    fn a_referral_goes_to_the_next_meeting_with_room_and_time_to_research() {
        let s = fortnightly();
        let cap = Capacity::default();
        // Referred on Thursday 15 January: 5 days for research → the meeting of 20 January.
        assert_eq!(
            meeting_for(&s, &cap, date!(2026 - 01 - 15), &|_| 0),
            Some(date!(2026 - 01 - 20))
        );
        // Referred on Friday 16 January: too late for the 20th → 3 February.
        assert_eq!(
            meeting_for(&s, &cap, date!(2026 - 01 - 16), &|_| 0),
            Some(date!(2026 - 02 - 03))
        );
        // The 20th is full (16 cases): the next meeting.
        let full = |d: Date| if d == date!(2026 - 01 - 20) { 16 } else { 15 };
        assert_eq!(
            meeting_for(&s, &cap, date!(2026 - 01 - 15), &full),
            Some(date!(2026 - 02 - 03))
        );
        // Every meeting full for a year: nowhere to go (the coordinator must act).
        assert_eq!(meeting_for(&s, &cap, date!(2026 - 01 - 15), &|_| 16), None);
    }

    #[test]
    fn the_agenda_puts_repeats_then_the_highest_risk_first() {
        let item = |id: u32, repeat: bool, yes: u32, day: u8| AgendaItem {
            id,
            repeat,
            yes_count: yes,
            referred_on: Date::from_calendar_date(2026, Month::January, day).unwrap(),
        };
        let items = [
            item(1, false, 14, 5),
            item(2, true, 10, 6),
            item(3, false, 20, 7),
            item(4, false, 20, 3),
            item(5, true, 16, 9),
        ];
        assert_eq!(order_agenda(&items, true), vec![5, 2, 4, 3, 1]);
        assert_eq!(order_agenda(&items, false), vec![4, 3, 5, 1, 2]);
    }

    #[test]
    fn under_sixteens_go_to_childrens_safeguarding() {
        let on = date!(2026 - 11 - 25);
        assert_eq!(
            eligibility(Some(date!(2010 - 11 - 25)), on),
            Eligibility::Marac,
            "16 today"
        );
        assert_eq!(
            eligibility(Some(date!(2010 - 11 - 26)), on),
            Eligibility::ChildrensSafeguarding,
            "16 tomorrow"
        );
        assert_eq!(eligibility(None, on), Eligibility::AgeNotKnown);
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2026 - 02 - 28)), 17);
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2026 - 03 - 01)), 18);
    }

    fn members() -> Vec<String> {
        vec!["police".into(), "housing".into()]
    }

    #[test]
    fn an_action_is_owned_by_a_member_agency_and_due_after_the_meeting() {
        let ok = ActionInput {
            action: "Flag the address for an urgent response".into(),
            agency_id: "police".into(),
            due_on: "2026-01-27".into(),
            purpose: "victim".into(),
        }
        .parse(date!(2026 - 01 - 20), &members())
        .unwrap();
        assert_eq!(ok.purpose, ActionPurpose::Victim);
        let bad = ActionInput {
            action: " ".into(),
            agency_id: "probation".into(),
            due_on: "2026-01-19".into(),
            purpose: "everyone".into(),
        }
        .parse(date!(2026 - 01 - 20), &members())
        .unwrap_err();
        let fields: Vec<_> = bad.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["action", "agency_id", "due_on", "purpose"]);
    }

    #[test]
    fn a_meeting_closes_only_when_every_case_has_an_action_or_a_decision() {
        let cases = [
            CaseAtMeeting {
                id: "a",
                actions: 3,
                decision_recorded: false,
            },
            CaseAtMeeting {
                id: "b",
                actions: 0,
                decision_recorded: true,
            },
            CaseAtMeeting {
                id: "c",
                actions: 0,
                decision_recorded: false,
            },
        ];
        assert_eq!(cases_blocking_close(&cases), vec!["c"]);
        assert!(cases_blocking_close(&cases[..2]).is_empty());
    }

    #[test]
    fn only_open_actions_are_overdue() {
        let due = date!(2026 - 01 - 27);
        assert!(overdue(ActionStatus::Agreed, due, date!(2026 - 01 - 28)));
        assert!(!overdue(ActionStatus::Agreed, due, date!(2026 - 01 - 27)));
        assert!(!overdue(ActionStatus::Done, due, date!(2026 - 02 - 28)));
        assert!(!overdue(
            ActionStatus::CouldNotBeDone,
            due,
            date!(2026 - 02 - 28)
        ));
        assert!(overdue(
            ActionStatus::InProgress,
            due,
            date!(2026 - 02 - 28)
        ));
    }
}
