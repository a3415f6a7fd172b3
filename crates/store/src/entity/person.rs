//! A person record: victim, perpetrator or child, as one agency knows them.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "people")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Sealed (see `crypto`).
    #[sea_orm(column_type = "Text")]
    pub given_name: String,
    #[sea_orm(column_type = "Text")]
    pub family_name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub date_of_birth: Option<String>,
    pub gender: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    /// When the details were last corrected; `None` if never.
    #[serde(default)]
    pub updated_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
