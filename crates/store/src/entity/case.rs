//! A case: the work with one victim, owned by one agency.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub reference: String,
    pub owning_agency_id: Uuid,
    pub marac_id: Uuid,
    pub caseworker_id: Option<Uuid>,
    pub status: String,
    pub latest_risk_level: Option<String>,
    pub latest_yes_count: Option<i32>,
    pub latest_assessed_on: Option<TimeDate>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    /// Set while the case is under legal hold (sealed: it may name proceedings).
    #[sea_orm(column_type = "Text", nullable)]
    pub legal_hold_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
