//! A Marac and its locally configured referral thresholds.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "maracs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub area: String,
    pub visible_high_risk_yes: i32,
    pub medium_from_yes: i32,
    pub escalation_incidents: i32,
    pub repeat_window_months: i32,
    pub coordinating_agency_id: Option<Uuid>,
    pub chair_user_id: Option<Uuid>,
    /// The meeting schedule as JSON (`waymark_domain::marac::Schedule`).
    #[sea_orm(column_type = "Text", nullable)]
    pub schedule: Option<String>,
    pub cases_per_meeting: i32,
    pub research_days: i32,
    pub repeats_first: bool,
    pub adult_female_population: Option<i32>,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
