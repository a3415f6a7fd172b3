//! How a case came in: who referred, by which route, consent and safe contact.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "referrals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub referring_agency_id: Uuid,
    pub route: String,
    pub referred_on: TimeDate,
    pub consent: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub consent_reason: Option<String>,
    pub victim_aware: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub safe_phone: Option<String>,
    pub safe_times: Option<String>,
    pub voicemail_safe: bool,
    pub post_safe: bool,
    /// The victim said they were in immediate danger when they referred themselves.
    pub immediate_danger: bool,
    pub created_by: Uuid,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
