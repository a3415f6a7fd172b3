//! Outcome measures taken on a case: intake (Time 1), review (Time 2), exit and follow-up.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "case_measures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub stage: String,
    pub recorded_on: TimeDate,
    /// The form's answers as JSON (sealed: they include equality data).
    #[sea_orm(column_type = "Text")]
    pub answers: String,
    pub recorded_by: Uuid,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
