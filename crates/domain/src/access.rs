//! Object-level access policy as plain functions, so every route asks the same question the
//! same way and the answers can be tested without a server or a database.

use crate::role::Role;

/// The signed-in user, as far as access policy needs to know them. Ids are strings so that this
/// crate needs no uuid dependency; the store decides their format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: String,
    pub agency_id: String,
    pub role: Role,
    /// The actor's team within their agency, if they belong to one.
    pub team_id: Option<String>,
    /// Whether the actor's agency limits its caseworkers to their own team's cases
    /// (configured per agency; see [`team_allows`]).
    pub restricted_to_team: bool,
}

impl Actor {
    /// An actor in no team, of an agency without team restriction.
    pub fn new(user_id: impl Into<String>, agency_id: impl Into<String>, role: Role) -> Actor {
        Actor {
            user_id: user_id.into(),
            agency_id: agency_id.into(),
            role,
            team_id: None,
            restricted_to_team: false,
        }
    }
}

/// What policy needs to know about a case. More facts (Marac agenda membership, named sharing,
/// exclusions of conflicted staff) will be added here; build it with [`CaseAccessFacts::owned_by`]
/// so that adding a field does not break every caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseAccessFacts {
    pub owning_agency_id: String,
    /// Users who must never see this case (for example, someone who knows the victim or
    /// the perpetrator personally). Exclusions beat every role and every ground.
    pub excluded_user_ids: Vec<String>,
    /// Whole agencies that must never see this case (for example, the perpetrator works there).
    pub excluded_agency_ids: Vec<String>,
    /// Users holding live emergency ("break-glass") access to this case.
    pub break_glass_user_ids: Vec<String>,
    /// The team of the holding agency that works the case, if any.
    pub team_id: Option<String>,
    /// The caseworker the case is allocated to, if any.
    pub caseworker_id: Option<String>,
}

impl CaseAccessFacts {
    /// Facts for a case held by `agency_id` and shared with no one else.
    pub fn owned_by(agency_id: impl Into<String>) -> CaseAccessFacts {
        CaseAccessFacts {
            owning_agency_id: agency_id.into(),
            excluded_user_ids: Vec::new(),
            excluded_agency_ids: Vec::new(),
            break_glass_user_ids: Vec::new(),
            team_id: None,
            caseworker_id: None,
        }
    }

    /// Whether `actor`, or their agency, is excluded from this case.
    pub fn excludes(&self, actor: &Actor) -> bool {
        self.excluded_user_ids.contains(&actor.user_id)
            || self.excluded_agency_ids.contains(&actor.agency_id)
    }
}

/// Why an actor may see a case. Policy returns a reason rather than a bare yes so that the
/// audit log can record it, and so that later grounds (the case is on a Marac agenda the actor
/// attends; the case was shared with the actor's agency) slot in as new variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewGround {
    /// The actor works for the agency that holds the case.
    OwningAgency,
    /// The actor asked for emergency access, gave a reason, and the holding agency's
    /// managers were alerted. It lets them read the case for a limited time, nothing more.
    BreakGlass,
}

/// The ground on which `actor` may view `case`, if any.
///
/// Exclusions (for example a worker who knows the victim or the perpetrator personally) are
/// checked first, before any ground is granted, so that no ground can override them.
pub fn view_ground(actor: &Actor, case: &CaseAccessFacts) -> Option<ViewGround> {
    if case.excludes(actor) {
        return None;
    }
    let staff_of_owning_agency = match actor.role {
        Role::Caseworker => same_agency(actor, case) && team_allows(actor, case),
        Role::MaracCoordinator | Role::Manager => same_agency(actor, case),
        // Agency reps will see cases only through a Marac agenda, which is not modelled yet.
        // Admins run accounts and never read case content, so a compromised admin account
        // does not expose victims.
        // Data protection officers see who opened a case, never what it holds.
        Role::AgencyRep | Role::Admin | Role::DataProtection => false,
    };
    if staff_of_owning_agency {
        Some(ViewGround::OwningAgency)
    } else if can_break_glass(actor) && case.break_glass_user_ids.contains(&actor.user_id) {
        Some(ViewGround::BreakGlass)
    } else {
        None
    }
}

/// Whether the holding agency's team restriction lets `actor` see `case`.
///
/// An agency may limit its caseworkers to the cases of their own team (a hospital team
/// need not read the community team's clients). A restricted caseworker sees a case of
/// their agency when it belongs to their team or is allocated to them; a case in no team
/// yet (a self-referral waiting in triage) waits for a manager or coordinator, who see
/// every case of the agency whatever its team. Without the restriction, or for any other
/// role, the team does not matter.
pub fn team_allows(actor: &Actor, case: &CaseAccessFacts) -> bool {
    if !actor.restricted_to_team || actor.role != Role::Caseworker {
        return true;
    }
    let allocated_to_them =
        !actor.user_id.is_empty() && case.caseworker_id.as_deref() == Some(actor.user_id.as_str());
    let same_team = match (&actor.team_id, &case.team_id) {
        (Some(mine), Some(theirs)) => !mine.is_empty() && mine == theirs,
        _ => false,
    };
    allocated_to_them || same_team
}

/// What policy needs to know about a Marac: who coordinates it, who chairs it, and which
/// agencies sit at it. Ids are strings, as in [`Actor`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MaracFacts {
    /// The agency whose Marac coordinators run this Marac.
    pub coordinating_agency_id: Option<String>,
    pub chair_user_id: Option<String>,
    pub member_agency_ids: Vec<String>,
}

/// Whether `actor` coordinates this Marac: screens referrals, builds and publishes agendas.
pub fn can_coordinate(actor: &Actor, marac: &MaracFacts) -> bool {
    actor.role == Role::MaracCoordinator
        && marac.coordinating_agency_id.as_deref() == Some(actor.agency_id.as_str())
}

/// Whether `actor` may run this Marac's meetings: its coordinators and its chair.
pub fn can_run_meeting(actor: &Actor, marac: &MaracFacts) -> bool {
    can_coordinate(actor, marac)
        || (takes_part_in_marac(actor)
            && marac.chair_user_id.as_deref() == Some(actor.user_id.as_str()))
}

/// Whether `actor`'s role takes part in Maracs at all: every role but administrators (who
/// run accounts) and data protection officers (who review access), neither of whom reads
/// case content.
pub fn takes_part_in_marac(actor: &Actor) -> bool {
    !matches!(actor.role, Role::Admin | Role::DataProtection)
}

/// Whether `actor` works for one of this Marac's member agencies (administrators never
/// count: they run accounts, not cases).
pub fn is_member(actor: &Actor, marac: &MaracFacts) -> bool {
    takes_part_in_marac(actor) && marac.member_agency_ids.contains(&actor.agency_id)
}

/// Whether `actor` may see this Marac's published agenda and research a case on it for
/// their agency. Agency representatives of member agencies (and a coordinator for their
/// own agency) may, while the case's research window is open: from the agenda's
/// publication until the case's actions are closed. Exclusions beat it, as every ground.
pub fn can_research(
    actor: &Actor,
    marac: &MaracFacts,
    case: &CaseAccessFacts,
    window_open: bool,
) -> bool {
    window_open
        && !case.excludes(actor)
        && is_member(actor, marac)
        && matches!(actor.role, Role::AgencyRep | Role::MaracCoordinator)
}

/// Whether `actor` may see the minutes of a case heard at this Marac: those who run the
/// meeting, and representatives whose research window on it is open (they attended for
/// their agency). Never an excluded user or agency.
pub fn can_read_minutes(
    actor: &Actor,
    marac: &MaracFacts,
    case: &CaseAccessFacts,
    window_open: bool,
) -> bool {
    !case.excludes(actor)
        && (can_run_meeting(actor, marac) || can_research(actor, marac, case, window_open))
}

/// Whether `actor` may see and update their own agency's actions from this Marac. A
/// caseworker whose agency holds the case and restricts them to their team sees the
/// actions on their team's cases only.
pub fn can_see_agency_actions(actor: &Actor, marac: &MaracFacts, case: &CaseAccessFacts) -> bool {
    !case.excludes(actor)
        && is_member(actor, marac)
        && (!same_agency(actor, case) || team_allows(actor, case))
}

/// Whether `actor` may ask for emergency access to a case their agency does not hold.
/// Administrators and agency representatives may not.
pub fn can_break_glass(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Caseworker | Role::MaracCoordinator | Role::Manager
    ) && !actor.agency_id.is_empty()
}

/// Whether `actor` is one of the holding agency's own staff for this case (and not
/// excluded): everything beyond reading needs this ground, never emergency access.
fn holds(actor: &Actor, case: &CaseAccessFacts) -> bool {
    view_ground(actor, case) == Some(ViewGround::OwningAgency)
}

/// Whether `actor` may open `case` at all. Every case route checks this first.
pub fn can_view_case(actor: &Actor, case: &CaseAccessFacts) -> bool {
    view_ground(actor, case).is_some()
}

/// Whether `actor` may start a new referral (and so a new case) for their own agency.
pub fn can_create_referral(actor: &Actor) -> bool {
    matches!(actor.role, Role::Caseworker | Role::MaracCoordinator) && !actor.agency_id.is_empty()
}

/// Whether `actor` may record a Dash assessment on `case`: case-holding roles only, and only
/// where they can see the case, so assessing never grants more than viewing.
pub fn can_assess(actor: &Actor, case: &CaseAccessFacts) -> bool {
    matches!(actor.role, Role::Caseworker | Role::MaracCoordinator) && holds(actor, case)
}

/// Whether `actor` may reveal a case's restricted fields (safe contact details, and in
/// time addresses, refuge location, schools and GP): only the staff who contact the
/// victim. Revealing is an explicit, audited action even for them; managers see that the
/// details exist but not what they are.
pub fn can_reveal_restricted(actor: &Actor, case: &CaseAccessFacts) -> bool {
    matches!(actor.role, Role::Caseworker | Role::MaracCoordinator) && holds(actor, case)
}

/// Whether `actor` may see who has read or changed `case` (its access log): the case's
/// own staff and managers, so that they can spot someone looking who should not be, and
/// the holding agency's data protection officer, who reads the log without the case.
/// Exclusions beat it, as every ground.
pub fn can_see_access_log(actor: &Actor, case: &CaseAccessFacts) -> bool {
    let staff = matches!(
        actor.role,
        Role::Caseworker | Role::MaracCoordinator | Role::Manager
    ) && holds(actor, case);
    let dpo =
        actor.role == Role::DataProtection && !case.excludes(actor) && same_agency(actor, case);
    staff || dpo
}

/// Whether `actor` may use the data protection officer's tools: finding a case's access
/// log by its reference and reviewing what their agency's staff have opened.
pub fn can_review_access(actor: &Actor) -> bool {
    actor.role == Role::DataProtection && !actor.agency_id.is_empty()
}

/// Whether `actor` may see everything a member of staff of `staff_agency_id` has opened,
/// changed or been refused: their own agency's data protection officer only.
pub fn can_review_staff(actor: &Actor, staff_agency_id: &str) -> bool {
    can_review_access(actor) && actor.agency_id == staff_agency_id
}

/// Whether `actor` may add exclusions to `case`: case-holding staff and managers of the
/// owning agency who can see it.
pub fn can_manage_exclusions(actor: &Actor, case: &CaseAccessFacts) -> bool {
    matches!(
        actor.role,
        Role::Caseworker | Role::MaracCoordinator | Role::Manager
    ) && holds(actor, case)
}

/// Whether `actor` may work `case`: record contacts, interventions, the safety plan,
/// outcome measures, and close it. The staff who hold cases, of the holding agency.
pub fn can_work_case(actor: &Actor, case: &CaseAccessFacts) -> bool {
    matches!(actor.role, Role::Caseworker | Role::MaracCoordinator) && holds(actor, case)
}

/// Whether `actor` may read the notes of a case's casework (contact and intervention
/// notes, why it closed) and its safety plan: the holding agency's staff and managers.
/// Emergency access shows the case's risk and people, not its working notes or the plan,
/// which can say where the victim will be.
pub fn can_read_casework_notes(actor: &Actor, case: &CaseAccessFacts) -> bool {
    matches!(
        actor.role,
        Role::Caseworker | Role::MaracCoordinator | Role::Manager
    ) && holds(actor, case)
}

/// Whether `actor` may allocate `case` to a caseworker: the holding agency's managers and
/// Marac coordinators (who triage referrals), never through emergency access.
pub fn can_allocate(actor: &Actor, case: &CaseAccessFacts) -> bool {
    matches!(actor.role, Role::Manager | Role::MaracCoordinator) && holds(actor, case)
}

/// Whether `actor` may see the triage queue of their agency's unallocated referrals.
pub fn can_triage(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Caseworker | Role::MaracCoordinator | Role::Manager
    ) && !actor.agency_id.is_empty()
}

/// Whether `actor` may see their agency's team view (caseloads, overdue work): managers.
pub fn can_see_team(actor: &Actor) -> bool {
    actor.role == Role::Manager && !actor.agency_id.is_empty()
}

/// An empty agency id is a bug upstream, not an agency; refusing it stops two blank ids from
/// matching each other and opening every unowned case to every unattached user.
fn same_agency(actor: &Actor, case: &CaseAccessFacts) -> bool {
    !actor.agency_id.is_empty() && actor.agency_id == case.owning_agency_id
}

#[cfg(test)]
mod tests {
    mod marac_rules {
        use super::super::*;

        fn actor(role: Role, agency: &str, user: &str) -> Actor {
            Actor::new(user, agency, role)
        }

        fn marac() -> MaracFacts {
            MaracFacts {
                coordinating_agency_id: Some("idva".into()),
                chair_user_id: Some("chair".into()),
                member_agency_ids: vec!["idva".into(), "police".into(), "housing".into()],
            }
        }

        #[test]
        fn coordinators_of_the_coordinating_agency_run_the_marac() {
            let m = marac();
            assert!(can_coordinate(
                &actor(Role::MaracCoordinator, "idva", "c"),
                &m
            ));
            assert!(!can_coordinate(
                &actor(Role::MaracCoordinator, "police", "c"),
                &m
            ));
            assert!(!can_coordinate(&actor(Role::Manager, "idva", "c"), &m));
            assert!(can_run_meeting(
                &actor(Role::AgencyRep, "police", "chair"),
                &m
            ));
            assert!(!can_run_meeting(&actor(Role::Admin, "police", "chair"), &m));
            assert!(!can_run_meeting(
                &actor(Role::AgencyRep, "police", "other"),
                &m
            ));
        }

        #[test]
        fn research_needs_a_member_rep_an_open_window_and_no_exclusion() {
            let m = marac();
            let housing = actor(Role::AgencyRep, "housing", "h");
            let case = CaseAccessFacts::owned_by("idva");
            assert!(can_research(&housing, &m, &case, true));
            assert!(!can_research(&housing, &m, &case, false), "window closed");
            let health = actor(Role::AgencyRep, "health", "n");
            assert!(!can_research(&health, &m, &case, true), "not a member");
            let idva = actor(Role::Caseworker, "idva", "i");
            assert!(
                !can_research(&idva, &m, &case, true),
                "caseworkers hold cases, not agendas"
            );
            let mut excluded = case.clone();
            excluded.excluded_agency_ids.push("housing".into());
            assert!(!can_research(&housing, &m, &excluded, true));
            assert!(!can_read_minutes(&housing, &m, &excluded, true));
            assert!(!can_see_agency_actions(&housing, &m, &excluded));
            let mut excluded_chair = case.clone();
            excluded_chair.excluded_user_ids.push("chair".into());
            assert!(!can_read_minutes(
                &actor(Role::AgencyRep, "police", "chair"),
                &m,
                &excluded_chair,
                true
            ));
        }
    }

    use super::*;

    fn actor(role: Role, agency: &str) -> Actor {
        Actor::new(format!("user-{}", role.as_str()), agency, role)
    }

    /// A member of `team` at the Idva service, which restricts caseworkers to their team.
    fn in_team(role: Role, user: &str, team: Option<&str>) -> Actor {
        Actor {
            team_id: team.map(str::to_owned),
            restricted_to_team: true,
            ..Actor::new(user, "idva-service", role)
        }
    }

    fn team_case(team: Option<&str>, caseworker: Option<&str>) -> CaseAccessFacts {
        CaseAccessFacts {
            team_id: team.map(str::to_owned),
            caseworker_id: caseworker.map(str::to_owned),
            ..CaseAccessFacts::owned_by("idva-service")
        }
    }

    #[test]
    fn a_team_restricted_caseworker_sees_their_teams_cases_and_their_own_only() {
        let me = in_team(Role::Caseworker, "me", Some("north"));
        assert!(can_view_case(
            &me,
            &team_case(Some("north"), Some("colleague"))
        ));
        assert!(
            can_view_case(&me, &team_case(Some("south"), Some("me"))),
            "allocated to me"
        );
        assert!(can_view_case(&me, &team_case(None, Some("me"))));
        assert!(!can_view_case(
            &me,
            &team_case(Some("south"), Some("colleague"))
        ));
        assert!(!can_view_case(&me, &team_case(Some("south"), None)));
        assert!(
            !can_view_case(&me, &team_case(None, None)),
            "no team yet: triage"
        );
        // Every ground beyond viewing follows.
        let other = team_case(Some("south"), None);
        assert!(!can_work_case(&me, &other));
        assert!(!can_reveal_restricted(&me, &other));
        assert!(!can_see_access_log(&me, &other));
        assert!(!can_manage_exclusions(&me, &other));
        // Emergency access still opens it, read-only, as for another agency's case.
        let mut granted = other.clone();
        granted.break_glass_user_ids.push("me".into());
        assert_eq!(view_ground(&me, &granted), Some(ViewGround::BreakGlass));
        assert!(!can_work_case(&me, &granted));
    }

    #[test]
    fn a_caseworker_in_no_team_sees_only_their_own_cases_when_restricted() {
        let me = in_team(Role::Caseworker, "me", None);
        assert!(can_view_case(&me, &team_case(None, Some("me"))));
        assert!(!can_view_case(&me, &team_case(None, Some("colleague"))));
        assert!(!can_view_case(&me, &team_case(None, None)));
        let marac = MaracFacts {
            member_agency_ids: vec!["idva-service".into(), "police".into()],
            ..MaracFacts::default()
        };
        assert!(!can_see_agency_actions(
            &me,
            &marac,
            &team_case(Some("south"), None)
        ));
        assert!(can_see_agency_actions(
            &me,
            &marac,
            &team_case(None, Some("me"))
        ));
        // Another agency's team restriction says nothing about the Idva service's cases.
        let police_officer = Actor {
            agency_id: "police".into(),
            ..in_team(Role::Caseworker, "pc", Some("response"))
        };
        assert!(can_see_agency_actions(
            &police_officer,
            &marac,
            &team_case(Some("south"), None)
        ));
        let blank = Actor {
            user_id: String::new(),
            ..in_team(Role::Caseworker, "", Some(""))
        };
        assert!(
            !can_view_case(&blank, &team_case(Some(""), Some(""))),
            "blank ids never match"
        );
    }

    #[test]
    fn team_restriction_binds_caseworkers_only_and_only_when_configured() {
        let other_team = team_case(Some("south"), Some("colleague"));
        for role in [Role::MaracCoordinator, Role::Manager] {
            assert!(
                can_view_case(&in_team(role, "x", Some("north")), &other_team),
                "{role:?}"
            );
        }
        let unrestricted = Actor {
            team_id: Some("north".into()),
            ..actor(Role::Caseworker, "idva-service")
        };
        assert!(can_view_case(&unrestricted, &other_team));
        // A team never opens another agency's case.
        let police = CaseAccessFacts {
            team_id: Some("north".into()),
            ..CaseAccessFacts::owned_by("police")
        };
        assert!(!can_view_case(
            &in_team(Role::Caseworker, "me", Some("north")),
            &police
        ));
        // Exclusions beat the team.
        let mut excluded = team_case(Some("north"), Some("me"));
        excluded.excluded_user_ids.push("me".into());
        assert!(!can_view_case(
            &in_team(Role::Caseworker, "me", Some("north")),
            &excluded
        ));
    }

    #[test]
    fn owning_agency_staff_may_view_their_own_cases() {
        let case = CaseAccessFacts::owned_by("idva-service");
        for role in [Role::Caseworker, Role::MaracCoordinator, Role::Manager] {
            assert!(
                can_view_case(&actor(role, "idva-service"), &case),
                "{role:?}"
            );
            assert_eq!(
                view_ground(&actor(role, "idva-service"), &case),
                Some(ViewGround::OwningAgency)
            );
        }
    }

    #[test]
    fn agency_reps_and_admins_may_not_view_even_in_the_owning_agency() {
        let case = CaseAccessFacts::owned_by("idva-service");
        for role in [Role::AgencyRep, Role::Admin] {
            assert!(
                !can_view_case(&actor(role, "idva-service"), &case),
                "{role:?}"
            );
            assert!(!can_assess(&actor(role, "idva-service"), &case), "{role:?}");
        }
    }

    #[test]
    fn no_role_may_view_another_agencys_case() {
        let case = CaseAccessFacts::owned_by("idva-service");
        for role in Role::ALL {
            assert!(!can_view_case(&actor(role, "police"), &case), "{role:?}");
        }
    }

    #[test]
    fn blank_agency_ids_never_match() {
        let case = CaseAccessFacts::owned_by("");
        for role in Role::ALL {
            assert!(!can_view_case(&actor(role, ""), &case), "{role:?}");
            assert!(!can_assess(&actor(role, ""), &case), "{role:?}");
        }
        assert!(!can_create_referral(&actor(Role::Caseworker, "")));
    }

    #[test]
    fn only_caseworkers_and_coordinators_create_referrals() {
        let allowed: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|role| can_create_referral(&actor(*role, "idva-service")))
            .collect();
        assert_eq!(allowed, [Role::Caseworker, Role::MaracCoordinator]);
    }

    #[test]
    fn casework_allocation_and_team_views_go_to_the_right_roles() {
        let case = CaseAccessFacts::owned_by("idva-service");
        let roles = |f: &dyn Fn(&Actor) -> bool| -> Vec<Role> {
            Role::ALL
                .into_iter()
                .filter(|role| f(&actor(*role, "idva-service")))
                .collect()
        };
        assert_eq!(
            roles(&|a| can_work_case(a, &case)),
            [Role::Caseworker, Role::MaracCoordinator]
        );
        assert_eq!(
            roles(&|a| can_allocate(a, &case)),
            [Role::MaracCoordinator, Role::Manager]
        );
        assert_eq!(
            roles(&can_triage),
            [Role::Caseworker, Role::MaracCoordinator, Role::Manager]
        );
        assert_eq!(roles(&can_see_team), [Role::Manager]);
        // Another agency's staff, an excluded worker and emergency access get none of it.
        let police = actor(Role::Caseworker, "police");
        assert!(!can_work_case(&police, &case));
        let mut glass = case.clone();
        glass.break_glass_user_ids.push(police.user_id.clone());
        assert!(can_view_case(&police, &glass));
        assert!(!can_work_case(&police, &glass));
        assert!(!can_read_casework_notes(&police, &glass));
        assert!(can_read_casework_notes(
            &actor(Role::Manager, "idva-service"),
            &case
        ));
        let manager = actor(Role::Manager, "idva-service");
        let mut excluding = case.clone();
        excluding.excluded_user_ids.push(manager.user_id.clone());
        assert!(!can_allocate(&manager, &excluding));
        assert!(!can_see_team(&actor(Role::Manager, "")));
    }

    #[test]
    fn assessing_needs_both_the_role_and_sight_of_the_case() {
        let case = CaseAccessFacts::owned_by("idva-service");
        let allowed: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|role| can_assess(&actor(*role, "idva-service"), &case))
            .collect();
        assert_eq!(allowed, [Role::Caseworker, Role::MaracCoordinator]);
        // A manager can see the case but does not record risk assessments.
        assert!(can_view_case(&actor(Role::Manager, "idva-service"), &case));
        // The right role in the wrong agency may not assess.
        assert!(!can_assess(&actor(Role::Caseworker, "police"), &case));
    }

    #[test]
    fn an_exclusion_beats_every_role_and_ground() {
        for role in Role::ALL {
            let me = actor(role, "idva-service");
            let mut by_user = CaseAccessFacts::owned_by("idva-service");
            by_user.excluded_user_ids.push(me.user_id.clone());
            assert!(!can_view_case(&me, &by_user), "{role:?}");
            assert!(!can_assess(&me, &by_user), "{role:?}");
            assert!(!can_manage_exclusions(&me, &by_user), "{role:?}");
            let mut by_agency = CaseAccessFacts::owned_by("idva-service");
            by_agency.excluded_agency_ids.push("idva-service".into());
            assert!(!can_view_case(&me, &by_agency), "{role:?}");
        }
        // Someone else's exclusion does not affect a colleague.
        let mut case = CaseAccessFacts::owned_by("idva-service");
        case.excluded_user_ids.push("someone-else".into());
        case.excluded_agency_ids.push("police".into());
        assert!(can_view_case(
            &actor(Role::Caseworker, "idva-service"),
            &case
        ));
    }

    #[test]
    fn only_case_staff_and_managers_manage_exclusions() {
        let case = CaseAccessFacts::owned_by("idva-service");
        assert!(can_manage_exclusions(
            &actor(Role::Caseworker, "idva-service"),
            &case
        ));
        assert!(can_manage_exclusions(
            &actor(Role::Manager, "idva-service"),
            &case
        ));
        assert!(!can_manage_exclusions(
            &actor(Role::Admin, "idva-service"),
            &case
        ));
        assert!(!can_manage_exclusions(
            &actor(Role::Caseworker, "police"),
            &case
        ));
    }

    #[test]
    fn only_contacting_staff_reveal_restricted_fields() {
        let case = CaseAccessFacts::owned_by("idva-service");
        assert!(can_reveal_restricted(
            &actor(Role::Caseworker, "idva-service"),
            &case
        ));
        assert!(can_reveal_restricted(
            &actor(Role::MaracCoordinator, "idva-service"),
            &case
        ));
        assert!(!can_reveal_restricted(
            &actor(Role::Manager, "idva-service"),
            &case
        ));
        assert!(!can_reveal_restricted(
            &actor(Role::Admin, "idva-service"),
            &case
        ));
        assert!(!can_reveal_restricted(
            &actor(Role::Caseworker, "police"),
            &case
        ));
        let mut excluded = case.clone();
        excluded
            .excluded_user_ids
            .push(actor(Role::Caseworker, "idva-service").user_id);
        assert!(!can_reveal_restricted(
            &actor(Role::Caseworker, "idva-service"),
            &excluded
        ));
    }

    #[test]
    fn a_data_protection_officer_reads_access_logs_of_their_agency_never_case_content() {
        let dpo = actor(Role::DataProtection, "idva-service");
        let case = CaseAccessFacts::owned_by("idva-service");
        assert!(can_see_access_log(&dpo, &case));
        assert!(!can_view_case(&dpo, &case));
        assert!(!can_reveal_restricted(&dpo, &case));
        assert!(!can_work_case(&dpo, &case));
        assert!(!can_manage_exclusions(&dpo, &case));
        assert!(!can_break_glass(&dpo));
        assert!(!can_create_referral(&dpo));
        assert!(!can_triage(&dpo));
        // Not another agency's cases, and never a case that excludes them.
        assert!(!can_see_access_log(
            &dpo,
            &CaseAccessFacts::owned_by("police")
        ));
        let mut excluded = case.clone();
        excluded.excluded_user_ids.push(dpo.user_id.clone());
        assert!(!can_see_access_log(&dpo, &excluded));
        let mut excluded_agency = case.clone();
        excluded_agency
            .excluded_agency_ids
            .push("idva-service".into());
        assert!(!can_see_access_log(&dpo, &excluded_agency));
        // Their own agency's staff only; and the tools are theirs alone.
        assert!(can_review_staff(&dpo, "idva-service"));
        assert!(!can_review_staff(&dpo, "police"));
        for role in Role::ALL.into_iter().filter(|r| *r != Role::DataProtection) {
            assert!(!can_review_access(&actor(role, "idva-service")), "{role:?}");
            assert!(!can_review_staff(
                &actor(role, "idva-service"),
                "idva-service"
            ));
        }
        assert!(!can_review_access(&actor(Role::DataProtection, "")));
        // No part in Maracs, whatever the membership.
        let m = MaracFacts {
            coordinating_agency_id: Some("idva-service".into()),
            chair_user_id: Some(dpo.user_id.clone()),
            member_agency_ids: vec!["idva-service".into()],
        };
        assert!(!is_member(&dpo, &m));
        assert!(!can_run_meeting(&dpo, &m));
        assert!(!can_research(&dpo, &m, &case, true));
    }

    #[test]
    fn emergency_access_reads_only_and_never_beats_an_exclusion() {
        let officer = actor(Role::Caseworker, "police");
        let mut case = CaseAccessFacts::owned_by("idva-service");
        assert!(!can_view_case(&officer, &case));
        case.break_glass_user_ids.push(officer.user_id.clone());
        assert_eq!(view_ground(&officer, &case), Some(ViewGround::BreakGlass));
        assert!(can_view_case(&officer, &case));
        assert!(
            !can_assess(&officer, &case),
            "emergency access is read-only"
        );
        assert!(!can_reveal_restricted(&officer, &case));
        assert!(!can_manage_exclusions(&officer, &case));
        assert!(!can_see_access_log(&officer, &case));
        case.excluded_agency_ids.push("police".into());
        assert!(
            !can_view_case(&officer, &case),
            "exclusions beat emergency access"
        );
        // Administrators and agency reps cannot use it at all.
        for role in [Role::Admin, Role::AgencyRep] {
            let mut c = CaseAccessFacts::owned_by("idva-service");
            let a = actor(role, "police");
            c.break_glass_user_ids.push(a.user_id.clone());
            assert!(!can_break_glass(&a));
            assert!(!can_view_case(&a, &c), "{role:?}");
        }
    }
}
