//! Agencies and Maracs: the area's configuration.
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set};
use uuid::Uuid;
use waymark_domain::dash::Thresholds;

use crate::entity::{agency, marac};
use crate::{StoreError, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agency {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marac {
    pub id: Uuid,
    pub name: String,
    pub area: String,
    pub thresholds: Thresholds,
}

/// Converts a stored count into the domain's unsigned form; a negative value means
/// someone edited the database by hand.
fn count(v: i32, what: &str) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("negative {what}")))
}

pub(crate) fn marac_from(m: marac::Model) -> Result<Marac, StoreError> {
    Ok(Marac {
        id: m.id,
        thresholds: Thresholds {
            visible_high_risk_yes: count(m.visible_high_risk_yes, "threshold")?,
            medium_from_yes: count(m.medium_from_yes, "threshold")?,
            escalation_incidents: count(m.escalation_incidents, "threshold")?,
            repeat_window_months: count(m.repeat_window_months, "threshold")?,
        },
        name: m.name,
        area: m.area,
    })
}

fn to_i32(v: u32) -> Result<i32, StoreError> {
    i32::try_from(v).map_err(|_| StoreError::Invalid("number too large".into()))
}

impl Tx {
    pub async fn create_agency(&self, name: &str, kind: &str) -> Result<Agency, StoreError> {
        let m = agency::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(name.to_owned()),
            kind: Set(kind.to_owned()),
            restrict_to_teams: Set(false),
            created_at: Set(crate::now()),
        }
        .insert(self.conn())
        .await?;
        Ok(Agency {
            id: m.id,
            name: m.name,
            kind: m.kind,
        })
    }

    pub async fn agencies(&self) -> Result<Vec<Agency>, StoreError> {
        Ok(agency::Entity::find()
            .order_by_asc(agency::Column::Name)
            .all(self.conn())
            .await?
            .into_iter()
            .map(|m| Agency {
                id: m.id,
                name: m.name,
                kind: m.kind,
            })
            .collect())
    }

    pub async fn agency(&self, id: Uuid) -> Result<Option<Agency>, StoreError> {
        Ok(agency::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .map(|m| Agency {
                id: m.id,
                name: m.name,
                kind: m.kind,
            }))
    }

    pub async fn agency_by_name(&self, name: &str) -> Result<Option<Agency>, StoreError> {
        use sea_orm::{ColumnTrait, QueryFilter};
        Ok(agency::Entity::find()
            .filter(agency::Column::Name.eq(name))
            .one(self.conn())
            .await?
            .map(|m| Agency {
                id: m.id,
                name: m.name,
                kind: m.kind,
            }))
    }

    pub async fn create_marac(
        &self,
        name: &str,
        area: &str,
        thresholds: &Thresholds,
    ) -> Result<Marac, StoreError> {
        thresholds
            .validate()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let m = marac::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(name.to_owned()),
            area: Set(area.to_owned()),
            visible_high_risk_yes: Set(to_i32(thresholds.visible_high_risk_yes)?),
            medium_from_yes: Set(to_i32(thresholds.medium_from_yes)?),
            escalation_incidents: Set(to_i32(thresholds.escalation_incidents)?),
            repeat_window_months: Set(to_i32(thresholds.repeat_window_months)?),
            coordinating_agency_id: Set(None),
            chair_user_id: Set(None),
            schedule: Set(None),
            cases_per_meeting: Set(16),
            research_days: Set(5),
            repeats_first: Set(true),
            adult_female_population: Set(None),
            created_at: Set(crate::now()),
        }
        .insert(self.conn())
        .await?;
        marac_from(m)
    }

    pub async fn maracs(&self) -> Result<Vec<Marac>, StoreError> {
        marac::Entity::find()
            .order_by_asc(marac::Column::Name)
            .all(self.conn())
            .await?
            .into_iter()
            .map(marac_from)
            .collect()
    }

    pub async fn marac(&self, id: Uuid) -> Result<Option<Marac>, StoreError> {
        marac::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .map(marac_from)
            .transpose()
    }
}
