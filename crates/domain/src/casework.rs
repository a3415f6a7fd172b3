//! The working life of an Idva case: its status, the service's standards for first
//! contact, re-assessment, review and follow-up, the contacts log and intensity, the
//! interventions catalogue, closure, repeat cases and caseload projection.
//!
//! Everything here is a plain function of what the case already records, so the due
//! dates and counts a caseworker sees are the ones reports compute.
use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use crate::calendar::{add_months, add_working_days, working_days_between};
use crate::dash::RiskLevel;
use crate::referral::{Checker, FieldError, MAX_TEXT, choice};

choice!(
    /// Where a case is in the service.
    CaseStatus {
        AwaitingAllocation = "awaiting_allocation": "Awaiting allocation",
        Open = "open": "Open",
        Closed = "closed": "Closed",
    }
);

choice!(
    /// The outcome measures taken over a case: intake (Time 1), review (Time 2), the exit
    /// interview at closure and the follow-up six months after.
    MeasureStage {
        Intake = "intake": "Intake measures (Time 1)",
        Review = "review": "Review (Time 2)",
        Exit = "exit": "Exit measures",
        FollowUp = "follow_up": "Six-month follow-up",
    }
);

impl MeasureStage {
    /// Whether the stage may be recorded on a case with this status: the follow-up only
    /// after closure, the others while the case is open (or waiting for allocation).
    pub fn allowed_when(self, status: CaseStatus) -> bool {
        match self {
            MeasureStage::FollowUp => status == CaseStatus::Closed,
            _ => status != CaseStatus::Closed,
        }
    }
}

/// A service's standards, with the defaults a new service gets. Each is configurable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseworkRules {
    /// First contact for a Marac-level (high-risk) case, in working days from referral.
    pub first_contact_working_days_high: u32,
    /// First contact for any other case, in working days from referral.
    pub first_contact_working_days: u32,
    /// How often the Dash is re-assessed on an open case, in days.
    pub reassessment_days: u32,
    /// The Time 2 review after this many months of support (or at closure, if sooner).
    pub review_months: u32,
    /// The follow-up contact this many months after closure.
    pub follow_up_months: u32,
    /// Significant contacts that make support intensive.
    pub intensive_contacts: u32,
    /// The recommended annual caseload per full-time Idva: low end.
    pub caseload_low: u32,
    /// The recommended annual caseload per full-time Idva: high end.
    pub caseload_high: u32,
}

impl Default for CaseworkRules {
    fn default() -> CaseworkRules {
        CaseworkRules {
            first_contact_working_days_high: 2,
            first_contact_working_days: 5,
            reassessment_days: 56,
            review_months: 4,
            follow_up_months: 6,
            intensive_contacts: 6,
            caseload_low: 60,
            caseload_high: 70,
        }
    }
}

impl CaseworkRules {
    /// When the first contact with the victim is due.
    pub fn first_contact_due(&self, referred_on: Date, marac_level: bool) -> Date {
        let days = if marac_level {
            self.first_contact_working_days_high
        } else {
            self.first_contact_working_days
        };
        add_working_days(referred_on, days)
    }

    /// When the next Dash is due on an open case.
    pub fn reassessment_due(&self, last_assessed_on: Date) -> Date {
        last_assessed_on + Duration::days(i64::from(self.reassessment_days))
    }

    /// When the Time 2 review is due: four months after support began.
    pub fn review_due(&self, support_began_on: Date) -> Date {
        add_months(support_began_on, self.review_months)
    }

    /// When the follow-up contact is due after closure.
    pub fn follow_up_due(&self, closed_on: Date) -> Date {
        add_months(closed_on, self.follow_up_months)
    }

    /// Whether a number of significant contacts is intensive support.
    pub fn intensity(&self, significant_contacts: u32) -> Intensity {
        Intensity {
            significant_contacts,
            intensive: significant_contacts >= self.intensive_contacts,
            needed: self.intensive_contacts,
        }
    }
}

/// How intensive the support on a case has been.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Intensity {
    pub significant_contacts: u32,
    /// Six or more significant contacts (by default).
    pub intensive: bool,
    /// The number that makes support intensive.
    pub needed: u32,
}

/// Time from referral to first contact, for the service's indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TimeToFirstContact {
    pub working_days: u32,
    pub calendar_days: i64,
    /// Whether the contact met the service's standard.
    pub within_standard: bool,
}

/// The referral-to-first-contact indicator for one case.
pub fn time_to_first_contact(
    rules: &CaseworkRules,
    referred_on: Date,
    first_contact_on: Date,
    marac_level: bool,
) -> TimeToFirstContact {
    TimeToFirstContact {
        working_days: working_days_between(referred_on, first_contact_on),
        calendar_days: (first_contact_on - referred_on).whole_days(),
        within_standard: first_contact_on <= rules.first_contact_due(referred_on, marac_level),
    }
}

/// The referral-to-first-contact indicator over many cases.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FirstContactSummary {
    /// Cases with a first contact.
    pub cases: u32,
    /// Of those, contacted within the service's standard.
    pub within_standard: u32,
    /// The median time to first contact, in working days (the lower middle of an even count).
    pub median_working_days: Option<u32>,
}

impl FirstContactSummary {
    /// The share within the standard, in whole per cent.
    pub fn percent_within_standard(&self) -> Option<u32> {
        (self.within_standard * 100 + self.cases / 2).checked_div(self.cases)
    }
}

/// Summarises the indicator over cases.
pub fn summarise_first_contacts(times: &[TimeToFirstContact]) -> FirstContactSummary {
    let mut days: Vec<u32> = times.iter().map(|t| t.working_days).collect();
    days.sort_unstable();
    let median = match days.len() {
        0 => None,
        n => days.get((n - 1) / 2).copied(),
    };
    FirstContactSummary {
        cases: u32::try_from(times.len()).unwrap_or(u32::MAX),
        within_standard: u32::try_from(times.iter().filter(|t| t.within_standard).count())
            .unwrap_or(u32::MAX),
        median_working_days: median,
    }
}

choice!(
    /// How a contact happened.
    ContactKind {
        FaceToFace = "face_to_face": "Face to face",
        Phone = "phone": "Phone",
        Text = "text": "Text message",
        Email = "email": "Email",
        OnBehalf = "on_behalf": "With another agency on the victim's behalf",
    }
);

choice!(
    /// What came of a contact or an attempt at one.
    ContactOutcome {
        Spoke = "spoke": "Spoke with the victim",
        AgencyContacted = "agency_contacted": "Spoke with the agency",
        NoAnswer = "no_answer": "No answer",
        NotSafe = "not_safe": "Not safe to talk",
        WrongNumber = "wrong_number": "Number not in use or wrong",
        Declined = "declined": "Victim declined support",
    }
);

impl ContactOutcome {
    /// Whether the attempt reached someone: only these can be significant contacts.
    pub fn reached(self) -> bool {
        matches!(
            self,
            ContactOutcome::Spoke | ContactOutcome::AgencyContacted
        )
    }
}

/// A contact or an attempt, as submitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContactInput {
    pub contact_on: String,
    pub kind: String,
    pub outcome: String,
    /// "yes" or "no"; only asked when the attempt reached someone.
    pub significant: String,
    /// Minutes, optional.
    pub duration_minutes: String,
    pub note: String,
}

/// A valid contact, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewContact {
    pub contact_on: Date,
    pub kind: ContactKind,
    pub outcome: ContactOutcome,
    pub significant: bool,
    pub duration_minutes: Option<u32>,
    pub note: Option<String>,
}

/// The longest contact that can be recorded in one entry, in minutes.
pub const MAX_CONTACT_MINUTES: u32 = 600;

impl ContactInput {
    /// Checks a contact against today and the date the case was referred.
    pub fn parse(&self, today: Date, referred_on: Date) -> Result<NewContact, Vec<FieldError>> {
        let mut c = Checker { errors: Vec::new() };
        let contact_on = c.date(
            "contact_on",
            &self.contact_on,
            "date of the contact",
            today,
            true,
        );
        if let Some(d) = contact_on
            && d < referred_on
        {
            c.errors.push(FieldError::new(
                "contact_on",
                "The date of the contact must be on or after the date of the referral",
            ));
        }
        let kind = c.choice(
            "kind",
            &self.kind,
            ContactKind::parse,
            "Select how the contact happened",
            true,
        );
        let outcome = c.choice(
            "outcome",
            &self.outcome,
            ContactOutcome::parse,
            "Select what came of the contact",
            true,
        );
        let significant = match (outcome, self.significant.trim()) {
            (Some(o), "yes") if o.reached() => true,
            (Some(_), "yes") => {
                c.errors.push(FieldError::new(
                    "significant",
                    "Only a contact that reached the victim or an agency can be significant",
                ));
                false
            }
            (Some(o), "") if o.reached() => {
                c.errors.push(FieldError::new(
                    "significant",
                    "Select yes or no: was this a significant contact?",
                ));
                false
            }
            (_, "" | "no") => false,
            _ => {
                c.errors.push(FieldError::new(
                    "significant",
                    "Select yes or no: was this a significant contact?",
                ));
                false
            }
        };
        if kind == Some(ContactKind::OnBehalf) && outcome == Some(ContactOutcome::Spoke) {
            c.errors.push(FieldError::new(
                "outcome",
                "A contact with another agency on the victim's behalf cannot be \"spoke with the victim\"",
            ));
        }
        let duration_minutes = match self.duration_minutes.trim() {
            "" => None,
            s => match s.parse::<u32>() {
                Ok(m) if (1..=MAX_CONTACT_MINUTES).contains(&m) => Some(m),
                _ => {
                    c.errors.push(FieldError::new(
                        "duration_minutes",
                        format!(
                            "The duration must be a whole number of minutes from 1 to {MAX_CONTACT_MINUTES}"
                        ),
                    ));
                    None
                }
            },
        };
        let note = c.optional_text("note", &self.note, MAX_TEXT, "The note");
        match (contact_on, kind, outcome) {
            (Some(contact_on), Some(kind), Some(outcome)) if c.errors.is_empty() => {
                Ok(NewContact {
                    contact_on,
                    kind,
                    outcome,
                    significant,
                    duration_minutes,
                    note,
                })
            }
            _ => Err(c.errors),
        }
    }
}

choice!(
    /// The interventions the Safety in Numbers evaluation recorded per case.
    InterventionKind {
        SafetyPlanning = "safety_planning": "Safety planning",
        CriminalCourt = "criminal_court": "Support with a criminal court case",
        CivilRemedies = "civil_remedies": "Civil justice remedies (injunctions, orders)",
        Marac = "marac": "Subject to Marac",
        Housing = "housing": "Housing",
        TargetHardening = "target_hardening": "Target hardening",
        Sanctuary = "sanctuary": "Sanctuary scheme",
        Refuge = "refuge": "Refuge accommodation",
        ChildContact = "child_contact": "Child contact",
        SocialServices = "social_services": "Social services",
        Schools = "schools": "Children's schools",
        Benefits = "benefits": "Benefits",
        Immigration = "immigration": "Immigration",
        Gp = "gp": "Access to a GP",
        MentalHealth = "mental_health": "Mental health services",
        AlcoholDrugs = "alcohol_drugs": "Alcohol and drugs",
        Counselling = "counselling": "Counselling",
        PatternChanging = "pattern_changing": "Completed a pattern-changing course",
    }
);

choice!(
    /// Where an intervention stands.
    InterventionStatus {
        Offered = "offered": "Offered",
        Accepted = "accepted": "Accepted",
        InProgress = "in_progress": "In progress",
        Done = "done": "Done",
        Declined = "declined": "Declined",
    }
);

impl InterventionStatus {
    /// Whether the victim received (or is receiving) the intervention, as reports count it.
    pub fn received(self) -> bool {
        matches!(
            self,
            InterventionStatus::Accepted
                | InterventionStatus::InProgress
                | InterventionStatus::Done
        )
    }
}

/// An intervention's kind: one of the catalogue or one the service added locally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intervention {
    Catalogue(InterventionKind),
    /// A local intervention, named by the service (e.g. "Freedom Programme").
    Local(String),
}

impl Intervention {
    /// The stored key: the catalogue key, or `local:` and the name.
    pub fn key(&self) -> String {
        match self {
            Intervention::Catalogue(k) => k.as_str().to_owned(),
            Intervention::Local(name) => format!("local:{name}"),
        }
    }

    /// Reads a stored key.
    pub fn from_key(key: &str) -> Option<Intervention> {
        match key.strip_prefix("local:") {
            Some(name) if !name.trim().is_empty() => Some(Intervention::Local(name.to_owned())),
            Some(_) => None,
            None => InterventionKind::parse(key).map(Intervention::Catalogue),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Intervention::Catalogue(k) => k.label().to_owned(),
            Intervention::Local(name) => name.clone(),
        }
    }
}

/// An intervention as submitted: its kind (a catalogue key, or `local` with a name).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct InterventionInput {
    pub kind: String,
    pub local_name: String,
    pub status: String,
    /// The agency involved, by id, optional (checked by the store).
    pub agency_id: String,
    pub note: String,
}

/// A valid intervention, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewIntervention {
    pub intervention: Intervention,
    pub status: InterventionStatus,
    pub agency_id: Option<String>,
    pub note: Option<String>,
}

impl InterventionInput {
    /// Checks an intervention; `local` must name one of the service's local interventions.
    pub fn parse(&self, local: &[String]) -> Result<NewIntervention, Vec<FieldError>> {
        let mut c = Checker { errors: Vec::new() };
        let intervention = match self.kind.trim() {
            "" => {
                c.errors
                    .push(FieldError::new("kind", "Select the intervention"));
                None
            }
            "local" => {
                let name = self.local_name.trim();
                if let Some(found) = local.iter().find(|l| l.eq_ignore_ascii_case(name)) {
                    Some(Intervention::Local(found.clone()))
                } else {
                    c.errors.push(FieldError::new(
                        "local_name",
                        "Select one of the service's local interventions",
                    ));
                    None
                }
            }
            k => match InterventionKind::parse(k) {
                Some(kind) => Some(Intervention::Catalogue(kind)),
                None => {
                    c.errors.push(FieldError::new(
                        "kind",
                        "Select the intervention from the list",
                    ));
                    None
                }
            },
        };
        let status = c.choice(
            "status",
            &self.status,
            InterventionStatus::parse,
            "Select where the intervention stands",
            true,
        );
        let agency_id =
            (!self.agency_id.trim().is_empty()).then(|| self.agency_id.trim().to_owned());
        let note = c.optional_text("note", &self.note, MAX_TEXT, "The note");
        match (intervention, status) {
            (Some(intervention), Some(status)) if c.errors.is_empty() => Ok(NewIntervention {
                intervention,
                status,
                agency_id,
                note,
            }),
            _ => Err(c.errors),
        }
    }
}

choice!(
    /// Why a case closed, as services report it.
    ClosureReason {
        SupportCompleted = "support_completed": "Support completed: risk reduced",
        Disengaged = "disengaged": "Victim disengaged",
        DeclinedSupport = "declined_support": "Victim declined support",
        CouldNotContact = "could_not_contact": "Could not contact the victim",
        MovedArea = "moved_area": "Moved out of the area (case transferred)",
        ReferredOn = "referred_on": "Referred on to another service",
        Other = "other": "Other",
    }
);

impl ClosureReason {
    /// Whether the reason must be explained in words (services report these).
    pub fn needs_detail(self) -> bool {
        matches!(
            self,
            ClosureReason::DeclinedSupport
                | ClosureReason::CouldNotContact
                | ClosureReason::MovedArea
                | ClosureReason::ReferredOn
                | ClosureReason::Other
        )
    }
}

/// A closure as submitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClosureInput {
    pub closed_on: String,
    pub reason: String,
    pub reason_detail: String,
    /// Why the exit measures could not be taken, when they were not.
    pub exit_not_taken_reason: String,
    /// Why the case can close while its latest Dash says the risk is high.
    pub risk_reason: String,
    /// The Marac coordinator (a user id) who agreed to the case closing while it is listed
    /// for a meeting that has not been held.
    pub coordinator_agreed: String,
}

/// A valid closure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closure {
    pub closed_on: Date,
    pub reason: ClosureReason,
    pub reason_detail: Option<String>,
    pub exit_not_taken_reason: Option<String>,
    /// Why the case closed while the risk was high; only when it was.
    pub risk_reason: Option<String>,
    /// The coordinator who agreed, by id; only when the case was listed for a meeting not
    /// yet held.
    pub coordinator_agreed: Option<String>,
}

/// What a case still has open as it closes: the check-your-answers step shows it, and
/// [`ClosureInput::parse`] holds a closure to it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClosureFacts {
    /// The risk level of the case's latest Dash, if it has one.
    pub latest_risk: Option<RiskLevel>,
    /// Meetings the case is listed for that have not been held (closed) yet.
    pub listed_unheard: Vec<Date>,
    /// Actions agreed at the Marac on the case that are neither done nor closed as not
    /// possible.
    pub open_marac_actions: usize,
    /// Actions of the current safety plan not yet done.
    pub open_plan_actions: usize,
    /// Whether the review (Time 2) measures are recorded.
    pub review_recorded: bool,
    /// Whether the exit measures are recorded.
    pub exit_recorded: bool,
}

/// One thing still open on a case about to close, most serious first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StillOpen {
    /// The latest Dash says the risk is high.
    HighRisk,
    /// Listed for a Marac meeting on this date that has not been held.
    Listed(Date),
    /// Marac actions on the case not yet done.
    MaracActions(usize),
    /// Safety-plan actions not yet done.
    PlanActions(usize),
    /// No exit measures.
    NoExitMeasures,
    /// No review (Time 2) measures.
    NoReviewMeasures,
}

impl StillOpen {
    /// What the caseworker is told, in words.
    pub fn text(&self) -> String {
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {many}")
            }
        };
        match self {
            StillOpen::HighRisk => "The latest Dash says the risk is high".to_owned(),
            StillOpen::Listed(on) => format!(
                "Listed for the Marac meeting on {}, which has not been held",
                crate::calendar::long_date(*on)
            ),
            StillOpen::MaracActions(n) => format!(
                "{} agreed at the Marac not yet done",
                plural(*n, "action", "actions")
            ),
            StillOpen::PlanActions(n) => format!(
                "{} in the safety plan not yet done",
                plural(*n, "action", "actions")
            ),
            StillOpen::NoExitMeasures => "The exit measures have not been recorded".to_owned(),
            StillOpen::NoReviewMeasures => {
                "The review (Time 2) measures have not been recorded".to_owned()
            }
        }
    }
}

impl ClosureFacts {
    /// Whether the latest Dash says the risk is high.
    pub fn risk_still_high(&self) -> bool {
        self.latest_risk == Some(RiskLevel::High)
    }

    /// Everything still open, most serious first; empty when nothing is.
    pub fn still_open(&self) -> Vec<StillOpen> {
        let mut out = Vec::new();
        if self.risk_still_high() {
            out.push(StillOpen::HighRisk);
        }
        out.extend(self.listed_unheard.iter().map(|d| StillOpen::Listed(*d)));
        if self.open_marac_actions > 0 {
            out.push(StillOpen::MaracActions(self.open_marac_actions));
        }
        if self.open_plan_actions > 0 {
            out.push(StillOpen::PlanActions(self.open_plan_actions));
        }
        if !self.exit_recorded {
            out.push(StillOpen::NoExitMeasures);
        }
        if !self.review_recorded {
            out.push(StillOpen::NoReviewMeasures);
        }
        out
    }
}

impl ClosureInput {
    /// Checks a closure: not in the future, not before the referral, and either the exit
    /// measures recorded or a reason why they could not be taken. A case whose latest Dash
    /// says the risk is high cannot close as "support completed: risk reduced", and needs
    /// a reason to close at all; a case listed for a Marac meeting not yet held needs one
    /// of the Marac's `coordinators` (user ids) named as having agreed.
    pub fn parse(
        &self,
        today: Date,
        referred_on: Date,
        facts: &ClosureFacts,
        coordinators: &[String],
    ) -> Result<Closure, Vec<FieldError>> {
        let exit_recorded = facts.exit_recorded;
        let mut c = Checker { errors: Vec::new() };
        let closed_on = c.date("closed_on", &self.closed_on, "closure date", today, true);
        if let Some(d) = closed_on
            && d < referred_on
        {
            c.errors.push(FieldError::new(
                "closed_on",
                "The closure date must be on or after the date of the referral",
            ));
        }
        let reason = c.choice(
            "reason",
            &self.reason,
            ClosureReason::parse,
            "Select why the case is closing",
            true,
        );
        let reason_detail =
            c.optional_text("reason_detail", &self.reason_detail, MAX_TEXT, "The reason");
        if reason.is_some_and(ClosureReason::needs_detail) && reason_detail.is_none() {
            c.errors.push(FieldError::new(
                "reason_detail",
                "Explain the reason: services report why cases close this way",
            ));
        }
        let exit_not_taken_reason = c.optional_text(
            "exit_not_taken_reason",
            &self.exit_not_taken_reason,
            MAX_TEXT,
            "The reason",
        );
        if !exit_recorded && exit_not_taken_reason.is_none() {
            c.errors.push(FieldError::new(
                "exit_not_taken_reason",
                "Record the exit measures first, or say why they could not be taken",
            ));
        }
        let high = facts.risk_still_high();
        if high && reason == Some(ClosureReason::SupportCompleted) {
            c.errors.push(FieldError::new(
                "reason",
                "The latest Dash says the risk is high, so the case cannot close as support completed with the risk reduced: complete a new Dash, or choose the reason it is closing",
            ));
        }
        let risk_reason = c.optional_text("risk_reason", &self.risk_reason, MAX_TEXT, "The reason");
        if high && risk_reason.is_none() {
            c.errors.push(FieldError::new(
                "risk_reason",
                "Say why the case can close while the risk is high, and who else is managing it",
            ));
        }
        let agreed = self.coordinator_agreed.trim();
        let coordinator_agreed = match facts.listed_unheard.first() {
            None => None,
            Some(_) if coordinators.iter().any(|id| id == agreed) => Some(agreed.to_owned()),
            Some(on) => {
                c.errors.push(FieldError::new(
                    "coordinator_agreed",
                    format!(
                        "The case is listed for the Marac meeting on {}, which has not been held: select the Marac coordinator who agreed to it closing",
                        crate::calendar::long_date(*on)
                    ),
                ));
                None
            }
        };
        match (closed_on, reason) {
            (Some(closed_on), Some(reason)) if c.errors.is_empty() => Ok(Closure {
                risk_reason: if high { risk_reason } else { None },
                coordinator_agreed,
                closed_on,
                reason,
                reason_detail,
                exit_not_taken_reason: if exit_recorded {
                    None
                } else {
                    exit_not_taken_reason
                },
            }),
            _ => Err(c.errors),
        }
    }
}

/// An earlier case of the same client in the same service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EarlierCase<Id> {
    pub id: Id,
    pub status: CaseStatus,
    pub closed_on: Option<Date>,
}

/// Which earlier case a new case repeats: a client who returns after a case was closed is
/// a repeat, linked to the most recently closed case. A case still open is not repeated
/// (the new referral belongs on it), so this returns `None` then too.
pub fn repeat_of<Id: Clone>(earlier: &[EarlierCase<Id>]) -> Option<Id> {
    if earlier.iter().any(|e| e.status != CaseStatus::Closed) {
        return None;
    }
    earlier
        .iter()
        .filter_map(|e| e.closed_on.map(|d| (d, &e.id)))
        .max_by_key(|(d, _)| *d)
        .map(|(_, id)| id.clone())
}

/// Whether someone in this role holds a caseload and may be allocated cases: caseworkers
/// (Idvas and other case-holding staff). A Marac coordinator runs the Marac, a manager
/// allocates: neither is offered as a caseworker.
pub fn holds_a_caseload(role: crate::role::Role) -> bool {
    role == crate::role::Role::Caseworker
}

/// A caseworker's working time as a fraction of full time, in hundredths (1.0 FTE = 100).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Fte(u32);

impl Fte {
    pub const FULL_TIME: Fte = Fte(100);

    /// From hundredths (e.g. 60 for 0.6 FTE); 1 to 100.
    pub fn from_hundredths(h: u32) -> Option<Fte> {
        (1..=100).contains(&h).then_some(Fte(h))
    }

    pub fn hundredths(self) -> u32 {
        self.0
    }

    /// Reads "1", "0.6" or "0.75".
    pub fn parse(s: &str) -> Option<Fte> {
        let s = s.trim();
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        if whole.is_empty() && frac.is_empty() {
            return None;
        }
        if !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
            || frac.len() > 2
        {
            return None;
        }
        let whole: u32 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let frac: u32 = match frac.len() {
            0 => 0,
            1 => frac.parse::<u32>().ok()? * 10,
            _ => frac.parse().ok()?,
        };
        Fte::from_hundredths(whole.checked_mul(100)?.checked_add(frac)?)
    }
}

impl std::fmt::Display for Fte {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// Where a projected caseload sits against the recommended range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseloadBand {
    Below,
    Within,
    Above,
}

/// A caseworker's projected annual caseload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CaseloadProjection {
    /// Cases allocated in the window, annualised.
    pub projected_annual: u32,
    /// The same per full-time equivalent, for comparison with the recommended range.
    pub per_fte: u32,
    pub band: CaseloadBand,
}

/// The days of allocations a projection looks back over (13 weeks, a quarter).
pub const PROJECTION_WINDOW_DAYS: u32 = 91;

/// Projects a caseworker's annual caseload from the cases allocated to them in the last
/// `window_days` days: allocations × 365 / window, then per FTE, compared with the
/// recommended 60–70 per full-time Idva. Rounded to the nearest case.
pub fn project_caseload(
    rules: &CaseworkRules,
    allocated_in_window: u32,
    window_days: u32,
    fte: Fte,
) -> CaseloadProjection {
    let window = u64::from(window_days.max(1));
    let annual = (u64::from(allocated_in_window) * 365 + window / 2) / window;
    let per_fte = (annual * 100 + u64::from(fte.hundredths()) / 2) / u64::from(fte.hundredths());
    let per_fte = u32::try_from(per_fte).unwrap_or(u32::MAX);
    let band = if per_fte < rules.caseload_low {
        CaseloadBand::Below
    } else if per_fte <= rules.caseload_high {
        CaseloadBand::Within
    } else {
        CaseloadBand::Above
    };
    CaseloadProjection {
        projected_annual: u32::try_from(annual).unwrap_or(u32::MAX),
        per_fte,
        band,
    }
}

/// What a case needs next, for a caseworker's home page and the team view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    FirstContact,
    Reassessment,
    Review,
    SafetyPlanAction,
    FollowUp,
}

impl TaskKind {
    pub fn label(self) -> &'static str {
        match self {
            TaskKind::FirstContact => "First contact",
            TaskKind::Reassessment => "Dash re-assessment",
            TaskKind::Review => "Four-month review (Time 2)",
            TaskKind::SafetyPlanAction => "Safety plan action",
            TaskKind::FollowUp => "Six-month follow-up",
        }
    }
}

/// One thing due on a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Due {
    pub kind: TaskKind,
    pub due_on: Date,
}

impl Due {
    pub fn overdue(&self, today: Date) -> bool {
        self.due_on < today
    }
}

/// What a case records that decides what is due on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseClock {
    pub status: CaseStatus,
    pub referred_on: Date,
    /// High risk, or referred to the Marac.
    pub marac_level: bool,
    pub first_contact_on: Option<Date>,
    /// When support began (the first allocation), for the review.
    pub support_began_on: Option<Date>,
    pub last_assessed_on: Option<Date>,
    pub review_recorded: bool,
    pub closed_on: Option<Date>,
    pub follow_up_recorded: bool,
    /// Due dates of safety plan actions not yet done.
    pub open_actions_due: Vec<Date>,
    /// The client came back: a repeat case was opened from this closed one. Its follow-up
    /// is then moot (coming back is the outcome), so it is no longer due.
    pub returned: bool,
}

/// Everything due on a case, earliest first.
pub fn due_items(rules: &CaseworkRules, clock: &CaseClock) -> Vec<Due> {
    let mut due = Vec::new();
    match clock.status {
        CaseStatus::AwaitingAllocation | CaseStatus::Open => {
            if clock.first_contact_on.is_none() {
                due.push(Due {
                    kind: TaskKind::FirstContact,
                    due_on: rules.first_contact_due(clock.referred_on, clock.marac_level),
                });
            }
            if clock.status == CaseStatus::Open {
                if let Some(last) = clock.last_assessed_on {
                    due.push(Due {
                        kind: TaskKind::Reassessment,
                        due_on: rules.reassessment_due(last),
                    });
                }
                if let Some(began) = clock.support_began_on
                    && !clock.review_recorded
                {
                    due.push(Due {
                        kind: TaskKind::Review,
                        due_on: rules.review_due(began),
                    });
                }
                for d in &clock.open_actions_due {
                    due.push(Due {
                        kind: TaskKind::SafetyPlanAction,
                        due_on: *d,
                    });
                }
            }
        }
        CaseStatus::Closed => {
            if let Some(closed) = clock.closed_on
                && !clock.follow_up_recorded
                && !clock.returned
            {
                due.push(Due {
                    kind: TaskKind::FollowUp,
                    due_on: rules.follow_up_due(closed),
                });
            }
        }
    }
    due.sort_by_key(|d| (d.due_on, d.kind));
    due
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 25);

    fn rules() -> CaseworkRules {
        CaseworkRules::default()
    }

    #[test]
    fn follow_ups_come_after_closure_and_the_rest_before() {
        for stage in MeasureStage::ALL {
            let after = *stage == MeasureStage::FollowUp;
            assert_eq!(stage.allowed_when(CaseStatus::Closed), after, "{stage:?}");
            assert_eq!(stage.allowed_when(CaseStatus::Open), !after, "{stage:?}");
        }
    }

    #[test]
    fn six_significant_contacts_make_support_intensive() {
        let r = rules();
        assert!(!r.intensity(0).intensive);
        assert!(!r.intensity(5).intensive);
        assert!(r.intensity(6).intensive);
        assert!(r.intensity(40).intensive);
        let strict = CaseworkRules {
            intensive_contacts: 8,
            ..r
        };
        assert!(!strict.intensity(7).intensive);
        assert_eq!(strict.intensity(7).needed, 8);
    }

    #[test]
    fn first_contact_is_due_in_working_days_by_risk() {
        let r = rules();
        // Friday 20 November 2026: 2 working days → Tuesday 24th; 5 → Friday 27th.
        assert_eq!(
            r.first_contact_due(date!(2026 - 11 - 20), true),
            date!(2026 - 11 - 24)
        );
        assert_eq!(
            r.first_contact_due(date!(2026 - 11 - 20), false),
            date!(2026 - 11 - 27)
        );
        // Over Christmas 2026: Thursday 24 December + 2 → Wednesday 30 December.
        assert_eq!(
            r.first_contact_due(date!(2026 - 12 - 24), true),
            date!(2026 - 12 - 30)
        );
    }

    #[test]
    fn time_to_first_contact_is_measured_against_the_standard() {
        let r = rules();
        let t = time_to_first_contact(&r, date!(2026 - 11 - 20), date!(2026 - 11 - 24), true);
        assert_eq!(t.working_days, 2);
        assert_eq!(t.calendar_days, 4);
        assert!(t.within_standard);
        let late = time_to_first_contact(&r, date!(2026 - 11 - 20), date!(2026 - 11 - 25), true);
        assert!(!late.within_standard);
        assert!(
            time_to_first_contact(&r, date!(2026 - 11 - 20), date!(2026 - 11 - 25), false)
                .within_standard
        );
    }

    #[test]
    fn the_first_contact_indicator_summarises_cases() {
        let r = rules();
        let t = |referred: Date, first: Date| time_to_first_contact(&r, referred, first, true);
        let times = [
            t(date!(2026 - 11 - 16), date!(2026 - 11 - 17)),
            t(date!(2026 - 11 - 16), date!(2026 - 11 - 23)),
            t(date!(2026 - 11 - 16), date!(2026 - 11 - 18)),
        ];
        let s = summarise_first_contacts(&times);
        assert_eq!(s.cases, 3);
        assert_eq!(s.within_standard, 2);
        assert_eq!(s.median_working_days, Some(2));
        assert_eq!(s.percent_within_standard(), Some(67));
        let none = summarise_first_contacts(&[]);
        assert_eq!(none.median_working_days, None);
        assert_eq!(none.percent_within_standard(), None);
    }

    #[test]
    fn review_is_four_months_after_support_began_and_follow_up_six_after_closure() {
        let r = rules();
        assert_eq!(r.review_due(date!(2026 - 10 - 31)), date!(2027 - 02 - 28));
        assert_eq!(
            r.follow_up_due(date!(2026 - 11 - 25)),
            date!(2027 - 05 - 25)
        );
        assert_eq!(
            r.reassessment_due(date!(2026 - 11 - 25)),
            date!(2027 - 01 - 20)
        );
    }

    fn open_clock() -> CaseClock {
        CaseClock {
            status: CaseStatus::Open,
            referred_on: date!(2026 - 07 - 01),
            marac_level: true,
            first_contact_on: Some(date!(2026 - 07 - 02)),
            support_began_on: Some(date!(2026 - 07 - 02)),
            last_assessed_on: Some(date!(2026 - 10 - 01)),
            review_recorded: false,
            closed_on: None,
            follow_up_recorded: false,
            open_actions_due: vec![date!(2026 - 12 - 01)],
            returned: false,
        }
    }

    #[test]
    fn an_open_case_is_due_its_reassessment_review_and_actions() {
        let due = due_items(&rules(), &open_clock());
        let kinds: Vec<TaskKind> = due.iter().map(|d| d.kind).collect();
        assert_eq!(
            kinds,
            vec![
                TaskKind::Review,
                TaskKind::Reassessment,
                TaskKind::SafetyPlanAction
            ]
        );
        assert_eq!(due[0].due_on, date!(2026 - 11 - 02));
        assert!(due[0].overdue(TODAY));
        assert!(!due[2].overdue(TODAY));
    }

    #[test]
    fn a_recorded_review_is_not_due_again() {
        let clock = CaseClock {
            review_recorded: true,
            ..open_clock()
        };
        assert!(
            due_items(&rules(), &clock)
                .iter()
                .all(|d| d.kind != TaskKind::Review)
        );
    }

    #[test]
    fn a_new_referral_is_due_first_contact_only() {
        let clock = CaseClock {
            status: CaseStatus::AwaitingAllocation,
            first_contact_on: None,
            support_began_on: None,
            last_assessed_on: Some(date!(2026 - 11 - 20)),
            ..open_clock()
        };
        let due = due_items(&rules(), &clock);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].kind, TaskKind::FirstContact);
    }

    #[test]
    fn a_closed_case_is_due_its_follow_up_until_recorded() {
        let closed = CaseClock {
            status: CaseStatus::Closed,
            closed_on: Some(date!(2026 - 11 - 01)),
            ..open_clock()
        };
        let due = due_items(&rules(), &closed);
        assert_eq!(
            due,
            vec![Due {
                kind: TaskKind::FollowUp,
                due_on: date!(2027 - 05 - 01)
            }]
        );
        let done = CaseClock {
            follow_up_recorded: true,
            ..closed.clone()
        };
        assert!(due_items(&rules(), &done).is_empty());
        let came_back = CaseClock {
            returned: true,
            ..closed
        };
        assert!(
            due_items(&rules(), &came_back).is_empty(),
            "no follow-up once a repeat case is open"
        );
    }

    #[test]
    fn a_returning_client_repeats_the_latest_closed_case() {
        let earlier = vec![
            EarlierCase {
                id: 1,
                status: CaseStatus::Closed,
                closed_on: Some(date!(2025 - 03 - 01)),
            },
            EarlierCase {
                id: 2,
                status: CaseStatus::Closed,
                closed_on: Some(date!(2026 - 01 - 10)),
            },
        ];
        assert_eq!(repeat_of(&earlier), Some(2));
        assert_eq!(repeat_of::<u32>(&[]), None);
        let mut still_open = earlier.clone();
        still_open.push(EarlierCase {
            id: 3,
            status: CaseStatus::Open,
            closed_on: None,
        });
        assert_eq!(repeat_of(&still_open), None);
    }

    #[test]
    fn caseload_is_projected_per_fte_against_the_recommended_range() {
        let r = rules();
        // 15 allocations in 13 weeks ≈ 60 a year: within 60–70 for a full-timer.
        let p = project_caseload(&r, 15, 91, Fte::FULL_TIME);
        assert_eq!(p.projected_annual, 60);
        assert_eq!(p.per_fte, 60);
        assert_eq!(p.band, CaseloadBand::Within);
        // The same work at 0.5 FTE is 120 per FTE: above.
        let half = Fte::parse("0.5").unwrap();
        let p = project_caseload(&r, 15, 91, half);
        assert_eq!(p.per_fte, 120);
        assert_eq!(p.band, CaseloadBand::Above);
        assert_eq!(
            project_caseload(&r, 0, 91, Fte::FULL_TIME).band,
            CaseloadBand::Below
        );
        // 75 cases in a quarter: the ~300-a-year caseload the field reports.
        assert_eq!(
            project_caseload(&r, 75, 91, Fte::FULL_TIME).projected_annual,
            301
        );
        assert_eq!(
            project_caseload(&r, 5, 0, Fte::FULL_TIME).projected_annual,
            1825
        );
    }

    #[test]
    fn fte_reads_decimals() {
        assert_eq!(Fte::parse("1"), Some(Fte::FULL_TIME));
        assert_eq!(Fte::parse("1.0"), Some(Fte::FULL_TIME));
        assert_eq!(Fte::parse("0.6").map(Fte::hundredths), Some(60));
        assert_eq!(Fte::parse(".75").map(Fte::hundredths), Some(75));
        assert_eq!(
            Fte::parse("0.6").map(|f| f.to_string()),
            Some("0.60".to_owned())
        );
        for bad in ["", "0", "1.5", "2", "-1", "0.555", "abc", "."] {
            assert_eq!(Fte::parse(bad), None, "{bad}");
        }
    }

    fn contact() -> ContactInput {
        ContactInput {
            contact_on: "2026-11-24".into(),
            kind: "phone".into(),
            outcome: "spoke".into(),
            significant: "yes".into(),
            duration_minutes: "40".into(),
            note: "Safety planning call".into(),
        }
    }

    #[test]
    fn a_contact_parses() {
        let c = contact().parse(TODAY, date!(2026 - 11 - 20)).unwrap();
        assert!(c.significant);
        assert_eq!(c.duration_minutes, Some(40));
        assert_eq!(c.kind, ContactKind::Phone);
    }

    fn fields(e: Vec<FieldError>) -> Vec<String> {
        e.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_contact_cannot_be_in_the_future_or_before_the_referral() {
        let future = ContactInput {
            contact_on: "2026-11-26".into(),
            ..contact()
        };
        assert_eq!(
            fields(future.parse(TODAY, date!(2026 - 11 - 20)).unwrap_err()),
            ["contact_on"]
        );
        let early = ContactInput {
            contact_on: "2026-11-19".into(),
            ..contact()
        };
        assert_eq!(
            fields(early.parse(TODAY, date!(2026 - 11 - 20)).unwrap_err()),
            ["contact_on"]
        );
    }

    #[test]
    fn an_unanswered_call_is_never_significant() {
        let attempt = ContactInput {
            outcome: "no_answer".into(),
            ..contact()
        };
        assert_eq!(
            fields(attempt.parse(TODAY, date!(2026 - 11 - 20)).unwrap_err()),
            ["significant"]
        );
        let attempt = ContactInput {
            outcome: "no_answer".into(),
            significant: String::new(),
            ..contact()
        };
        assert!(
            !attempt
                .parse(TODAY, date!(2026 - 11 - 20))
                .unwrap()
                .significant
        );
    }

    #[test]
    fn contact_errors_are_all_reported() {
        let bad = ContactInput {
            contact_on: "yesterday".into(),
            kind: "carrier pigeon".into(),
            outcome: String::new(),
            significant: "maybe".into(),
            duration_minutes: "0".into(),
            note: "x".repeat(MAX_TEXT + 1),
        };
        assert_eq!(
            fields(bad.parse(TODAY, date!(2026 - 11 - 20)).unwrap_err()),
            [
                "contact_on",
                "kind",
                "outcome",
                "significant",
                "duration_minutes",
                "note"
            ]
        );
        let reached_unsaid = ContactInput {
            significant: String::new(),
            ..contact()
        };
        assert_eq!(
            fields(
                reached_unsaid
                    .parse(TODAY, date!(2026 - 11 - 20))
                    .unwrap_err()
            ),
            ["significant"]
        );
        let on_behalf = ContactInput {
            kind: "on_behalf".into(),
            ..contact()
        };
        assert_eq!(
            fields(on_behalf.parse(TODAY, date!(2026 - 11 - 20)).unwrap_err()),
            ["outcome"]
        );
    }

    #[test]
    fn interventions_come_from_the_catalogue_or_the_local_list() {
        let local = vec!["Freedom Programme".to_owned()];
        let i = InterventionInput {
            kind: "refuge".into(),
            status: "accepted".into(),
            ..Default::default()
        }
        .parse(&local)
        .unwrap();
        assert_eq!(
            i.intervention,
            Intervention::Catalogue(InterventionKind::Refuge)
        );
        assert!(i.status.received());
        let l = InterventionInput {
            kind: "local".into(),
            local_name: "freedom programme".into(),
            status: "offered".into(),
            ..Default::default()
        }
        .parse(&local)
        .unwrap();
        assert_eq!(l.intervention.key(), "local:Freedom Programme");
        assert_eq!(
            Intervention::from_key(&l.intervention.key()),
            Some(l.intervention.clone())
        );
        assert!(!l.status.received());
        let bad = InterventionInput {
            kind: "local".into(),
            local_name: "Made up".into(),
            status: "sometimes".into(),
            ..Default::default()
        };
        assert_eq!(
            fields(bad.parse(&local).unwrap_err()),
            ["local_name", "status"]
        );
        assert_eq!(InterventionKind::ALL.len(), 18);
        for k in InterventionKind::ALL {
            assert_eq!(
                Intervention::from_key(k.as_str()),
                Some(Intervention::Catalogue(*k))
            );
        }
        assert_eq!(Intervention::from_key("local:"), None);
        assert_eq!(Intervention::from_key("nonsense"), None);
    }

    #[test]
    fn only_caseworkers_are_offered_for_allocation() {
        use crate::role::Role;
        assert!(holds_a_caseload(Role::Caseworker));
        for role in [
            Role::MaracCoordinator,
            Role::Manager,
            Role::AgencyRep,
            Role::Admin,
            Role::DataProtection,
        ] {
            assert!(!holds_a_caseload(role), "{role:?}");
        }
    }

    fn closure() -> ClosureInput {
        ClosureInput {
            closed_on: "2026-11-25".into(),
            reason: "support_completed".into(),
            ..Default::default()
        }
    }

    /// A case with nothing left open but, unless `exit`, its exit measures.
    fn settled(exit: bool) -> ClosureFacts {
        ClosureFacts {
            latest_risk: Some(RiskLevel::Medium),
            review_recorded: true,
            exit_recorded: exit,
            ..Default::default()
        }
    }

    const REFERRED: Date = date!(2026 - 07 - 01);

    #[test]
    fn closing_needs_the_exit_measures_or_a_reason() {
        assert!(
            closure()
                .parse(TODAY, REFERRED, &settled(true), &[])
                .is_ok()
        );
        assert_eq!(
            fields(
                closure()
                    .parse(TODAY, REFERRED, &settled(false), &[])
                    .unwrap_err()
            ),
            ["exit_not_taken_reason"]
        );
        let explained = ClosureInput {
            exit_not_taken_reason: "Victim moved away before the exit meeting".into(),
            ..closure()
        };
        let c = explained
            .parse(TODAY, REFERRED, &settled(false), &[])
            .unwrap();
        assert!(c.exit_not_taken_reason.is_some());
    }

    /// The case the journeys found closed on its first day: high risk, listed for a
    /// meeting not yet held, Marac and safety-plan actions open, no measures.
    fn first_day() -> ClosureFacts {
        ClosureFacts {
            latest_risk: Some(RiskLevel::High),
            listed_unheard: vec![date!(2026 - 12 - 03)],
            open_marac_actions: 2,
            open_plan_actions: 1,
            review_recorded: false,
            exit_recorded: false,
        }
    }

    #[test]
    fn everything_still_open_is_listed_most_serious_first() {
        let open = first_day().still_open();
        assert_eq!(
            open,
            [
                StillOpen::HighRisk,
                StillOpen::Listed(date!(2026 - 12 - 03)),
                StillOpen::MaracActions(2),
                StillOpen::PlanActions(1),
                StillOpen::NoExitMeasures,
                StillOpen::NoReviewMeasures,
            ]
        );
        assert_eq!(
            open[1].text(),
            "Listed for the Marac meeting on 3 December 2026, which has not been held"
        );
        assert_eq!(open[2].text(), "2 actions agreed at the Marac not yet done");
        assert_eq!(open[3].text(), "1 action in the safety plan not yet done");
        assert!(settled(true).still_open().is_empty());
    }

    #[test]
    fn a_high_risk_case_listed_for_the_marac_does_not_close_as_risk_reduced() {
        let coordinators = ["coordinator-1".to_owned()];
        // As the journeys found it: closed on the first day as "support completed".
        let rushed = ClosureInput {
            exit_not_taken_reason: "Not seen yet".into(),
            ..closure()
        };
        assert_eq!(
            fields(
                rushed
                    .parse(TODAY, REFERRED, &first_day(), &coordinators)
                    .unwrap_err()
            ),
            ["reason", "risk_reason", "coordinator_agreed"]
        );
        // Another reason, explained, with the risk reason and a coordinator who agreed.
        let explained = ClosureInput {
            reason: "referred_on".into(),
            reason_detail: "Moved to a refuge in another area; its Idva holds the case".into(),
            risk_reason: "The receiving Idva and police hold the risk".into(),
            coordinator_agreed: "coordinator-1".into(),
            ..rushed.clone()
        };
        let c = explained
            .parse(TODAY, REFERRED, &first_day(), &coordinators)
            .unwrap();
        assert_eq!(c.coordinator_agreed.as_deref(), Some("coordinator-1"));
        assert!(c.risk_reason.is_some());
        // Anyone who is not one of the Marac's coordinators cannot agree.
        let stranger = ClosureInput {
            coordinator_agreed: "someone-else".into(),
            ..explained.clone()
        };
        assert_eq!(
            fields(
                stranger
                    .parse(TODAY, REFERRED, &first_day(), &coordinators)
                    .unwrap_err()
            ),
            ["coordinator_agreed"]
        );
        // Not high and not listed: neither is asked for, and neither is kept.
        let calm = explained
            .parse(TODAY, REFERRED, &settled(false), &coordinators)
            .unwrap();
        assert_eq!((calm.risk_reason, calm.coordinator_agreed), (None, None));
        // Medium risk may close as support completed.
        assert!(
            closure()
                .parse(TODAY, REFERRED, &settled(true), &[])
                .is_ok()
        );
    }

    #[test]
    fn closure_dates_and_reasons_are_checked() {
        let early = ClosureInput {
            closed_on: "2026-06-30".into(),
            ..closure()
        };
        assert_eq!(
            fields(
                early
                    .parse(TODAY, REFERRED, &settled(true), &[])
                    .unwrap_err()
            ),
            ["closed_on"]
        );
        let future = ClosureInput {
            closed_on: "2026-11-26".into(),
            ..closure()
        };
        assert_eq!(
            fields(
                future
                    .parse(TODAY, REFERRED, &settled(true), &[])
                    .unwrap_err()
            ),
            ["closed_on"]
        );
        let unexplained = ClosureInput {
            reason: "could_not_contact".into(),
            ..closure()
        };
        assert_eq!(
            fields(
                unexplained
                    .parse(TODAY, REFERRED, &settled(true), &[])
                    .unwrap_err()
            ),
            ["reason_detail"]
        );
    }
}
