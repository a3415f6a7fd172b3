//! Children and other linked people added to a case after the referral, and the
//! children's schools: a restricted field, sealed, that only an audited reveal returns.
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use time::Date;
use uuid::Uuid;
use waymark_domain::access;
use waymark_domain::linked_person::{Link, LinkedPersonInput};
use waymark_domain::person_correction::PersonCorrectionInput;

use crate::cases::{CaseError, ChildSchool};
use crate::entity::{case, case_person, person};
use crate::users::User;
use crate::{StoreError, Tx};

impl Tx {
    /// Adds a child or another linked person to a case the actor works: the person, their
    /// link to the case (with a child's school sealed) and a `case.person.add` audit row,
    /// all or nothing. A closed case is refused, like any other casework.
    pub async fn add_linked_person(
        &self,
        actor: &User,
        case_id: Uuid,
        input: &LinkedPersonInput,
        today: Date,
        request_id: Option<String>,
    ) -> Result<Uuid, CaseError> {
        let c = self
            .open_case_for_work(
                actor,
                case_id,
                "case.person.add",
                access::can_work_case,
                request_id,
            )
            .await?;
        let new = input.parse(today).map_err(CaseError::Form)?;
        let person_id = self.insert_person(&new.person).await?;
        let last = case_person::Entity::find()
            .filter(case_person::Column::CaseId.eq(c.id))
            .order_by_desc(case_person::Column::Position)
            .one(self.conn())
            .await?
            .map_or(0, |l| l.position);
        let link_id = Uuid::now_v7();
        let (lives_with, school, note) = match &new.link {
            Link::Child { lives_with, school } => {
                (lives_with.map(|l| l.as_str()), school.as_deref(), None)
            }
            Link::Linked { relationship } => (None, None, relationship.as_deref()),
        };
        case_person::ActiveModel {
            id: Set(link_id),
            case_id: Set(c.id),
            person_id: Set(person_id),
            role: Set(new.link.role().as_str().to_owned()),
            relationship: Set(None),
            lives_with: Set(lives_with.map(str::to_owned)),
            position: Set(last.saturating_add(1)),
            school: Set(self.seal_opt("case_people.school", link_id, school)?),
            relationship_note: Set(self.seal_opt(
                "case_people.relationship_note",
                link_id,
                note,
            )?),
        }
        .insert(self.conn())
        .await?;
        // A change to the case is activity: retention counts from it.
        let mut m: case::ActiveModel = c.into();
        m.updated_at = Set(crate::now());
        m.update(self.conn()).await?;
        Ok(person_id)
    }

    /// Corrects the names, dates of birth and genders of a case's victim and perpetrators,
    /// from the submitted fields (each person's prefixed `{person id}-`). Every problem is
    /// reported and nothing is saved unless all are valid; a closed case is refused. The
    /// person record is corrected wherever it is used (a repeat case shares it), and the
    /// matching index refiles them on its next use. Audited as `case.person.correct`.
    pub async fn correct_people(
        &self,
        actor: &User,
        case_id: Uuid,
        fields: &[(String, String)],
        today: Date,
        request_id: Option<String>,
    ) -> Result<usize, CaseError> {
        let c = self
            .open_case_for_work(
                actor,
                case_id,
                "case.person.correct",
                access::can_work_case,
                request_id,
            )
            .await?;
        let get = |name: String| {
            fields
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let people = case_person::Entity::find()
            .filter(case_person::Column::CaseId.eq(c.id))
            .filter(case_person::Column::Role.is_in(["victim", "perpetrator"]))
            .order_by_asc(case_person::Column::Position)
            .all(self.conn())
            .await?;
        let mut errors = Vec::new();
        let mut corrected = Vec::new();
        for link in &people {
            let prefix = format!("{}-", link.person_id);
            let input = PersonCorrectionInput {
                given_name: get(format!("{prefix}given_name")),
                family_name: get(format!("{prefix}family_name")),
                date_of_birth: get(format!("{prefix}date_of_birth")),
                gender: get(format!("{prefix}gender")),
            };
            match input.parse(&prefix, today) {
                Ok(details) => corrected.push((link.person_id, details)),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if !errors.is_empty() {
            return Err(CaseError::Form(errors));
        }
        let now = crate::now();
        let mut changed = 0;
        for (id, details) in corrected {
            let Some(p) = person::Entity::find_by_id(id).one(self.conn()).await? else {
                continue;
            };
            let dob = details.date_of_birth.map(|d| d.to_string());
            let gender = details.gender.map(|g| g.as_str().to_owned());
            let same = self.open("people.given_name", id, &p.given_name)? == details.given_name
                && self.open("people.family_name", id, &p.family_name)? == details.family_name
                && self.open_opt("people.date_of_birth", id, p.date_of_birth.as_deref())? == dob
                && p.gender == gender;
            if same {
                continue;
            }
            let mut m: person::ActiveModel = p.into();
            m.given_name = Set(self.seal("people.given_name", id, &details.given_name)?);
            m.family_name = Set(self.seal("people.family_name", id, &details.family_name)?);
            m.date_of_birth = Set(self.seal_opt("people.date_of_birth", id, dob.as_deref())?);
            m.gender = Set(gender);
            m.updated_at = Set(Some(now));
            m.update(self.conn()).await?;
            changed += 1;
        }
        if changed > 0 {
            let mut m: case::ActiveModel = c.into();
            m.updated_at = Set(now);
            m.update(self.conn()).await?;
        }
        Ok(changed)
    }

    /// The schools of a case's children, opened. Only [`Tx::reveal_restricted`] calls
    /// this, after the access check and its audit row.
    pub(crate) async fn child_schools(
        &self,
        case_id: Uuid,
    ) -> Result<Vec<ChildSchool>, StoreError> {
        let links: Vec<case_person::Model> = case_person::Entity::find()
            .filter(case_person::Column::CaseId.eq(case_id))
            .filter(case_person::Column::Role.eq("child"))
            .filter(case_person::Column::School.is_not_null())
            .order_by_asc(case_person::Column::Position)
            .all(self.conn())
            .await?;
        let mut out = Vec::with_capacity(links.len());
        for l in links {
            let Some(school) = self.open_opt("case_people.school", l.id, l.school.as_deref())?
            else {
                continue;
            };
            let Some(p) = person::Entity::find_by_id(l.person_id)
                .one(self.conn())
                .await?
            else {
                continue;
            };
            let given = self.open("people.given_name", p.id, &p.given_name)?;
            let family = self.open("people.family_name", p.id, &p.family_name)?;
            out.push(ChildSchool {
                person_id: p.id,
                child_name: format!("{given} {family}"),
                school,
            });
        }
        Ok(out)
    }

    /// Links the people of an earlier case to a repeat case, carrying every detail of each
    /// link, sealed afresh under the new link's id.
    pub(crate) async fn carry_link(
        &self,
        case_id: Uuid,
        earlier: &case_person::Model,
    ) -> Result<(), StoreError> {
        let id = Uuid::now_v7();
        let carry = |field: &str, v: Option<&str>| -> Result<Option<String>, StoreError> {
            let plain = self.open_opt(field, earlier.id, v)?;
            self.seal_opt(field, id, plain.as_deref())
        };
        case_person::ActiveModel {
            id: Set(id),
            case_id: Set(case_id),
            person_id: Set(earlier.person_id),
            role: Set(earlier.role.clone()),
            relationship: Set(earlier.relationship.clone()),
            lives_with: Set(earlier.lives_with.clone()),
            position: Set(earlier.position),
            school: Set(carry("case_people.school", earlier.school.as_deref())?),
            relationship_note: Set(carry(
                "case_people.relationship_note",
                earlier.relationship_note.as_deref(),
            )?),
        }
        .insert(self.conn())
        .await?;
        Ok(())
    }
}
