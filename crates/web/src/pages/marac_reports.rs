//! The Marac's reports: a meeting's printable minutes, the data return as a spreadsheet, and
//! the coverage, repeat rate and referral mix over the last four quarters.
//!
//! The access rules are the store's: the minutes are read through `Tx::meeting` and
//! `Tx::hearing` (so a representative sees a case's minutes only once the meeting is closed,
//! and only their own agency's actions), and the return through `Tx::marac_return`, in one
//! transaction per request.
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Serialize;
use time::{Date, Duration};
use waymark_domain::marac::NotDoneReason;
use waymark_domain::marac_return::{self, DataReturn, RECOMMENDED_PER_10K, Share};
use waymark_domain::referral::FieldError;
use waymark_store::cases::CaseError;
use waymark_store::marac::{HearingAccess, HearingView, MaracConfig, MeetingView};

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::exports;
use crate::middleware::RequestId;
use crate::pages::case::parse_id;
use crate::pages::marac::quarter_of;
use crate::pages::{refuse, render, uk_today};

/// The protective marking of everything a Marac shares.
pub const PROTECTIVE_MARKING: &str = "OFFICIAL-SENSITIVE";

/// The national repeat rate the return is compared with (SafeLives, 2023), per cent.
pub const NATIONAL_REPEAT_RATE: u32 = 32;

// ---------------------------------------------------------------------------------------
// Printable minutes
// ---------------------------------------------------------------------------------------

/// What the minutes page found: the meeting and the cases whose minutes the user may read,
/// or the confidentiality statement still to accept.
enum Found {
    Statement,
    Minutes(Box<MeetingView>, Vec<(String, Box<HearingView>)>),
}

fn minutes_case_ctx(victim_name: &str, h: &HearingView) -> Value {
    let m = h.minutes.clone().unwrap_or_default();
    let risk = |label: &str, text: Option<String>| context! { label => label, text => text };
    context! {
        case_reference => h.case_reference,
        victim_name => victim_name,
        risks => vec![
            risk("To the victim", m.risks.to_victim),
            risk("To the children", m.risks.to_children),
            risk("To others", m.risks.to_others),
            risk("To staff", m.risks.to_staff),
        ],
        discussion => m.discussion,
        decision => m.decision,
        actions => h.actions.iter().map(|a| context! {
            agency => a.agency,
            action => a.action,
            purpose => a.purpose.label(),
            due_on => a.due_on.to_string(),
            status => a.status.label(),
            not_done_reason => a.not_done_reason.map(NotDoneReason::label),
        }).collect::<Vec<_>>(),
    }
}

/// `GET /marac/meetings/{meeting_id}/minutes`: the meeting's minutes, to print.
pub async fn minutes(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(meeting_id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&meeting_id)?;
    let user = &session.0.user;
    let today = uk_today(&state);
    let rid = Some(request_id.0.clone());
    let tx = state.store.begin().await?;
    let found: Result<Found, CaseError> = async {
        let view = tx.meeting(user, id, today, rid.clone()).await?;
        if !view.confidentiality_accepted {
            return Ok(Found::Statement);
        }
        let mut cases = Vec::new();
        for c in &view.agenda {
            match tx.hearing(user, c.hearing_id, today, rid.clone()).await {
                Ok(HearingAccess::Open(h)) => {
                    // A representative reads the minutes once the meeting is closed.
                    if h.minutes.is_some() {
                        cases.push((c.victim_name.clone(), h));
                    }
                }
                Ok(HearingAccess::NeedsConfidentiality { .. }) => return Ok(Found::Statement),
                // The agenda lists only cases the user may see; should the store refuse
                // one all the same, it is left out rather than shown.
                Err(CaseError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Found::Minutes(Box::new(view), cases))
    }
    .await;
    let (view, cases) = match tx.settle(found).await? {
        Found::Statement => {
            return Ok(Redirect::to(&format!("/marac/meetings/{id}")).into_response());
        }
        Found::Minutes(view, cases) => (view, cases),
    };
    let closed = view.status == waymark_domain::marac::MeetingStatus::Closed;
    render(
        &state,
        Some(&session),
        "marac_minutes.html",
        context! {
            marking => PROTECTIVE_MARKING,
            id => view.id.to_string(),
            marac_name => view.config.marac.name,
            meets_on => view.meets_on.to_string(),
            status_label => view.status.label(),
            closed => closed,
            can_run => view.can_run,
            printed_on => today.to_string(),
            attendance => view.attendance.iter().filter_map(|a| a.status.map(|s| context! {
                agency => a.agency,
                status => s.label(),
                attendee => a.attendee,
            })).collect::<Vec<_>>(),
            cases => cases.iter().map(|(name, h)| minutes_case_ctx(name, h)).collect::<Vec<_>>(),
        },
    )
}

// ---------------------------------------------------------------------------------------
// The data return as a spreadsheet
// ---------------------------------------------------------------------------------------

#[derive(serde::Deserialize, Default)]
pub struct Period {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The period asked for, or the current quarter (as the data return page reads it).
fn period(p: &Period, today: Date) -> Result<(Date, Date), Vec<FieldError>> {
    if p.from.is_empty() && p.to.is_empty() {
        return Ok(quarter_of(today));
    }
    let from = waymark_domain::referral::parse_iso_date(&p.from);
    let to = waymark_domain::referral::parse_iso_date(&p.to);
    let mut errors = Vec::new();
    if from.is_none() {
        errors.push(FieldError::new(
            "from",
            "Enter the start of the period as a real date, like 2026-07-01",
        ));
    }
    if to.is_none() {
        errors.push(FieldError::new(
            "to",
            "Enter the end of the period as a real date, like 2026-09-30",
        ));
    }
    match (from, to) {
        (Some(f), Some(t)) => Ok((f, t)),
        _ => Err(errors),
    }
}

/// Administrators never take part in a Marac: refused before any Marac is looked up, as the
/// data return page refuses them.
async fn members_only(
    state: &SharedState,
    session: &Session,
    request_id: &RequestId,
) -> Result<(), AppError> {
    if !waymark_domain::access::takes_part_in_marac(&session.0.user.actor()) {
        return Err(refuse(state, session, "marac.return", request_id).await);
    }
    Ok(())
}

/// `GET /marac/returns/{marac_id}/xlsx?from=&to=`: the data return as an Excel workbook,
/// for those who may read the return page.
pub async fn xlsx(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(marac_id): Path<String>,
    Query(p): Query<Period>,
) -> Result<Response, AppError> {
    members_only(&state, &session, &request_id).await?;
    let id = parse_id(&marac_id)?;
    let (from, to) = period(&p, uk_today(&state)).map_err(AppError::Invalid)?;
    let tx = state.store.begin().await?;
    let found = tx
        .marac_return(&session.0.user, id, from, to, Some(request_id.0.clone()))
        .await;
    let (config, ret) = tx.settle(found).await?;
    let bytes = exports::marac_return_xlsx(&ret, &config.marac.name)
        .map_err(|e| AppError::Internal(format!("xlsx: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, exports::XLSX_CONTENT_TYPE.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"",
                    exports::marac_return_file_name(&ret, "xlsx")
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------
// Coverage over time
// ---------------------------------------------------------------------------------------

/// The last `n` calendar quarters up to the one holding `today`, oldest first.
pub(crate) fn last_quarters(today: Date, n: usize) -> Vec<(Date, Date)> {
    let mut out = Vec::with_capacity(n);
    let mut day = today;
    for _ in 0..n {
        let (from, to) = quarter_of(day);
        out.push((from, to));
        day = from - Duration::days(1);
    }
    out.reverse();
    out
}

/// A quarter's cases scaled to a year. The quarter holding today is scaled over the days
/// gone so far, not the whole quarter, which would understate it; its cases are counted
/// as the data return counts them, for the whole quarter.
pub(crate) fn annualised(r: &DataReturn, today: Date) -> Option<u32> {
    marac_return::annualised_cases(r.cases_discussed, r.from, r.to.min(today).max(r.from))
}

/// A quarter as the charts label it: ("Jan–Mar", "2026").
fn quarter_label(from: Date) -> (String, String) {
    let short = |m: time::Month| {
        let name = m.to_string();
        name.chars().take(3).collect::<String>()
    };
    let last = from.month().nth_next(2);
    (
        format!("{}–{}", short(from.month()), short(last)),
        from.year().to_string(),
    )
}

/// A whole number with thousands separated: 92000 → "92,000".
fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Tenths written with one decimal: 286 → "28.6".
fn tenths(t: u32) -> String {
    format!("{}.{}", t / 10, t % 10)
}

/// Tenths written as briefly as an axis wants: 400 → "40", 25 → "2.5".
fn tick_text(t: u32) -> String {
    if t.is_multiple_of(10) {
        (t / 10).to_string()
    } else {
        tenths(t)
    }
}

// The chart's drawing area, in SVG user units (the SVG scales to its container).
const CHART_WIDTH: u32 = 480;
const CHART_HEIGHT: u32 = 260;
const PLOT_LEFT: u32 = 48;
const PLOT_RIGHT: u32 = 464;
const PLOT_TOP: u32 = 24;
const PLOT_BOTTOM: u32 = 204;
const TICKS: u32 = 4;

/// One bar of a chart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Bar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    /// The middle of the bar, for its labels.
    pub centre: u32,
    /// Where the value is written, just above the bar.
    pub value_y: u32,
    /// The value as written, or "No cases" when there is none.
    pub value: String,
    pub quarter: String,
    pub year: String,
}

/// A line across the plot and its label on the axis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Tick {
    pub y: u32,
    pub label: String,
}

/// A bar chart, laid out in SVG user units; the template only draws it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct BarChart {
    pub width: u32,
    pub height: u32,
    pub left: u32,
    pub right: u32,
    pub top: u32,
    pub bottom: u32,
    /// The value at the top of the axis, in tenths.
    pub max: u32,
    pub ticks: Vec<Tick>,
    pub bars: Vec<Bar>,
    /// Where the reference line (the recommendation, the national figure) is drawn.
    pub target_y: Option<u32>,
}

/// The top of the axis, in tenths: four steps of 1, 2, 2.5 or 5 times a power of ten, the
/// smallest that holds `highest` (and never less than 4, so an empty chart has an axis).
pub(crate) fn axis_max(highest: u32) -> u32 {
    let mut power: u32 = 10;
    loop {
        for step in [power, power * 2, power * 5 / 2, power * 5] {
            if step.saturating_mul(TICKS) >= highest {
                return step * TICKS;
            }
        }
        match power.checked_mul(10) {
            Some(p) if p <= u32::MAX / (5 * TICKS) => power = p,
            _ => return u32::MAX,
        }
    }
}

/// How far up the plot a value sits, in user units from the baseline, rounded half up.
pub(crate) fn scaled(value: u32, max: u32) -> u32 {
    let max = max.max(1);
    let height = u64::from(PLOT_BOTTOM - PLOT_TOP);
    let (v, m) = (u64::from(value.min(max)), u64::from(max));
    u32::try_from((v * height + m / 2) / m).unwrap_or(0)
}

/// Lays out a bar per quarter (values in tenths; `None` when no case was heard) against an
/// optional reference value. `suffix` follows each value ("%" for a share).
pub(crate) fn bar_chart(
    points: &[(Date, Option<u32>)],
    target: Option<u32>,
    suffix: &str,
) -> BarChart {
    let highest = points
        .iter()
        .filter_map(|(_, v)| *v)
        .chain(target)
        .max()
        .unwrap_or(0);
    let max = axis_max(highest);
    let n = u32::try_from(points.len()).unwrap_or(1).max(1);
    let slot = (PLOT_RIGHT - PLOT_LEFT) / n;
    let width = slot * 3 / 5;
    let bars = (0u32..)
        .zip(points)
        .map(|(i, (from, value))| {
            let height = value.map_or(0, |v| scaled(v, max));
            let x = PLOT_LEFT + i * slot + (slot - width) / 2;
            let (quarter, year) = quarter_label(*from);
            Bar {
                x,
                y: PLOT_BOTTOM - height,
                width,
                height,
                centre: x + width / 2,
                value_y: PLOT_BOTTOM - height - 6,
                value: value.map_or_else(|| "No cases".to_owned(), |v| tenths(v) + suffix),
                quarter,
                year,
            }
        })
        .collect();
    let ticks = (0..=TICKS)
        .map(|k| {
            let v = max / TICKS * k;
            Tick {
                y: PLOT_BOTTOM - scaled(v, max),
                label: format!("{}{suffix}", tick_text(v)),
            }
        })
        .collect();
    BarChart {
        width: CHART_WIDTH,
        height: CHART_HEIGHT,
        left: PLOT_LEFT,
        right: PLOT_RIGHT,
        top: PLOT_TOP,
        bottom: PLOT_BOTTOM,
        max,
        ticks,
        bars,
        target_y: target.map(|t| PLOT_BOTTOM - scaled(t, max)),
    }
}

/// The chart's values in words, for its `<desc>`: every value the bars show.
fn chart_desc(points: &[(Date, Option<u32>)], suffix: &str, reference: &str) -> String {
    let values: Vec<String> = points
        .iter()
        .map(|(from, v)| {
            let (q, y) = quarter_label(*from);
            match v {
                Some(v) => format!("{q} {y}: {}{suffix}", tenths(*v)),
                None => format!("{q} {y}: no cases heard"),
            }
        })
        .collect();
    format!("{}. {reference}", values.join("; "))
}

fn share_row(r: &DataReturn, s: &Share) -> Value {
    let (q, y) = quarter_label(r.from);
    context! {
        quarter => format!("{q} {y}"),
        cases => r.cases_discussed,
        count => s.count,
        unknown => s.unknown,
        percent => s.percent(),
    }
}

/// `GET /marac/returns/{marac_id}/trend`: coverage, repeat rate and referrals from agencies
/// other than the police over the last four quarters, for those who may read the return.
pub async fn trend(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(marac_id): Path<String>,
) -> Result<Response, AppError> {
    members_only(&state, &session, &request_id).await?;
    let id = parse_id(&marac_id)?;
    let today = uk_today(&state);
    let quarters = last_quarters(today, 4);
    let user = &session.0.user;
    let rid = Some(request_id.0.clone());
    let tx = state.store.begin().await?;
    let found: Result<Vec<(MaracConfig, DataReturn)>, CaseError> = async {
        let mut out = Vec::new();
        for (from, to) in &quarters {
            out.push(tx.marac_return(user, id, *from, *to, rid.clone()).await?);
        }
        Ok(out)
    }
    .await;
    let found = tx.settle(found).await?;
    let Some((config, _)) = found.last() else {
        return Err(AppError::NotFound);
    };
    let population = config.adult_female_population;
    let returns: Vec<&DataReturn> = found.iter().map(|(_, r)| r).collect();

    // (a) Coverage: annualised cases per 10,000 adult females. A quarter with no case heard
    // shows no rate, as the shares do.
    let coverage = population.filter(|p| *p > 0).map(|pop| {
        let rates: Vec<(&DataReturn, Option<marac_return::Coverage>)> = returns
            .iter()
            .map(|r| {
                let cov = annualised(r, today)
                    .filter(|_| r.cases_discussed > 0)
                    .and_then(|n| marac_return::coverage_per_10k(n, pop));
                (*r, cov)
            })
            .collect();
        let points: Vec<(Date, Option<u32>)> = rates
            .iter()
            .map(|(r, cov)| (r.from, cov.map(|c| c.per_10k_tenths)))
            .collect();
        context! {
            population => thousands(pop),
            chart => bar_chart(&points, Some(RECOMMENDED_PER_10K * 10), ""),
            desc => chart_desc(
                &points,
                "",
                &format!("The recommended volume is {RECOMMENDED_PER_10K} cases a year per 10,000 adult females."),
            ),
            rows => rates.iter().map(|(r, cov)| {
                let (q, y) = quarter_label(r.from);
                context! {
                    quarter => format!("{q} {y}"),
                    cases => r.cases_discussed,
                    annualised => annualised(r, today),
                    per_10k => cov.map(|c| c.per_10k_text()),
                    meets => cov.map(|c| c.meets_recommended),
                }
            }).collect::<Vec<_>>(),
        }
    });

    // (b) The repeat rate against the national figure.
    let repeat_points: Vec<(Date, Option<u32>)> = returns
        .iter()
        .map(|r| (r.from, r.repeat_cases.percent_tenths))
        .collect();
    // (c) Referrals from agencies other than the police.
    let non_police_points: Vec<(Date, Option<u32>)> = returns
        .iter()
        .map(|r| (r.from, r.non_police_referrals.percent_tenths))
        .collect();
    let current = quarters.last().copied().unwrap_or((today, today));

    render(
        &state,
        Some(&session),
        "marac_trend.html",
        context! {
            title => "Marac coverage over time",
            marac_id => config.marac.id.to_string(),
            marac_name => config.marac.name,
            first_from => quarters.first().map(|q| q.0.to_string()),
            current_from => current.0.to_string(),
            current_to => current.1.to_string(),
            coverage => coverage,
            recommended => RECOMMENDED_PER_10K,
            national_repeat_rate => NATIONAL_REPEAT_RATE,
            repeat => context! {
                chart => bar_chart(&repeat_points, Some(NATIONAL_REPEAT_RATE * 10), "%"),
                desc => chart_desc(
                    &repeat_points,
                    "%",
                    &format!("The national repeat rate was {NATIONAL_REPEAT_RATE}% in 2023."),
                ),
                rows => returns.iter().map(|r| share_row(r, &r.repeat_cases)).collect::<Vec<_>>(),
            },
            non_police => context! {
                chart => bar_chart(&non_police_points, None, "%"),
                desc => chart_desc(&non_police_points, "%", "Shares of all cases heard in the quarter."),
                rows => returns.iter().map(|r| share_row(r, &r.non_police_referrals)).collect::<Vec<_>>(),
            },
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn four_quarters_up_to_the_one_holding_today() {
        let q = last_quarters(date!(2026 - 11 - 25), 4);
        assert_eq!(
            q,
            vec![
                (date!(2026 - 01 - 01), date!(2026 - 03 - 31)),
                (date!(2026 - 04 - 01), date!(2026 - 06 - 30)),
                (date!(2026 - 07 - 01), date!(2026 - 09 - 30)),
                (date!(2026 - 10 - 01), date!(2026 - 12 - 31)),
            ]
        );
        // Across a year end, and on the first day of a quarter.
        let q = last_quarters(date!(2027 - 01 - 01), 4);
        assert_eq!(q[0], (date!(2026 - 04 - 01), date!(2026 - 06 - 30)));
        assert_eq!(q[3], (date!(2027 - 01 - 01), date!(2027 - 03 - 31)));
    }

    #[test]
    fn the_current_quarter_is_annualised_over_the_days_gone() {
        let heard = |n: usize, from: Date, to: Date| {
            let cases: Vec<marac_return::HeardCase> = (0..n)
                .map(|i| marac_return::HeardCase {
                    meeting_on: from,
                    case_key: i.to_string(),
                    repeat: false,
                    children_in_household: 0,
                    referring_agency_kind: marac_return::AgencyKind::Police,
                    victim_gender: None,
                    victim_racially_minoritised: None,
                    victim_disabled: None,
                    victim_lgbt: None,
                    victim_age_at_meeting: None,
                    perpetrator_ages_at_meeting: Vec::new(),
                })
                .collect();
            marac_return::data_return(&cases, &[], &[], from, to).unwrap()
        };
        // A past quarter: 92 days.
        let r = heard(23, date!(2026 - 07 - 01), date!(2026 - 09 - 30));
        assert_eq!(annualised(&r, date!(2026 - 11 - 25)), Some(91));
        assert_eq!(annualised(&r, date!(2026 - 11 - 25)), r.annualised_cases);
        // The current quarter, 73 days gone: 10 × 365 ÷ 73.
        let r = heard(10, date!(2026 - 10 - 01), date!(2026 - 12 - 31));
        assert_eq!(annualised(&r, date!(2026 - 12 - 12)), Some(50));
        assert_eq!(annualised(&r, date!(2026 - 10 - 01)), Some(3650));
    }

    #[test]
    fn quarters_are_labelled_by_their_months() {
        assert_eq!(
            quarter_label(date!(2026 - 10 - 01)),
            ("Oct–Dec".to_owned(), "2026".to_owned())
        );
        assert_eq!(quarter_label(date!(2026 - 01 - 01)).0, "Jan–Mar");
    }

    #[test]
    fn numbers_are_grouped_in_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(92_000), "92,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn the_axis_is_four_round_steps_that_hold_the_highest_value() {
        assert_eq!(axis_max(0), 40);
        assert_eq!(axis_max(40), 40);
        assert_eq!(axis_max(41), 80);
        // The recommended 40 per 10,000: exactly the top.
        assert_eq!(axis_max(400), 400);
        // The national 32%: 40% at the top, in steps of 10.
        assert_eq!(axis_max(320), 400);
        // 100% in steps of 25.
        assert_eq!(axis_max(1000), 1000);
        assert_eq!(axis_max(1001), 2000);
        assert_eq!(axis_max(123_456), 200_000);
        assert_eq!(axis_max(u32::MAX), u32::MAX);
    }

    #[test]
    fn values_scale_to_the_plot_and_never_past_it() {
        let h = PLOT_BOTTOM - PLOT_TOP;
        assert_eq!(scaled(0, 400), 0);
        assert_eq!(scaled(400, 400), h);
        assert_eq!(scaled(200, 400), h / 2);
        assert_eq!(scaled(500, 400), h);
        assert_eq!(scaled(5, 0), h);
    }

    #[test]
    fn a_chart_lays_out_its_bars_ticks_and_reference_line() {
        let points = [
            (date!(2026 - 01 - 01), Some(200)),
            (date!(2026 - 04 - 01), None),
            (date!(2026 - 07 - 01), Some(400)),
            (date!(2026 - 10 - 01), Some(0)),
        ];
        let c = bar_chart(&points, Some(320), "%");
        assert_eq!(c.max, 400);
        let h = PLOT_BOTTOM - PLOT_TOP;
        assert_eq!(c.bars[0].height, h / 2);
        assert_eq!(c.bars[0].y + c.bars[0].height, PLOT_BOTTOM);
        assert_eq!(c.bars[0].value, "20.0%");
        assert_eq!(
            (c.bars[1].height, c.bars[1].value.as_str()),
            (0, "No cases")
        );
        assert_eq!(c.bars[2].y, PLOT_TOP);
        assert_eq!(c.bars[3].height, 0);
        // The bars sit side by side inside the plot, left to right.
        for pair in c.bars.windows(2) {
            assert!(pair[0].x + pair[0].width < pair[1].x);
        }
        let last = &c.bars[3];
        assert!(c.bars[0].x >= PLOT_LEFT && last.x + last.width <= PLOT_RIGHT);
        assert_eq!(
            c.ticks.iter().map(|t| t.label.as_str()).collect::<Vec<_>>(),
            ["0%", "10%", "20%", "30%", "40%"]
        );
        assert_eq!(c.ticks[0].y, PLOT_BOTTOM);
        assert_eq!(c.ticks[4].y, PLOT_TOP);
        assert_eq!(c.target_y, Some(PLOT_BOTTOM - scaled(320, 400)));
        assert_eq!(bar_chart(&points, None, "").target_y, None);
    }

    #[test]
    fn the_description_gives_every_value() {
        let points = [
            (date!(2026 - 01 - 01), Some(286)),
            (date!(2026 - 04 - 01), None),
        ];
        assert_eq!(
            chart_desc(&points, "%", "National: 32%."),
            "Jan–Mar 2026: 28.6%; Apr–Jun 2026: no cases heard. National: 32%."
        );
    }

    #[test]
    fn a_period_is_asked_for_whole_or_defaults_to_the_quarter() {
        let today = date!(2026 - 11 - 25);
        let empty = Period::default();
        assert_eq!(
            period(&empty, today),
            Ok((date!(2026 - 10 - 01), date!(2026 - 12 - 31)))
        );
        let p = Period {
            from: "2026-07-01".into(),
            to: "2026-09-30".into(),
        };
        assert_eq!(
            period(&p, today),
            Ok((date!(2026 - 07 - 01), date!(2026 - 09 - 30)))
        );
        let bad = Period {
            from: "2026-02-30".into(),
            to: String::new(),
        };
        let errors = period(&bad, today).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            ["from", "to"]
        );
    }
}
