//! Teams within an agency, and the agency's choice to limit its caseworkers to their own
//! team's cases (`domain::access::team_allows`). Administrators set both up; a case
//! belongs to the team of whoever works it.
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::entity::{agency, team, user};
use crate::{StoreError, Tx};

/// The longest team name.
pub const MAX_TEAM_NAME: usize = 80;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Team {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub name: String,
}

fn team_from(m: team::Model) -> Team {
    Team {
        id: m.id,
        agency_id: m.agency_id,
        name: m.name,
    }
}

/// A team name as stored: trimmed, inner spaces collapsed; refused if empty, too long or
/// holding control characters.
pub fn parse_team_name(name: &str) -> Result<String, StoreError> {
    let tidy = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if tidy.is_empty() {
        return Err(StoreError::Invalid("--name: a team needs a name".into()));
    }
    if tidy.chars().count() > MAX_TEAM_NAME {
        return Err(StoreError::Invalid(format!(
            "--name: a team name must be {MAX_TEAM_NAME} characters or fewer"
        )));
    }
    if tidy.chars().any(char::is_control) {
        return Err(StoreError::Invalid(
            "--name: a team name cannot hold control characters".into(),
        ));
    }
    Ok(tidy)
}

impl Tx {
    /// Adds a team to an agency. Names are unique within the agency, ignoring case.
    pub async fn add_team(&self, agency_id: Uuid, name: &str) -> Result<Team, StoreError> {
        let name = parse_team_name(name)?;
        if agency::Entity::find_by_id(agency_id)
            .one(self.conn())
            .await?
            .is_none()
        {
            return Err(StoreError::Invalid("--agency: no such agency".into()));
        }
        if self.team_by_name(agency_id, &name).await?.is_some() {
            return Err(StoreError::Invalid(format!(
                "--name: the agency already has a team called {name}"
            )));
        }
        let m = team::ActiveModel {
            id: Set(Uuid::now_v7()),
            agency_id: Set(agency_id),
            name: Set(name),
            created_at: Set(crate::now()),
        }
        .insert(self.conn())
        .await?;
        Ok(team_from(m))
    }

    /// An agency's teams, by name.
    pub async fn teams(&self, agency_id: Uuid) -> Result<Vec<Team>, StoreError> {
        Ok(team::Entity::find()
            .filter(team::Column::AgencyId.eq(agency_id))
            .order_by_asc(team::Column::Name)
            .all(self.conn())
            .await?
            .into_iter()
            .map(team_from)
            .collect())
    }

    /// One of an agency's teams by its name (ignoring case and spacing) or id.
    pub async fn team_by_name(
        &self,
        agency_id: Uuid,
        name_or_id: &str,
    ) -> Result<Option<Team>, StoreError> {
        let wanted = name_or_id.split_whitespace().collect::<Vec<_>>().join(" ");
        let by_id = Uuid::parse_str(wanted.trim()).ok();
        Ok(self
            .teams(agency_id)
            .await?
            .into_iter()
            .find(|t| Some(t.id) == by_id || t.name.to_lowercase() == wanted.to_lowercase()))
    }

    /// A team by id.
    pub async fn team(&self, id: Uuid) -> Result<Option<Team>, StoreError> {
        Ok(team::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .map(team_from))
    }

    /// Puts a user in one of their agency's teams, or in none. Applies from their next
    /// request, like every permission change.
    pub async fn set_user_team(
        &self,
        user_id: Uuid,
        team_id: Option<Uuid>,
    ) -> Result<(), StoreError> {
        let Some(found) = user::Entity::find_by_id(user_id).one(self.conn()).await? else {
            return Err(StoreError::Invalid("--email: no such user".into()));
        };
        if let Some(t) = team_id {
            match self.team(t).await? {
                Some(team) if team.agency_id == found.agency_id => {}
                _ => {
                    return Err(StoreError::Invalid(
                        "--team: the user's agency has no such team".into(),
                    ));
                }
            }
        }
        let mut m: user::ActiveModel = found.into();
        m.team_id = Set(team_id);
        m.update(self.conn()).await?;
        Ok(())
    }

    /// Turns an agency's team restriction on or off. Applies from everyone's next request.
    pub async fn set_team_restriction(&self, agency_id: Uuid, on: bool) -> Result<(), StoreError> {
        let Some(found) = agency::Entity::find_by_id(agency_id)
            .one(self.conn())
            .await?
        else {
            return Err(StoreError::Invalid("--agency: no such agency".into()));
        };
        let mut m: agency::ActiveModel = found.into();
        m.restrict_to_teams = Set(on);
        m.update(self.conn()).await?;
        Ok(())
    }

    /// Whether an agency limits its caseworkers to their own team's cases.
    pub async fn restricts_to_teams(&self, agency_id: Uuid) -> Result<bool, StoreError> {
        Ok(agency::Entity::find_by_id(agency_id)
            .one(self.conn())
            .await?
            .is_some_and(|a| a.restrict_to_teams))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_names_are_tidied_and_bad_ones_named() {
        assert_eq!(
            parse_team_name("  Hospital   Idva team ").unwrap(),
            "Hospital Idva team"
        );
        assert!(
            parse_team_name("   ")
                .unwrap_err()
                .to_string()
                .contains("needs a name")
        );
        let long = "x".repeat(MAX_TEAM_NAME + 1);
        assert!(
            parse_team_name(&long)
                .unwrap_err()
                .to_string()
                .contains("80 characters")
        );
        assert!(
            parse_team_name("a\u{7}b")
                .unwrap_err()
                .to_string()
                .contains("control")
        );
        assert_eq!(
            parse_team_name(&"x".repeat(MAX_TEAM_NAME)).unwrap().len(),
            MAX_TEAM_NAME
        );
    }
}
