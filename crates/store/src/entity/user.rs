//! A person who signs in: belongs to one agency and holds one role.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub agency_id: Uuid,
    pub role: String,
    pub password_hash: String,
    pub active: bool,
    pub must_change_password: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub mfa_enrolled_at: Option<TimeDateTimeWithTimeZone>,
    pub mfa_exempt_demo: bool,
    /// Working time as hundredths of full time (1.0 FTE = 100).
    pub fte_hundredths: i32,
    /// The user's team within their agency, if any.
    pub team_id: Option<Uuid>,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
