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
    /// The team of the holding agency that works the case.
    pub team_id: Option<Uuid>,
    pub status: String,
    pub latest_risk_level: Option<String>,
    pub latest_yes_count: Option<i32>,
    pub latest_assessed_on: Option<TimeDate>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    /// Set while the case is under legal hold (sealed: it may name proceedings).
    #[sea_orm(column_type = "Text", nullable)]
    pub legal_hold_reason: Option<String>,
    /// The date of the (first) referral, copied here for the triage queue's ordering.
    pub referred_on: Option<TimeDate>,
    /// When the case was allocated to its caseworker.
    pub allocated_at: Option<TimeDateTimeWithTimeZone>,
    /// The first contact that reached the victim.
    pub first_contact_on: Option<TimeDate>,
    pub closed_on: Option<TimeDate>,
    pub closure_reason: Option<String>,
    /// Sealed.
    #[sea_orm(column_type = "Text", nullable)]
    pub closure_detail: Option<String>,
    /// Why the exit measures could not be taken (sealed).
    #[sea_orm(column_type = "Text", nullable)]
    pub exit_not_taken_reason: Option<String>,
    /// Why the case closed while its latest Dash said the risk was high (sealed).
    #[sea_orm(column_type = "Text", nullable)]
    pub closure_risk_reason: Option<String>,
    /// The Marac coordinator who agreed to the case closing while it was listed for a
    /// meeting not yet held.
    pub closure_agreed_by: Option<Uuid>,
    /// The earlier case this one repeats (a client who came back).
    pub previous_case_id: Option<Uuid>,
    /// Where the victim lives now (sealed; restricted).
    #[sea_orm(column_type = "Text", nullable)]
    pub current_address: Option<String>,
    /// Sealed; restricted.
    #[sea_orm(column_type = "Text", nullable)]
    pub current_postcode: Option<String>,
    /// The refuge the victim is staying in (sealed; restricted).
    #[sea_orm(column_type = "Text", nullable)]
    pub refuge: Option<String>,
    /// The victim's GP practice (sealed; restricted).
    #[sea_orm(column_type = "Text", nullable)]
    pub gp_practice: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
