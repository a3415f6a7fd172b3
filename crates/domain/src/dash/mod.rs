//! The Dash risk identification checklist and the Marac referral decision.
//!
//! An instrument (the questions) is versioned data loaded from JSON, so a service can add a
//! local or police form without a code change. An [`Assessment`] is one completed checklist;
//! [`decide`] turns it into a [`Decision`]: the score, the risk level and which Marac referral
//! criteria are met. The thresholds are configurable per Marac ([`Thresholds`]).

mod answer;
mod assessment;
mod compare;
mod decision;
mod error;
mod instrument;
mod request;
mod thresholds;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod testing;

pub use answer::Answer;
pub use assessment::{Assessment, ProfessionalJudgement, format_iso_date, parse_iso_date};
pub use compare::{AssessmentChange, compare};
pub use decision::{Decision, MaracCriterion, RiskLevel, decide, repeat_window_end, try_decide};
pub use error::{DashInputError, InstrumentError, ThresholdError};
pub use instrument::{
    DEFAULT_INSTRUMENT_ID, Instrument, InstrumentItem, InstrumentRegistry, ScoringRule,
};
pub use request::{ScoreRequest, parse_score_request};
pub use thresholds::Thresholds;
