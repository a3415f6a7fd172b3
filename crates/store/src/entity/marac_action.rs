//! An action a Marac agreed on a case, owned by one member agency.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "marac_actions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub hearing_id: Uuid,
    pub meeting_id: Uuid,
    pub case_id: Uuid,
    pub agency_id: Uuid,
    /// Sealed.
    #[sea_orm(column_type = "Text")]
    pub action: String,
    pub purpose: String,
    pub due_on: TimeDate,
    pub status: String,
    pub not_done_reason: Option<String>,
    /// Sealed.
    #[sea_orm(column_type = "Text", nullable)]
    pub status_note: Option<String>,
    pub reviewed_at_meeting_id: Option<Uuid>,
    pub created_by: Uuid,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
