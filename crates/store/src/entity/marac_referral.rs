//! A referral of a victim to a Marac: the anchor of the repeat rule.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "marac_referrals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub marac_id: Uuid,
    pub victim_person_id: Uuid,
    pub assessment_id: Uuid,
    pub referred_on: TimeDate,
    pub criteria: String,
    pub created_at: TimeDateTimeWithTimeZone,
    /// received, accepted, returned or diverted (under 16: children's safeguarding).
    pub status: String,
    pub referring_agency_id: Option<Uuid>,
    pub referred_by: Option<Uuid>,
    /// Sealed JSON: the referral form.
    #[sea_orm(column_type = "Text", nullable)]
    pub details: Option<String>,
    pub repeat: bool,
    pub repeat_of: Option<Uuid>,
    /// Sealed.
    #[sea_orm(column_type = "Text", nullable)]
    pub returned_reason: Option<String>,
    pub screened_by: Option<Uuid>,
    pub screened_at: Option<TimeDateTimeWithTimeZone>,
    /// The Marac this referral was transferred from, when the victim moved area.
    pub transferred_from_marac_id: Option<Uuid>,
    /// Sealed.
    #[sea_orm(column_type = "Text", nullable)]
    pub transfer_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
