//! Page templates, compiled into the binary. Auto-escaping is on for every `.html`
//! template; pages render only named templates, never strings built at run time.
use minijinja::Environment;

use crate::error::AppError;

pub struct Templates {
    env: Environment<'static>,
}

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    (
        "marac_home.html",
        include_str!("../templates/marac_home.html"),
    ),
    (
        "marac_action_table.html",
        include_str!("../templates/marac_action_table.html"),
    ),
    (
        "marac_action_form.html",
        include_str!("../templates/marac_action_form.html"),
    ),
    (
        "marac_actions.html",
        include_str!("../templates/marac_actions.html"),
    ),
    (
        "marac_queue.html",
        include_str!("../templates/marac_queue.html"),
    ),
    (
        "marac_screen.html",
        include_str!("../templates/marac_screen.html"),
    ),
    (
        "marac_referral_new.html",
        include_str!("../templates/marac_referral_new.html"),
    ),
    (
        "marac_meeting.html",
        include_str!("../templates/marac_meeting.html"),
    ),
    (
        "marac_hearing.html",
        include_str!("../templates/marac_hearing.html"),
    ),
    (
        "marac_return.html",
        include_str!("../templates/marac_return.html"),
    ),
    (
        "marac_minutes.html",
        include_str!("../templates/marac_minutes.html"),
    ),
    (
        "marac_trend.html",
        include_str!("../templates/marac_trend.html"),
    ),
    (
        "marac_chart.html",
        include_str!("../templates/marac_chart.html"),
    ),
    ("macros.html", include_str!("../templates/macros.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("sign_in.html", include_str!("../templates/sign_in.html")),
    (
        "self_referral.html",
        include_str!("../templates/self_referral.html"),
    ),
    (
        "self_referral_sent.html",
        include_str!("../templates/self_referral_sent.html"),
    ),
    ("cases.html", include_str!("../templates/cases.html")),
    (
        "referral_new.html",
        include_str!("../templates/referral_new.html"),
    ),
    ("case.html", include_str!("../templates/case.html")),
    (
        "linked_person_new.html",
        include_str!("../templates/linked_person_new.html"),
    ),
    (
        "people_edit.html",
        include_str!("../templates/people_edit.html"),
    ),
    (
        "whereabouts.html",
        include_str!("../templates/whereabouts.html"),
    ),
    (
        "data_protection.html",
        include_str!("../templates/data_protection.html"),
    ),
    (
        "data_protection_staff.html",
        include_str!("../templates/data_protection_staff.html"),
    ),
    (
        "contact_new.html",
        include_str!("../templates/contact_new.html"),
    ),
    (
        "intervention_new.html",
        include_str!("../templates/intervention_new.html"),
    ),
    (
        "allocation.html",
        include_str!("../templates/allocation.html"),
    ),
    ("close.html", include_str!("../templates/close.html")),
    (
        "close_check.html",
        include_str!("../templates/close_check.html"),
    ),
    (
        "marac_step.html",
        include_str!("../templates/marac_step.html"),
    ),
    (
        "marac_confirm.html",
        include_str!("../templates/marac_confirm.html"),
    ),
    (
        "repeat_new.html",
        include_str!("../templates/repeat_new.html"),
    ),
    ("triage.html", include_str!("../templates/triage.html")),
    ("measures.html", include_str!("../templates/measures.html")),
    (
        "safety_plan.html",
        include_str!("../templates/safety_plan.html"),
    ),
    (
        "safety_plan_form.html",
        include_str!("../templates/safety_plan_form.html"),
    ),
    (
        "safety_plan_print.html",
        include_str!("../templates/safety_plan_print.html"),
    ),
    ("team.html", include_str!("../templates/team.html")),
    (
        "dash_form.html",
        include_str!("../templates/dash_form.html"),
    ),
    (
        "assessment.html",
        include_str!("../templates/assessment.html"),
    ),
    (
        "account_password.html",
        include_str!("../templates/account_password.html"),
    ),
    (
        "exclusion_new.html",
        include_str!("../templates/exclusion_new.html"),
    ),
    ("matches.html", include_str!("../templates/matches.html")),
    (
        "emergency_access.html",
        include_str!("../templates/emergency_access.html"),
    ),
    ("alerts.html", include_str!("../templates/alerts.html")),
    ("confirm.html", include_str!("../templates/confirm.html")),
    (
        "access_log.html",
        include_str!("../templates/access_log.html"),
    ),
    (
        "mfa_verify.html",
        include_str!("../templates/mfa_verify.html"),
    ),
    (
        "mfa_setup.html",
        include_str!("../templates/mfa_setup.html"),
    ),
    (
        "mfa_recovery_codes.html",
        include_str!("../templates/mfa_recovery_codes.html"),
    ),
];

/// Formats an ISO date (`2024-03-27`) the UK way (`27 March 2024`).
fn uk_date(value: String) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(&value, &fmt) {
        Ok(d) => format!("{} {} {}", d.day(), d.month(), d.year()),
        Err(_) => value,
    }
}

impl Templates {
    pub fn load() -> Result<Templates, AppError> {
        let mut env = Environment::new();
        env.add_filter("uk_date", uk_date);
        for (name, src) in TEMPLATES {
            env.add_template(name, src)?;
        }
        Ok(Templates { env })
    }

    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String, AppError> {
        Ok(self.env.get_template(name)?.render(ctx)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_file_is_registered_and_compiles() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".html"))
            .collect();
        files.sort();
        let mut registered: Vec<String> = TEMPLATES.iter().map(|(n, _)| (*n).to_owned()).collect();
        registered.sort();
        assert_eq!(files, registered);
        assert!(Templates::load().is_ok());
    }
}
