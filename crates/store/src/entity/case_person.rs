//! A person's part in a case: victim, perpetrator, child or another linked person.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "case_people")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub person_id: Uuid,
    pub role: String,
    pub relationship: Option<String>,
    pub lives_with: Option<String>,
    pub position: i32,
    /// A child's school or nursery: restricted, shown only on an audited reveal (sealed).
    #[sea_orm(column_type = "Text", nullable)]
    pub school: Option<String>,
    /// A linked adult's relationship to the victim, in the worker's words (sealed).
    #[sea_orm(column_type = "Text", nullable)]
    pub relationship_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
