//! One contact with or about the victim, or an attempt at one.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "case_contacts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub contact_on: TimeDate,
    pub kind: String,
    pub outcome: String,
    pub significant: bool,
    pub duration_minutes: Option<i32>,
    /// Sealed.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub recorded_by: Uuid,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
