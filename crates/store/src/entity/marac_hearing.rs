//! A case on a meeting's agenda and, once heard, its minutes.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "marac_hearings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub referral_id: Uuid,
    pub case_id: Uuid,
    pub position: i32,
    pub transferred_from: Option<String>,
    /// Sealed.
    #[sea_orm(column_type = "Text", nullable)]
    pub discussion: Option<String>,
    /// Sealed.
    #[sea_orm(column_type = "Text", nullable)]
    pub risks: Option<String>,
    /// Sealed.
    #[sea_orm(column_type = "Text", nullable)]
    pub decision: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
