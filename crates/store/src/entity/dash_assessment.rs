//! One completed risk checklist with the decision computed when it was recorded.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "dash_assessments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub instrument_id: String,
    pub instrument_version: String,
    #[sea_orm(column_type = "Text")]
    pub answers: String,
    #[sea_orm(column_type = "Text")]
    pub details: String,
    pub abuse_incidents: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub professional_judgement_reason: Option<String>,
    pub assessed_on: TimeDate,
    pub previous_marac_referral_on: Option<TimeDate>,
    pub yes_count: i32,
    pub not_known_count: i32,
    pub answered: i32,
    pub risk_level: String,
    pub refer_to_marac: bool,
    pub criteria: String,
    pub assessed_by: Uuid,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
