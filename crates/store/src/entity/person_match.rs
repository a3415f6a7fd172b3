//! A caseworker's or coordinator's decision on a possible match between two people: the same
//! person, or not. Stored once per pair (the smaller id first) so it is never asked again.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "person_matches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The smaller of the two person ids.
    pub person_a: Uuid,
    pub person_b: Uuid,
    /// True: the same person. False: two different people.
    pub same_person: bool,
    /// The engine's probability when the decision was made.
    pub probability: f64,
    pub decided_by: Uuid,
    pub decided_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
