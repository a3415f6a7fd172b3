//! Outcome measures: the forms an Idva fills in as the work goes on — intake (Time 1), review
//! (Time 2, at four months of engagement or at closure, whichever comes first), the exit
//! interview at closure, and the follow-up contact six months after closure.
//!
//! Each form arrives as raw text ([`IntakeInput`], [`ReviewInput`], [`ExitInput`],
//! [`FollowUpInput`]) and becomes a typed record only through its `parse`, which reports every
//! problem at once, each naming its form field. A stored record turns back into its input
//! (`From<&Intake> for IntakeInput` and so on) so a saved form can be shown again, and
//! [`ReviewInput::from_intake`] starts a review from the intake. [`cessation`] compares a
//! matched intake and exit, one abuse type at a time.
//!
//! The records serialise with snake_case keys so the store can keep them as JSON.
use serde::{Deserialize, Serialize};
use time::Date;

use crate::dash::{Answer, format_iso_date};
use crate::referral::{FieldError, MAX_TEXT, Relationship, choice, parse_iso_date};

/// The classification [`Ethnicity`] follows: the 19 ethnic group categories of the 2021 Census
/// for England and Wales, in five high-level groups. Kept beside stored answers so that a later
/// change of classification can be told apart from the answers given under this one.
pub const ETHNICITY_SCHEME: &str = "ons-2021-ew";

/// The youngest and oldest age, in years, an intake accepts (the Marac covers victims aged 16
/// and over).
pub const AGE_RANGE: (u8, u8) = (16, 120);

/// The largest number of children in the household an intake accepts.
pub const MAX_CHILDREN: u8 = 30;

// ---------------------------------------------------------------------------------------------
// Equality monitoring
// ---------------------------------------------------------------------------------------------

choice!(
    /// The victim's gender as they describe it for equality monitoring.
    EqualityGender {
        Female = "female": "Female",
        Male = "male": "Male",
        NonBinary = "non_binary": "Non-binary",
        PreferNotToSay = "prefer_not_to_say": "Prefer not to say",
    }
);

choice!(
    /// A yes or no equality question the victim may decline to answer.
    YesNoPreferNot {
        Yes = "yes": "Yes",
        No = "no": "No",
        PreferNotToSay = "prefer_not_to_say": "Prefer not to say",
    }
);

choice!(
    /// The victim's sexual orientation for equality monitoring.
    SexualOrientation {
        Heterosexual = "heterosexual": "Heterosexual or straight",
        GayOrLesbian = "gay_or_lesbian": "Gay or lesbian",
        Bisexual = "bisexual": "Bisexual",
        Other = "other": "Other sexual orientation",
        PreferNotToSay = "prefer_not_to_say": "Prefer not to say",
    }
);

choice!(
    /// The five high-level groups of the [`ETHNICITY_SCHEME`] classification.
    EthnicGroup {
        Asian = "asian": "Asian, Asian British or Asian Welsh",
        Black = "black": "Black, Black British, Black Welsh, Caribbean or African",
        Mixed = "mixed": "Mixed or Multiple ethnic groups",
        White = "white": "White",
        Other = "other": "Other ethnic group",
    }
);

choice!(
    /// The victim's ethnicity: one of the 19 categories of [`ETHNICITY_SCHEME`], or prefer not
    /// to say. The label is the category's name within its group; [`Ethnicity::full_label`]
    /// adds the group for places that show the category alone.
    Ethnicity {
        AsianBangladeshi = "asian_bangladeshi": "Bangladeshi",
        AsianChinese = "asian_chinese": "Chinese",
        AsianIndian = "asian_indian": "Indian",
        AsianPakistani = "asian_pakistani": "Pakistani",
        AsianOther = "asian_other": "Any other Asian background",
        BlackAfrican = "black_african": "African",
        BlackCaribbean = "black_caribbean": "Caribbean",
        BlackOther = "black_other": "Any other Black, Black British, or Caribbean background",
        MixedWhiteAndAsian = "mixed_white_and_asian": "White and Asian",
        MixedWhiteAndBlackAfrican = "mixed_white_and_black_african": "White and Black African",
        MixedWhiteAndBlackCaribbean = "mixed_white_and_black_caribbean": "White and Black Caribbean",
        MixedOther = "mixed_other": "Any other Mixed or Multiple ethnic background",
        WhiteBritish = "white_british": "English, Welsh, Scottish, Northern Irish or British",
        WhiteIrish = "white_irish": "Irish",
        WhiteGypsyOrIrishTraveller = "white_gypsy_or_irish_traveller": "Gypsy or Irish Traveller",
        WhiteRoma = "white_roma": "Roma",
        WhiteOther = "white_other": "Any other White background",
        OtherArab = "other_arab": "Arab",
        OtherAny = "other_any": "Any other ethnic group",
        PreferNotToSay = "prefer_not_to_say": "Prefer not to say",
    }
);

impl Ethnicity {
    /// The high-level group the category belongs to; `None` when the victim preferred not to say.
    pub fn group(self) -> Option<EthnicGroup> {
        use Ethnicity as E;
        match self {
            E::AsianBangladeshi
            | E::AsianChinese
            | E::AsianIndian
            | E::AsianPakistani
            | E::AsianOther => Some(EthnicGroup::Asian),
            E::BlackAfrican | E::BlackCaribbean | E::BlackOther => Some(EthnicGroup::Black),
            E::MixedWhiteAndAsian
            | E::MixedWhiteAndBlackAfrican
            | E::MixedWhiteAndBlackCaribbean
            | E::MixedOther => Some(EthnicGroup::Mixed),
            E::WhiteBritish
            | E::WhiteIrish
            | E::WhiteGypsyOrIrishTraveller
            | E::WhiteRoma
            | E::WhiteOther => Some(EthnicGroup::White),
            E::OtherArab | E::OtherAny => Some(EthnicGroup::Other),
            E::PreferNotToSay => None,
        }
    }

    /// The group and the category together ("White: Irish"), for lists that do not show the
    /// group as a heading.
    pub fn full_label(self) -> String {
        match self.group() {
            Some(group) => format!("{}: {}", group.label(), self.label()),
            None => self.label().to_owned(),
        }
    }
}

/// A number the victim gave, or chose not to give (age, children in the household).
///
/// In a form field it is written as the number, or as `prefer_not_to_say`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberAnswer {
    /// The number given.
    Given(u8),
    /// The victim preferred not to say.
    PreferNotToSay,
}

impl NumberAnswer {
    /// The form-field spelling: the number, or `prefer_not_to_say`.
    pub fn to_field(self) -> String {
        match self {
            NumberAnswer::Given(n) => n.to_string(),
            NumberAnswer::PreferNotToSay => PREFER_NOT_TO_SAY.to_owned(),
        }
    }
}

const PREFER_NOT_TO_SAY: &str = "prefer_not_to_say";

/// The equality questions asked at intake. Every one is optional (`None` = not recorded) and
/// every one can be answered "prefer not to say".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Demographics {
    pub gender: Option<EqualityGender>,
    /// Age in whole years, within [`AGE_RANGE`].
    pub age: Option<NumberAnswer>,
    pub ethnicity: Option<Ethnicity>,
    pub disability: Option<YesNoPreferNot>,
    pub sexual_orientation: Option<SexualOrientation>,
    /// Children living in the household, up to [`MAX_CHILDREN`].
    pub children_in_household: Option<NumberAnswer>,
    /// Mental health difficulties in the last 12 months.
    pub mental_health_difficulties: Option<YesNoPreferNot>,
    pub pregnant: Option<YesNoPreferNot>,
}

// ---------------------------------------------------------------------------------------------
// Abuse profile
// ---------------------------------------------------------------------------------------------

choice!(
    /// The four kinds of abuse the outcome forms profile.
    AbuseType {
        Physical = "physical": "Physical abuse",
        Sexual = "sexual": "Sexual abuse",
        HarassmentAndStalking = "harassment_and_stalking": "Harassment and stalking",
        JealousAndControlling = "jealous_and_controlling": "Jealous and controlling behaviour",
    }
);

impl AbuseType {
    /// Lower-case wording used inside messages.
    fn description(self) -> &'static str {
        match self {
            AbuseType::Physical => "physical abuse",
            AbuseType::Sexual => "sexual abuse",
            AbuseType::HarassmentAndStalking => "harassment and stalking",
            AbuseType::JealousAndControlling => "jealous and controlling behaviour",
        }
    }
}

choice!(
    /// Whether a kind of abuse is happening now, at intake or review.
    Currency {
        Current = "current": "Current (in the last three months)",
        Historic = "historic": "Historic (none in the last three months)",
        None = "none": "None",
    }
);

choice!(
    /// How current abuse is changing in severity and frequency.
    Trend {
        GettingWorse = "getting_worse": "Getting worse",
        Unchanged = "unchanged": "Unchanged",
        Reduced = "reduced": "Reduced",
    }
);

/// One kind of abuse at intake or review. Only current abuse carries a trend, so a trend for
/// abuse that is not happening cannot be stored.
///
/// As JSON: `{"currency":"current","trend":"reduced"}` or `{"currency":"historic"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "currency", rename_all = "snake_case")]
pub enum AbuseAtIntake {
    /// In the last three months, with how it is changing.
    Current { trend: Trend },
    /// Before, but none in the last three months.
    Historic,
    /// Never.
    None,
}

impl AbuseAtIntake {
    /// Current, historic or none.
    pub fn currency(self) -> Currency {
        match self {
            AbuseAtIntake::Current { .. } => Currency::Current,
            AbuseAtIntake::Historic => Currency::Historic,
            AbuseAtIntake::None => Currency::None,
        }
    }

    /// The trend, for current abuse only.
    pub fn trend(self) -> Option<Trend> {
        match self {
            AbuseAtIntake::Current { trend } => Some(trend),
            AbuseAtIntake::Historic | AbuseAtIntake::None => None,
        }
    }
}

choice!(
    /// How severe a kind of abuse has been, as rated at the exit interview.
    ExitRating {
        High = "high": "High",
        Moderate = "moderate": "Moderate",
        Standard = "standard": "Standard",
        None = "none": "None",
        DontKnow = "dont_know": "Don't know",
    }
);

choice!(
    /// The time the exit ratings cover.
    Period {
        LastMonth = "last_month": "In the last month",
        SinceIntake = "since_intake": "Since intake",
    }
);

/// One value for each of the four kinds of abuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ByAbuseType<T> {
    pub physical: T,
    pub sexual: T,
    pub harassment_and_stalking: T,
    pub jealous_and_controlling: T,
}

impl<T> ByAbuseType<T> {
    /// Builds one value per kind of abuse, in [`AbuseType::ALL`] order.
    pub fn from_fn(mut f: impl FnMut(AbuseType) -> T) -> ByAbuseType<T> {
        ByAbuseType {
            physical: f(AbuseType::Physical),
            sexual: f(AbuseType::Sexual),
            harassment_and_stalking: f(AbuseType::HarassmentAndStalking),
            jealous_and_controlling: f(AbuseType::JealousAndControlling),
        }
    }

    /// The value for one kind of abuse.
    pub fn get(&self, abuse: AbuseType) -> &T {
        match abuse {
            AbuseType::Physical => &self.physical,
            AbuseType::Sexual => &self.sexual,
            AbuseType::HarassmentAndStalking => &self.harassment_and_stalking,
            AbuseType::JealousAndControlling => &self.jealous_and_controlling,
        }
    }

    /// A new set of values computed from these, kind by kind.
    pub fn map_ref<U>(&self, mut f: impl FnMut(&T) -> U) -> ByAbuseType<U> {
        ByAbuseType::from_fn(|abuse| f(self.get(abuse)))
    }

    /// Each kind of abuse with its value, in [`AbuseType::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (AbuseType, &T)> {
        AbuseType::ALL.iter().map(|&abuse| (abuse, self.get(abuse)))
    }
}

impl<T> ByAbuseType<Option<T>> {
    fn transpose(self) -> Option<ByAbuseType<T>> {
        Some(ByAbuseType {
            physical: self.physical?,
            sexual: self.sexual?,
            harassment_and_stalking: self.harassment_and_stalking?,
            jealous_and_controlling: self.jealous_and_controlling?,
        })
    }
}

/// The abuse profile at intake and at review: each kind of abuse current, historic or none.
pub type IntakeProfile = ByAbuseType<AbuseAtIntake>;

/// The abuse profile at exit: each kind of abuse rated, over one period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExitProfile {
    pub period: Period,
    pub ratings: ByAbuseType<ExitRating>,
}

choice!(
    /// What became of one kind of abuse between a matched intake and exit.
    Cessation {
        Ceased = "ceased": "Ceased",
        Continued = "continued": "Continued",
        Unknown = "unknown": "Not known at exit",
        NotCurrentAtIntake = "not_current_at_intake": "Not current at intake",
    }
);

/// Compares a matched intake and exit for each kind of abuse: abuse current at intake and rated
/// none at exit has ceased; rated high, moderate or standard it continued; rated don't know it
/// is unknown. Abuse that was historic or none at intake is outside the measure.
pub fn cessation(intake: &IntakeProfile, exit: &ExitProfile) -> ByAbuseType<Cessation> {
    ByAbuseType::from_fn(|abuse| match (intake.get(abuse), exit.ratings.get(abuse)) {
        (AbuseAtIntake::Current { .. }, ExitRating::None) => Cessation::Ceased,
        (AbuseAtIntake::Current { .. }, ExitRating::DontKnow) => Cessation::Unknown,
        (
            AbuseAtIntake::Current { .. },
            ExitRating::High | ExitRating::Moderate | ExitRating::Standard,
        ) => Cessation::Continued,
        (AbuseAtIntake::Historic | AbuseAtIntake::None, _) => Cessation::NotCurrentAtIntake,
    })
}

// ---------------------------------------------------------------------------------------------
// Fear, wellbeing and risk factors
// ---------------------------------------------------------------------------------------------

choice!(
    /// The answer to a fear question; the victim may not have been asked.
    FearAnswer {
        Yes = "yes": "Yes",
        No = "no": "No",
        NotAsked = "not_asked": "Not asked",
    }
);

/// The three fear questions put to the victim at intake, review and exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fear {
    /// Afraid of being injured again.
    pub further_injury: FearAnswer,
    /// Afraid of being killed.
    pub being_killed: FearAnswer,
    /// Feeling frightened.
    pub frightened: FearAnswer,
}

choice!(
    /// How something has changed since intake (coping, social networks).
    Change {
        Better = "better": "Better",
        Same = "same": "The same",
        Worse = "worse": "Worse",
    }
);

/// What is known about the perpetrator that raises risk. Each is yes, no or not known
/// ([`Answer`]); not known is never a yes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PerpetratorRisks {
    pub alcohol: Answer,
    pub drugs: Answer,
    pub mental_health: Answer,
    pub criminal_record: Answer,
    /// A criminal record for domestic abuse.
    pub dv_criminal_record: Answer,
    pub financial_problems: Answer,
    pub suicide_threats: Answer,
}

/// Risks to the children, recorded only where there are children.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChildRisks {
    /// Conflict over child contact.
    pub contact_conflict: Answer,
    /// The victim fears the children will be harmed.
    pub fear_of_harm: Answer,
    /// The perpetrator has threatened to kill the children.
    pub threats_to_kill: Answer,
}

// ---------------------------------------------------------------------------------------------
// The four forms: records
// ---------------------------------------------------------------------------------------------

/// Time 1: the outcome form completed when support starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intake {
    pub recorded_on: Date,
    pub demographics: Demographics,
    pub relationship: Relationship,
    pub living_with_perpetrator: bool,
    /// Abuse in the three months before intake.
    pub profile: IntakeProfile,
    pub fear: Fear,
    pub perpetrator: PerpetratorRisks,
    /// `None` where there are no children, or the questions were not answered.
    pub children: Option<ChildRisks>,
}

choice!(
    /// The Idva's judgement of how the risk to the victim has moved since intake.
    RiskJudgement {
        Reduced = "reduced": "Reduced",
        Same = "same": "The same",
        Increased = "increased": "Increased",
    }
);

/// Time 2: the formal review at four months of engagement or at closure, whichever is first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub recorded_on: Date,
    pub profile: IntakeProfile,
    pub risk_judgement: RiskJudgement,
    pub coping: Change,
    pub social_networks: Change,
    pub fear: Fear,
    pub perpetrator: PerpetratorRisks,
    pub children: Option<ChildRisks>,
}

choice!(
    /// Whether the victim feels safer at the end of support.
    FeelsSafer {
        MuchSafer = "much_safer": "Much safer",
        SomewhatSafer = "somewhat_safer": "Somewhat safer",
        Same = "same": "The same",
        LessSafe = "less_safe": "Less safe",
    }
);

choice!(
    /// How the victim's quality of life has changed.
    QualityOfLife {
        Improved = "improved": "Improved",
        Same = "same": "The same",
        Worse = "worse": "Worse",
    }
);

choice!(
    /// Why the victim is still in contact with the perpetrator.
    ContactReason {
        ChildContact = "child_contact": "Child contact",
        Other = "other": "Another reason",
    }
);

/// Whether the victim is still in contact with the perpetrator at exit, and why.
///
/// As JSON: `"no_contact"`, `"child_contact"` or `{"other":{"reason":"..."}}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OngoingContact {
    /// No ongoing contact.
    NoContact,
    /// Contact because of arrangements for the children.
    ChildContact,
    /// Contact for another reason, described.
    Other { reason: String },
}

choice!(
    /// Whether the Idva believes the end of the abuse will last.
    Sustainable {
        Yes = "yes": "Yes",
        No = "no": "No",
        NotSure = "not_sure": "Not sure",
    }
);

/// The exit interview at case closure. Why the case closed belongs to the case, not here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exit {
    pub recorded_on: Date,
    pub profile: ExitProfile,
    pub feels_safer: FeelsSafer,
    pub quality_of_life: QualityOfLife,
    pub ongoing_contact: OngoingContact,
    pub cessation_sustainable: Sustainable,
    pub fear: Fear,
    pub coping: Change,
    pub social_networks: Change,
}

choice!(
    /// What the six-month follow-up found.
    AbuseResumed {
        Yes = "yes": "Yes, abuse has resumed",
        No = "no": "No further abuse",
        CouldNotContact = "could_not_contact": "Could not contact the victim",
    }
);

/// The contact six months after closure to find out whether abuse has resumed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    /// The day of the follow-up contact (or attempt).
    pub recorded_on: Date,
    pub abuse_resumed: AbuseResumed,
    /// `None` when the victim could not be contacted.
    pub wants_support_again: Option<bool>,
    pub note: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// The four forms: raw input
// ---------------------------------------------------------------------------------------------

/// The raw intake form: every field as text, exactly as submitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntakeInput {
    pub recorded_on: String,
    pub gender: String,
    pub age: String,
    pub ethnicity: String,
    pub disability: String,
    pub sexual_orientation: String,
    pub children_in_household: String,
    pub mental_health_difficulties: String,
    pub pregnant: String,
    pub relationship: String,
    pub living_with_perpetrator: String,
    pub physical_currency: String,
    pub physical_trend: String,
    pub sexual_currency: String,
    pub sexual_trend: String,
    pub harassment_and_stalking_currency: String,
    pub harassment_and_stalking_trend: String,
    pub jealous_and_controlling_currency: String,
    pub jealous_and_controlling_trend: String,
    pub fear_of_further_injury: String,
    pub fear_of_being_killed: String,
    pub feeling_frightened: String,
    pub perpetrator_alcohol: String,
    pub perpetrator_drugs: String,
    pub perpetrator_mental_health: String,
    pub perpetrator_criminal_record: String,
    pub perpetrator_dv_criminal_record: String,
    pub perpetrator_financial_problems: String,
    pub perpetrator_suicide_threats: String,
    pub child_contact_conflict: String,
    pub fear_of_harm_to_children: String,
    pub threats_to_kill_children: String,
}

/// The raw review form: every field as text, exactly as submitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewInput {
    pub recorded_on: String,
    pub physical_currency: String,
    pub physical_trend: String,
    pub sexual_currency: String,
    pub sexual_trend: String,
    pub harassment_and_stalking_currency: String,
    pub harassment_and_stalking_trend: String,
    pub jealous_and_controlling_currency: String,
    pub jealous_and_controlling_trend: String,
    pub risk_judgement: String,
    pub coping: String,
    pub social_networks: String,
    pub fear_of_further_injury: String,
    pub fear_of_being_killed: String,
    pub feeling_frightened: String,
    pub perpetrator_alcohol: String,
    pub perpetrator_drugs: String,
    pub perpetrator_mental_health: String,
    pub perpetrator_criminal_record: String,
    pub perpetrator_dv_criminal_record: String,
    pub perpetrator_financial_problems: String,
    pub perpetrator_suicide_threats: String,
    pub child_contact_conflict: String,
    pub fear_of_harm_to_children: String,
    pub threats_to_kill_children: String,
}

/// The raw exit interview form: every field as text, exactly as submitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExitInput {
    pub recorded_on: String,
    pub physical_rating: String,
    pub sexual_rating: String,
    pub harassment_and_stalking_rating: String,
    pub jealous_and_controlling_rating: String,
    pub abuse_period: String,
    pub feels_safer: String,
    pub quality_of_life: String,
    pub ongoing_contact: String,
    pub contact_reason: String,
    pub contact_reason_other: String,
    pub cessation_sustainable: String,
    pub fear_of_further_injury: String,
    pub fear_of_being_killed: String,
    pub feeling_frightened: String,
    pub coping: String,
    pub social_networks: String,
}

/// The raw six-month follow-up form: every field as text, exactly as submitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FollowUpInput {
    pub recorded_on: String,
    pub abuse_resumed: String,
    pub wants_support_again: String,
    pub note: String,
}

// ---------------------------------------------------------------------------------------------
// Checking
// ---------------------------------------------------------------------------------------------

const RECORDED_ON: &str = "recorded_on";

/// The two messages for one choice: when nothing was chosen, and when the value is not one
/// of the options.
struct Ask {
    missing: String,
    invalid: String,
}

/// "Select {what}" / "Select {what} from the list".
fn select(what: &str) -> Ask {
    Ask {
        missing: format!("Select {what}"),
        invalid: format!("Select {what} from the list"),
    }
}

/// "Select {options}: {question}" / "Select {options} from the list: {question}".
fn question(options: &str, question: &str) -> Ask {
    Ask {
        missing: format!("Select {options}: {question}"),
        invalid: format!("Select {options} from the list: {question}"),
    }
}

fn parse_yes_no(s: &str) -> Option<bool> {
    match s {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

fn yes_no_field(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}

fn key_field<T: Copy>(value: Option<T>, as_str: fn(T) -> &'static str) -> String {
    value.map_or_else(String::new, |v| as_str(v).to_owned())
}

/// Collects every problem with a form, each naming its field.
struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    fn new() -> Check {
        Check { errors: Vec::new() }
    }

    fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// The day the form was completed: required, a real date, not in the future.
    fn recorded_on(&mut self, value: &str, today: Date) -> Option<Date> {
        let v = value.trim();
        if v.is_empty() {
            self.error(RECORDED_ON, "Enter the date the form was completed");
            return None;
        }
        match parse_iso_date(v) {
            None => {
                self.error(
                    RECORDED_ON,
                    "The date the form was completed must be a real date, like 2024-03-27",
                );
                None
            }
            Some(d) if d > today => {
                self.error(
                    RECORDED_ON,
                    "The date the form was completed must be today or in the past",
                );
                None
            }
            Some(d) => Some(d),
        }
    }

    /// One option from a list. A blank is an error only when `required`; a value that is not
    /// an option is always an error.
    fn choice<T>(
        &mut self,
        field: &str,
        value: &str,
        parse: fn(&str) -> Option<T>,
        ask: &Ask,
        required: bool,
    ) -> Option<T> {
        let v = value.trim();
        if v.is_empty() {
            if required {
                self.error(field, ask.missing.as_str());
            }
            return None;
        }
        let parsed = parse(v);
        if parsed.is_none() {
            self.error(field, ask.invalid.as_str());
        }
        parsed
    }

    fn yes_no(&mut self, field: &str, value: &str, ask: &str, required: bool) -> Option<bool> {
        self.choice(
            field,
            value,
            parse_yes_no,
            &question("yes or no", ask),
            required,
        )
    }

    /// An optional whole number in `min..=max`, or `prefer_not_to_say`.
    fn number(
        &mut self,
        field: &str,
        value: &str,
        (min, max): (u8, u8),
        what: &str,
    ) -> Option<NumberAnswer> {
        let v = value.trim();
        if v.is_empty() {
            return None;
        }
        if v == PREFER_NOT_TO_SAY {
            return Some(NumberAnswer::PreferNotToSay);
        }
        let n = if v.bytes().all(|b| b.is_ascii_digit()) {
            v.parse::<u8>().ok().filter(|n| (min..=max).contains(n))
        } else {
            None
        };
        if n.is_none() {
            self.error(
                field,
                format!(
                    "Enter {what} as a whole number from {min} to {max}, or select prefer not to say"
                ),
            );
        }
        n.map(NumberAnswer::Given)
    }

    /// Optional free text, trimmed, at most [`MAX_TEXT`] characters.
    fn text(&mut self, field: &str, value: &str, what: &str) -> Option<String> {
        let v = value.trim();
        if v.chars().count() > MAX_TEXT {
            self.error(
                field,
                format!("{what} must be {MAX_TEXT} characters or fewer"),
            );
        }
        (!v.is_empty()).then(|| v.to_owned())
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, Vec<FieldError>> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(self.errors),
        }
    }
}

// The shared sections. Each takes its fields' values in a fixed order and returns what it could
// read; a `None` from a required section always comes with at least one error.

const FEAR_FIELDS: [(&str, &str); 3] = [
    (
        "fear_of_further_injury",
        "is the victim afraid of further injury?",
    ),
    (
        "fear_of_being_killed",
        "is the victim afraid of being killed?",
    ),
    ("feeling_frightened", "does the victim feel frightened?"),
];

const PERPETRATOR_FIELDS: [(&str, &str); 7] = [
    (
        "perpetrator_alcohol",
        "does the perpetrator have problems with alcohol?",
    ),
    (
        "perpetrator_drugs",
        "does the perpetrator have problems with drugs?",
    ),
    (
        "perpetrator_mental_health",
        "does the perpetrator have mental health problems?",
    ),
    (
        "perpetrator_criminal_record",
        "does the perpetrator have a criminal record?",
    ),
    (
        "perpetrator_dv_criminal_record",
        "does the perpetrator have a criminal record for domestic abuse?",
    ),
    (
        "perpetrator_financial_problems",
        "does the perpetrator have financial problems?",
    ),
    (
        "perpetrator_suicide_threats",
        "has the perpetrator threatened suicide?",
    ),
];

const CHILD_FIELDS: [(&str, &str); 3] = [
    (
        "child_contact_conflict",
        "is there conflict over child contact?",
    ),
    (
        "fear_of_harm_to_children",
        "is the victim afraid the children will be harmed?",
    ),
    (
        "threats_to_kill_children",
        "has the perpetrator threatened to kill the children?",
    ),
];

fn parse_profile(c: &mut Check, values: ByAbuseType<(&str, &str)>) -> Option<IntakeProfile> {
    ByAbuseType::from_fn(|abuse| {
        let (currency, trend) = *values.get(abuse);
        let name = abuse.as_str();
        let what = abuse.description();
        let currency = c.choice(
            &format!("{name}_currency"),
            currency,
            Currency::parse,
            &question(
                "current, historic or none",
                &format!("when did the {what} last happen?"),
            ),
            true,
        );
        let trend = c.choice(
            &format!("{name}_trend"),
            trend,
            Trend::parse,
            &question(
                "getting worse, unchanged or reduced",
                &format!("how is the {what} changing?"),
            ),
            currency == Some(Currency::Current),
        );
        match currency? {
            Currency::Current => Some(AbuseAtIntake::Current { trend: trend? }),
            Currency::Historic => Some(AbuseAtIntake::Historic),
            Currency::None => Some(AbuseAtIntake::None),
        }
    })
    .transpose()
}

fn profile_fields(profile: &IntakeProfile) -> ByAbuseType<(String, String)> {
    ByAbuseType::from_fn(|abuse| {
        let at = *profile.get(abuse);
        (
            at.currency().as_str().to_owned(),
            key_field(at.trend(), Trend::as_str),
        )
    })
}

/// Reads a row of questions that share one set of options, in the order of `fields`.
fn answers<T, const N: usize>(
    c: &mut Check,
    fields: [(&str, &str); N],
    values: [&str; N],
    parse: fn(&str) -> Option<T>,
    options: &str,
    required: bool,
) -> [Option<T>; N] {
    let mut values = values.into_iter();
    fields.map(|(field, ask)| {
        let value = values.next().unwrap_or_default();
        c.choice(field, value, parse, &question(options, ask), required)
    })
}

fn parse_fear(c: &mut Check, values: [&str; 3]) -> Option<Fear> {
    let [injury, killed, frightened] = answers(
        c,
        FEAR_FIELDS,
        values,
        FearAnswer::parse,
        "yes, no or not asked",
        true,
    );
    Some(Fear {
        further_injury: injury?,
        being_killed: killed?,
        frightened: frightened?,
    })
}

fn fear_fields(fear: &Fear) -> [String; 3] {
    [fear.further_injury, fear.being_killed, fear.frightened].map(|a| a.as_str().to_owned())
}

fn parse_perpetrator(c: &mut Check, values: [&str; 7]) -> Option<PerpetratorRisks> {
    let [
        alcohol,
        drugs,
        mental_health,
        criminal_record,
        dv,
        financial,
        suicide,
    ] = answers(
        c,
        PERPETRATOR_FIELDS,
        values,
        Answer::parse,
        "yes, no or not known",
        true,
    );
    Some(PerpetratorRisks {
        alcohol: alcohol?,
        drugs: drugs?,
        mental_health: mental_health?,
        criminal_record: criminal_record?,
        dv_criminal_record: dv?,
        financial_problems: financial?,
        suicide_threats: suicide?,
    })
}

fn perpetrator_fields(p: &PerpetratorRisks) -> [String; 7] {
    [
        p.alcohol,
        p.drugs,
        p.mental_health,
        p.criminal_record,
        p.dv_criminal_record,
        p.financial_problems,
        p.suicide_threats,
    ]
    .map(|a| a.as_str().to_owned())
}

/// What the form says about children in the household, which decides whether the child
/// questions must, may or must not be answered.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ChildrenKnown {
    /// There are children: all three questions are required.
    Present,
    /// There are none: the questions must be left blank.
    Absent,
    /// Not recorded on this form: answer all three or none.
    Unstated,
}

fn parse_children(c: &mut Check, values: [&str; 3], known: ChildrenKnown) -> Option<ChildRisks> {
    let any = values.iter().any(|v| !v.trim().is_empty());
    if known == ChildrenKnown::Absent {
        for ((field, _), value) in CHILD_FIELDS.iter().zip(values) {
            if !value.trim().is_empty() {
                c.error(
                    field,
                    "Leave this blank when there are no children in the household, or correct the number of children",
                );
            }
        }
        return None;
    }
    let required = known == ChildrenKnown::Present || any;
    let [conflict, harm, threats] = answers(
        c,
        CHILD_FIELDS,
        values,
        Answer::parse,
        "yes, no or not known",
        required,
    );
    Some(ChildRisks {
        contact_conflict: conflict?,
        fear_of_harm: harm?,
        threats_to_kill: threats?,
    })
}

fn child_fields(children: Option<ChildRisks>) -> [String; 3] {
    match children {
        Some(ch) => [ch.contact_conflict, ch.fear_of_harm, ch.threats_to_kill]
            .map(|a| a.as_str().to_owned()),
        None => Default::default(),
    }
}

fn parse_change(c: &mut Check, field: &str, value: &str, what: &str) -> Option<Change> {
    c.choice(
        field,
        value,
        Change::parse,
        &question("better, the same or worse", what),
        true,
    )
}

const COPING: &str = "how is the victim coping compared with intake?";
const SOCIAL_NETWORKS: &str = "how are the victim's social networks compared with intake?";

// ---------------------------------------------------------------------------------------------
// The four forms: parsing and pre-filling
// ---------------------------------------------------------------------------------------------

impl IntakeInput {
    fn profile_values(&self) -> ByAbuseType<(&str, &str)> {
        ByAbuseType {
            physical: (&self.physical_currency, &self.physical_trend),
            sexual: (&self.sexual_currency, &self.sexual_trend),
            harassment_and_stalking: (
                &self.harassment_and_stalking_currency,
                &self.harassment_and_stalking_trend,
            ),
            jealous_and_controlling: (
                &self.jealous_and_controlling_currency,
                &self.jealous_and_controlling_trend,
            ),
        }
    }

    /// Checks every field; returns the intake or every problem found.
    ///
    /// The equality questions are all optional. The child questions are required when there
    /// are children in the household, must be blank when there are none, and otherwise are
    /// answered all together or not at all.
    pub fn parse(&self, today: Date) -> Result<Intake, Vec<FieldError>> {
        let mut c = Check::new();
        let recorded_on = c.recorded_on(&self.recorded_on, today);
        let demographics = Demographics {
            gender: c.choice(
                "gender",
                &self.gender,
                EqualityGender::parse,
                &select("the victim's gender"),
                false,
            ),
            age: c.number("age", &self.age, AGE_RANGE, "the victim's age"),
            ethnicity: c.choice(
                "ethnicity",
                &self.ethnicity,
                Ethnicity::parse,
                &select("the victim's ethnicity"),
                false,
            ),
            disability: c.choice(
                "disability",
                &self.disability,
                YesNoPreferNot::parse,
                &question("yes, no or prefer not to say", "is the victim disabled?"),
                false,
            ),
            sexual_orientation: c.choice(
                "sexual_orientation",
                &self.sexual_orientation,
                SexualOrientation::parse,
                &select("the victim's sexual orientation"),
                false,
            ),
            children_in_household: c.number(
                "children_in_household",
                &self.children_in_household,
                (0, MAX_CHILDREN),
                "the number of children in the household",
            ),
            mental_health_difficulties: c.choice(
                "mental_health_difficulties",
                &self.mental_health_difficulties,
                YesNoPreferNot::parse,
                &question(
                    "yes, no or prefer not to say",
                    "has the victim had mental health difficulties in the last 12 months?",
                ),
                false,
            ),
            pregnant: c.choice(
                "pregnant",
                &self.pregnant,
                YesNoPreferNot::parse,
                &question("yes, no or prefer not to say", "is the victim pregnant?"),
                false,
            ),
        };
        let relationship = c.choice(
            "relationship",
            &self.relationship,
            Relationship::parse,
            &select("the perpetrator's relationship to the victim"),
            true,
        );
        let living_with_perpetrator = c.yes_no(
            "living_with_perpetrator",
            &self.living_with_perpetrator,
            "does the victim live with the perpetrator?",
            true,
        );
        let profile = parse_profile(&mut c, self.profile_values());
        let fear = parse_fear(
            &mut c,
            [
                &self.fear_of_further_injury,
                &self.fear_of_being_killed,
                &self.feeling_frightened,
            ],
        );
        let perpetrator = parse_perpetrator(
            &mut c,
            [
                &self.perpetrator_alcohol,
                &self.perpetrator_drugs,
                &self.perpetrator_mental_health,
                &self.perpetrator_criminal_record,
                &self.perpetrator_dv_criminal_record,
                &self.perpetrator_financial_problems,
                &self.perpetrator_suicide_threats,
            ],
        );
        let known = match demographics.children_in_household {
            Some(NumberAnswer::Given(0)) => ChildrenKnown::Absent,
            Some(NumberAnswer::Given(_)) => ChildrenKnown::Present,
            Some(NumberAnswer::PreferNotToSay) | None => ChildrenKnown::Unstated,
        };
        let children = parse_children(
            &mut c,
            [
                &self.child_contact_conflict,
                &self.fear_of_harm_to_children,
                &self.threats_to_kill_children,
            ],
            known,
        );
        let intake = match (
            recorded_on,
            relationship,
            living_with_perpetrator,
            profile,
            fear,
            perpetrator,
        ) {
            (
                Some(recorded_on),
                Some(relationship),
                Some(living_with_perpetrator),
                Some(profile),
                Some(fear),
                Some(perpetrator),
            ) => Some(Intake {
                recorded_on,
                demographics,
                relationship,
                living_with_perpetrator,
                profile,
                fear,
                perpetrator,
                children,
            }),
            _ => None,
        };
        c.finish(intake)
    }
}

impl From<&Intake> for IntakeInput {
    /// The form as it would be submitted to record this intake again.
    fn from(intake: &Intake) -> IntakeInput {
        let d = &intake.demographics;
        let profile = profile_fields(&intake.profile);
        let [
            fear_of_further_injury,
            fear_of_being_killed,
            feeling_frightened,
        ] = fear_fields(&intake.fear);
        let [
            perpetrator_alcohol,
            perpetrator_drugs,
            perpetrator_mental_health,
            perpetrator_criminal_record,
            perpetrator_dv_criminal_record,
            perpetrator_financial_problems,
            perpetrator_suicide_threats,
        ] = perpetrator_fields(&intake.perpetrator);
        let [
            child_contact_conflict,
            fear_of_harm_to_children,
            threats_to_kill_children,
        ] = child_fields(intake.children);
        IntakeInput {
            recorded_on: format_iso_date(intake.recorded_on),
            gender: key_field(d.gender, EqualityGender::as_str),
            age: d.age.map(NumberAnswer::to_field).unwrap_or_default(),
            ethnicity: key_field(d.ethnicity, Ethnicity::as_str),
            disability: key_field(d.disability, YesNoPreferNot::as_str),
            sexual_orientation: key_field(d.sexual_orientation, SexualOrientation::as_str),
            children_in_household: d
                .children_in_household
                .map(NumberAnswer::to_field)
                .unwrap_or_default(),
            mental_health_difficulties: key_field(
                d.mental_health_difficulties,
                YesNoPreferNot::as_str,
            ),
            pregnant: key_field(d.pregnant, YesNoPreferNot::as_str),
            relationship: intake.relationship.as_str().to_owned(),
            living_with_perpetrator: yes_no_field(intake.living_with_perpetrator),
            physical_currency: profile.physical.0,
            physical_trend: profile.physical.1,
            sexual_currency: profile.sexual.0,
            sexual_trend: profile.sexual.1,
            harassment_and_stalking_currency: profile.harassment_and_stalking.0,
            harassment_and_stalking_trend: profile.harassment_and_stalking.1,
            jealous_and_controlling_currency: profile.jealous_and_controlling.0,
            jealous_and_controlling_trend: profile.jealous_and_controlling.1,
            fear_of_further_injury,
            fear_of_being_killed,
            feeling_frightened,
            perpetrator_alcohol,
            perpetrator_drugs,
            perpetrator_mental_health,
            perpetrator_criminal_record,
            perpetrator_dv_criminal_record,
            perpetrator_financial_problems,
            perpetrator_suicide_threats,
            child_contact_conflict,
            fear_of_harm_to_children,
            threats_to_kill_children,
        }
    }
}

impl ReviewInput {
    fn profile_values(&self) -> ByAbuseType<(&str, &str)> {
        ByAbuseType {
            physical: (&self.physical_currency, &self.physical_trend),
            sexual: (&self.sexual_currency, &self.sexual_trend),
            harassment_and_stalking: (
                &self.harassment_and_stalking_currency,
                &self.harassment_and_stalking_trend,
            ),
            jealous_and_controlling: (
                &self.jealous_and_controlling_currency,
                &self.jealous_and_controlling_trend,
            ),
        }
    }

    fn set_profile(&mut self, profile: &IntakeProfile) {
        let p = profile_fields(profile);
        self.physical_currency = p.physical.0;
        self.physical_trend = p.physical.1;
        self.sexual_currency = p.sexual.0;
        self.sexual_trend = p.sexual.1;
        self.harassment_and_stalking_currency = p.harassment_and_stalking.0;
        self.harassment_and_stalking_trend = p.harassment_and_stalking.1;
        self.jealous_and_controlling_currency = p.jealous_and_controlling.0;
        self.jealous_and_controlling_trend = p.jealous_and_controlling.1;
    }

    fn set_perpetrator_and_children(
        &mut self,
        perpetrator: &PerpetratorRisks,
        children: Option<ChildRisks>,
    ) {
        [
            self.perpetrator_alcohol,
            self.perpetrator_drugs,
            self.perpetrator_mental_health,
            self.perpetrator_criminal_record,
            self.perpetrator_dv_criminal_record,
            self.perpetrator_financial_problems,
            self.perpetrator_suicide_threats,
        ] = perpetrator_fields(perpetrator);
        [
            self.child_contact_conflict,
            self.fear_of_harm_to_children,
            self.threats_to_kill_children,
        ] = child_fields(children);
    }

    /// A review form started from the intake: the abuse profile, the perpetrator's risk
    /// factors and the child questions are copied for the Idva to update. The date, the
    /// Idva's judgement, coping, social networks and the fear questions are left blank: they
    /// describe the day of the review and must be asked afresh, or an unchanged answer would
    /// be counted as "no change".
    pub fn from_intake(intake: &Intake) -> ReviewInput {
        let mut input = ReviewInput::default();
        input.set_profile(&intake.profile);
        input.set_perpetrator_and_children(&intake.perpetrator, intake.children);
        input
    }

    /// Checks every field; returns the review or every problem found. The child questions are
    /// answered all together, or left blank where there are no children.
    pub fn parse(&self, today: Date) -> Result<Review, Vec<FieldError>> {
        let mut c = Check::new();
        let recorded_on = c.recorded_on(&self.recorded_on, today);
        let profile = parse_profile(&mut c, self.profile_values());
        let risk_judgement = c.choice(
            "risk_judgement",
            &self.risk_judgement,
            RiskJudgement::parse,
            &question(
                "reduced, the same or increased",
                "how has the risk to the victim changed since intake?",
            ),
            true,
        );
        let coping = parse_change(&mut c, "coping", &self.coping, COPING);
        let social_networks = parse_change(
            &mut c,
            "social_networks",
            &self.social_networks,
            SOCIAL_NETWORKS,
        );
        let fear = parse_fear(
            &mut c,
            [
                &self.fear_of_further_injury,
                &self.fear_of_being_killed,
                &self.feeling_frightened,
            ],
        );
        let perpetrator = parse_perpetrator(
            &mut c,
            [
                &self.perpetrator_alcohol,
                &self.perpetrator_drugs,
                &self.perpetrator_mental_health,
                &self.perpetrator_criminal_record,
                &self.perpetrator_dv_criminal_record,
                &self.perpetrator_financial_problems,
                &self.perpetrator_suicide_threats,
            ],
        );
        let children = parse_children(
            &mut c,
            [
                &self.child_contact_conflict,
                &self.fear_of_harm_to_children,
                &self.threats_to_kill_children,
            ],
            ChildrenKnown::Unstated,
        );
        let review = match (
            recorded_on,
            profile,
            risk_judgement,
            coping,
            social_networks,
            fear,
            perpetrator,
        ) {
            (
                Some(recorded_on),
                Some(profile),
                Some(risk_judgement),
                Some(coping),
                Some(social_networks),
                Some(fear),
                Some(perpetrator),
            ) => Some(Review {
                recorded_on,
                profile,
                risk_judgement,
                coping,
                social_networks,
                fear,
                perpetrator,
                children,
            }),
            _ => None,
        };
        c.finish(review)
    }
}

impl From<&Review> for ReviewInput {
    /// The form as it would be submitted to record this review again.
    fn from(review: &Review) -> ReviewInput {
        let [
            fear_of_further_injury,
            fear_of_being_killed,
            feeling_frightened,
        ] = fear_fields(&review.fear);
        let mut input = ReviewInput {
            recorded_on: format_iso_date(review.recorded_on),
            risk_judgement: review.risk_judgement.as_str().to_owned(),
            coping: review.coping.as_str().to_owned(),
            social_networks: review.social_networks.as_str().to_owned(),
            fear_of_further_injury,
            fear_of_being_killed,
            feeling_frightened,
            ..ReviewInput::default()
        };
        input.set_profile(&review.profile);
        input.set_perpetrator_and_children(&review.perpetrator, review.children);
        input
    }
}

impl ExitInput {
    /// Checks every field; returns the exit interview or every problem found. A reason is
    /// required when contact with the perpetrator continues, and a description when that
    /// reason is "other".
    pub fn parse(&self, today: Date) -> Result<Exit, Vec<FieldError>> {
        let mut c = Check::new();
        let recorded_on = c.recorded_on(&self.recorded_on, today);
        let ratings = ByAbuseType::from_fn(|abuse| {
            let value = match abuse {
                AbuseType::Physical => &self.physical_rating,
                AbuseType::Sexual => &self.sexual_rating,
                AbuseType::HarassmentAndStalking => &self.harassment_and_stalking_rating,
                AbuseType::JealousAndControlling => &self.jealous_and_controlling_rating,
            };
            c.choice(
                &format!("{}_rating", abuse.as_str()),
                value,
                ExitRating::parse,
                &question(
                    "high, moderate, standard, none or don't know",
                    &format!("how severe has the {} been?", abuse.description()),
                ),
                true,
            )
        })
        .transpose();
        let period = c.choice(
            "abuse_period",
            &self.abuse_period,
            Period::parse,
            &question(
                "in the last month or since intake",
                "what period do the abuse ratings cover?",
            ),
            true,
        );
        let feels_safer = c.choice(
            "feels_safer",
            &self.feels_safer,
            FeelsSafer::parse,
            &select("whether the victim feels safer"),
            true,
        );
        let quality_of_life = c.choice(
            "quality_of_life",
            &self.quality_of_life,
            QualityOfLife::parse,
            &question(
                "improved, the same or worse",
                "how has the victim's quality of life changed?",
            ),
            true,
        );
        let ongoing = c.yes_no(
            "ongoing_contact",
            &self.ongoing_contact,
            "is the victim still in contact with the perpetrator?",
            true,
        );
        let reason = c.choice(
            "contact_reason",
            &self.contact_reason,
            ContactReason::parse,
            &select("why the victim is still in contact with the perpetrator"),
            ongoing == Some(true),
        );
        let other = c.text(
            "contact_reason_other",
            &self.contact_reason_other,
            "The other reason for contact",
        );
        let ongoing_contact = match (ongoing, reason) {
            (Some(false), _) => Some(OngoingContact::NoContact),
            (Some(true), Some(ContactReason::ChildContact)) => Some(OngoingContact::ChildContact),
            (Some(true), Some(ContactReason::Other)) => match other {
                Some(reason) => Some(OngoingContact::Other { reason }),
                None => {
                    c.error(
                        "contact_reason_other",
                        "Enter the other reason the victim is still in contact with the perpetrator",
                    );
                    None
                }
            },
            _ => None,
        };
        let cessation_sustainable = c.choice(
            "cessation_sustainable",
            &self.cessation_sustainable,
            Sustainable::parse,
            &question(
                "yes, no or not sure",
                "do you believe the end of the abuse will last?",
            ),
            true,
        );
        let fear = parse_fear(
            &mut c,
            [
                &self.fear_of_further_injury,
                &self.fear_of_being_killed,
                &self.feeling_frightened,
            ],
        );
        let coping = parse_change(&mut c, "coping", &self.coping, COPING);
        let social_networks = parse_change(
            &mut c,
            "social_networks",
            &self.social_networks,
            SOCIAL_NETWORKS,
        );
        let exit = match (
            recorded_on,
            ratings,
            period,
            feels_safer,
            quality_of_life,
            ongoing_contact,
            cessation_sustainable,
            fear,
            coping,
            social_networks,
        ) {
            (
                Some(recorded_on),
                Some(ratings),
                Some(period),
                Some(feels_safer),
                Some(quality_of_life),
                Some(ongoing_contact),
                Some(cessation_sustainable),
                Some(fear),
                Some(coping),
                Some(social_networks),
            ) => Some(Exit {
                recorded_on,
                profile: ExitProfile { period, ratings },
                feels_safer,
                quality_of_life,
                ongoing_contact,
                cessation_sustainable,
                fear,
                coping,
                social_networks,
            }),
            _ => None,
        };
        c.finish(exit)
    }
}

impl From<&Exit> for ExitInput {
    /// The form as it would be submitted to record this exit interview again.
    fn from(exit: &Exit) -> ExitInput {
        let r = exit
            .profile
            .ratings
            .map_ref(|rating| rating.as_str().to_owned());
        let [
            fear_of_further_injury,
            fear_of_being_killed,
            feeling_frightened,
        ] = fear_fields(&exit.fear);
        let (ongoing_contact, contact_reason, contact_reason_other) = match &exit.ongoing_contact {
            OngoingContact::NoContact => ("no", "", String::new()),
            OngoingContact::ChildContact => {
                ("yes", ContactReason::ChildContact.as_str(), String::new())
            }
            OngoingContact::Other { reason } => {
                ("yes", ContactReason::Other.as_str(), reason.clone())
            }
        };
        ExitInput {
            recorded_on: format_iso_date(exit.recorded_on),
            physical_rating: r.physical,
            sexual_rating: r.sexual,
            harassment_and_stalking_rating: r.harassment_and_stalking,
            jealous_and_controlling_rating: r.jealous_and_controlling,
            abuse_period: exit.profile.period.as_str().to_owned(),
            feels_safer: exit.feels_safer.as_str().to_owned(),
            quality_of_life: exit.quality_of_life.as_str().to_owned(),
            ongoing_contact: ongoing_contact.to_owned(),
            contact_reason: contact_reason.to_owned(),
            contact_reason_other,
            cessation_sustainable: exit.cessation_sustainable.as_str().to_owned(),
            fear_of_further_injury,
            fear_of_being_killed,
            feeling_frightened,
            coping: exit.coping.as_str().to_owned(),
            social_networks: exit.social_networks.as_str().to_owned(),
        }
    }
}

impl FollowUpInput {
    /// Checks every field; returns the follow-up or every problem found. Whether the victim
    /// wants support again is required only when they were contacted.
    pub fn parse(&self, today: Date) -> Result<FollowUp, Vec<FieldError>> {
        let mut c = Check::new();
        let recorded_on = c.recorded_on(&self.recorded_on, today);
        let abuse_resumed = c.choice(
            "abuse_resumed",
            &self.abuse_resumed,
            AbuseResumed::parse,
            &question(
                "yes, no or could not contact",
                "has the abuse started again?",
            ),
            true,
        );
        let contacted = matches!(abuse_resumed, Some(AbuseResumed::Yes | AbuseResumed::No));
        let wants = c.yes_no(
            "wants_support_again",
            &self.wants_support_again,
            "does the victim want support again?",
            contacted,
        );
        let note = c.text("note", &self.note, "The note");
        let follow_up = match (recorded_on, abuse_resumed) {
            (Some(recorded_on), Some(abuse_resumed)) => Some(FollowUp {
                recorded_on,
                abuse_resumed,
                wants_support_again: if contacted { wants } else { None },
                note,
            }),
            _ => None,
        };
        c.finish(follow_up)
    }
}

impl From<&FollowUp> for FollowUpInput {
    /// The form as it would be submitted to record this follow-up again.
    fn from(f: &FollowUp) -> FollowUpInput {
        FollowUpInput {
            recorded_on: format_iso_date(f.recorded_on),
            abuse_resumed: f.abuse_resumed.as_str().to_owned(),
            wants_support_again: f.wants_support_again.map(yes_no_field).unwrap_or_default(),
            note: f.note.clone().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 25);

    fn fields(errs: &[FieldError]) -> Vec<&str> {
        errs.iter().map(|e| e.field.as_str()).collect()
    }

    fn intake_input() -> IntakeInput {
        IntakeInput {
            recorded_on: "2026-07-01".into(),
            gender: "female".into(),
            age: "34".into(),
            ethnicity: "white_irish".into(),
            disability: "no".into(),
            sexual_orientation: "prefer_not_to_say".into(),
            children_in_household: "2".into(),
            mental_health_difficulties: "yes".into(),
            pregnant: "no".into(),
            relationship: "ex_partner".into(),
            living_with_perpetrator: "no".into(),
            physical_currency: "current".into(),
            physical_trend: "getting_worse".into(),
            sexual_currency: "historic".into(),
            harassment_and_stalking_currency: "current".into(),
            harassment_and_stalking_trend: "unchanged".into(),
            jealous_and_controlling_currency: "none".into(),
            fear_of_further_injury: "yes".into(),
            fear_of_being_killed: "no".into(),
            feeling_frightened: "not_asked".into(),
            perpetrator_alcohol: "yes".into(),
            perpetrator_drugs: "no".into(),
            perpetrator_mental_health: "not_known".into(),
            perpetrator_criminal_record: "yes".into(),
            perpetrator_dv_criminal_record: "no".into(),
            perpetrator_financial_problems: "yes".into(),
            perpetrator_suicide_threats: "not_known".into(),
            child_contact_conflict: "yes".into(),
            fear_of_harm_to_children: "no".into(),
            threats_to_kill_children: "not_known".into(),
            ..IntakeInput::default()
        }
    }

    fn review_input() -> ReviewInput {
        ReviewInput {
            recorded_on: "2026-11-01".into(),
            physical_currency: "current".into(),
            physical_trend: "reduced".into(),
            sexual_currency: "none".into(),
            harassment_and_stalking_currency: "historic".into(),
            jealous_and_controlling_currency: "current".into(),
            jealous_and_controlling_trend: "unchanged".into(),
            risk_judgement: "reduced".into(),
            coping: "better".into(),
            social_networks: "same".into(),
            fear_of_further_injury: "no".into(),
            fear_of_being_killed: "no".into(),
            feeling_frightened: "yes".into(),
            perpetrator_alcohol: "yes".into(),
            perpetrator_drugs: "no".into(),
            perpetrator_mental_health: "no".into(),
            perpetrator_criminal_record: "yes".into(),
            perpetrator_dv_criminal_record: "yes".into(),
            perpetrator_financial_problems: "no".into(),
            perpetrator_suicide_threats: "no".into(),
            ..ReviewInput::default()
        }
    }

    fn exit_input() -> ExitInput {
        ExitInput {
            recorded_on: "2026-11-20".into(),
            physical_rating: "none".into(),
            sexual_rating: "none".into(),
            harassment_and_stalking_rating: "standard".into(),
            jealous_and_controlling_rating: "dont_know".into(),
            abuse_period: "since_intake".into(),
            feels_safer: "much_safer".into(),
            quality_of_life: "improved".into(),
            ongoing_contact: "yes".into(),
            contact_reason: "child_contact".into(),
            cessation_sustainable: "not_sure".into(),
            fear_of_further_injury: "no".into(),
            fear_of_being_killed: "no".into(),
            feeling_frightened: "no".into(),
            coping: "better".into(),
            social_networks: "better".into(),
            ..ExitInput::default()
        }
    }

    fn follow_up_input() -> FollowUpInput {
        FollowUpInput {
            recorded_on: "2026-11-25".into(),
            abuse_resumed: "no".into(),
            wants_support_again: "no".into(),
            note: "Spoke on the safe number; doing well.".into(),
        }
    }

    // ---- Intake --------------------------------------------------------------------------

    #[test]
    fn a_complete_intake_parses() {
        let intake = intake_input().parse(TODAY).unwrap();
        assert_eq!(intake.recorded_on, date!(2026 - 07 - 01));
        let d = intake.demographics;
        assert_eq!(d.gender, Some(EqualityGender::Female));
        assert_eq!(d.age, Some(NumberAnswer::Given(34)));
        assert_eq!(d.ethnicity, Some(Ethnicity::WhiteIrish));
        assert_eq!(
            d.sexual_orientation,
            Some(SexualOrientation::PreferNotToSay)
        );
        assert_eq!(d.children_in_household, Some(NumberAnswer::Given(2)));
        assert_eq!(d.mental_health_difficulties, Some(YesNoPreferNot::Yes));
        assert_eq!(intake.relationship, Relationship::ExPartner);
        assert!(!intake.living_with_perpetrator);
        assert_eq!(
            intake.profile.physical,
            AbuseAtIntake::Current {
                trend: Trend::GettingWorse
            }
        );
        assert_eq!(intake.profile.sexual, AbuseAtIntake::Historic);
        assert_eq!(intake.profile.jealous_and_controlling, AbuseAtIntake::None);
        assert_eq!(intake.fear.frightened, FearAnswer::NotAsked);
        assert_eq!(intake.perpetrator.mental_health, Answer::NotKnown);
        assert_eq!(
            intake.children,
            Some(ChildRisks {
                contact_conflict: Answer::Yes,
                fear_of_harm: Answer::No,
                threats_to_kill: Answer::NotKnown,
            })
        );
    }

    #[test]
    fn every_equality_question_is_optional_and_can_be_declined() {
        let mut input = intake_input();
        input.gender.clear();
        input.age.clear();
        input.ethnicity.clear();
        input.disability.clear();
        input.sexual_orientation.clear();
        input.children_in_household.clear();
        input.mental_health_difficulties.clear();
        input.pregnant.clear();
        assert_eq!(
            input.parse(TODAY).unwrap().demographics,
            Demographics::default()
        );

        input.gender = "prefer_not_to_say".into();
        input.age = "prefer_not_to_say".into();
        input.ethnicity = "prefer_not_to_say".into();
        input.disability = "prefer_not_to_say".into();
        input.sexual_orientation = "prefer_not_to_say".into();
        input.children_in_household = "prefer_not_to_say".into();
        input.mental_health_difficulties = "prefer_not_to_say".into();
        input.pregnant = "prefer_not_to_say".into();
        let d = input.parse(TODAY).unwrap().demographics;
        assert_eq!(d.gender, Some(EqualityGender::PreferNotToSay));
        assert_eq!(d.age, Some(NumberAnswer::PreferNotToSay));
        assert_eq!(d.ethnicity, Some(Ethnicity::PreferNotToSay));
        assert_eq!(d.disability, Some(YesNoPreferNot::PreferNotToSay));
        assert_eq!(d.children_in_household, Some(NumberAnswer::PreferNotToSay));
        assert_eq!(d.pregnant, Some(YesNoPreferNot::PreferNotToSay));
    }

    #[test]
    fn a_blank_intake_reports_every_required_field() {
        let errs = IntakeInput::default().parse(TODAY).unwrap_err();
        assert_eq!(
            fields(&errs),
            vec![
                "recorded_on",
                "relationship",
                "living_with_perpetrator",
                "physical_currency",
                "sexual_currency",
                "harassment_and_stalking_currency",
                "jealous_and_controlling_currency",
                "fear_of_further_injury",
                "fear_of_being_killed",
                "feeling_frightened",
                "perpetrator_alcohol",
                "perpetrator_drugs",
                "perpetrator_mental_health",
                "perpetrator_criminal_record",
                "perpetrator_dv_criminal_record",
                "perpetrator_financial_problems",
                "perpetrator_suicide_threats",
            ]
        );
        assert_eq!(errs[0].message, "Enter the date the form was completed");
        assert_eq!(
            errs[3].message,
            "Select current, historic or none: when did the physical abuse last happen?"
        );
        assert_eq!(
            errs[10].message,
            "Select yes, no or not known: does the perpetrator have problems with alcohol?"
        );
        assert!(errs.iter().all(|e| !e.message.contains("from the list")));
    }

    #[test]
    fn invalid_intake_choices_are_reported_by_field() {
        let bad = "something else".to_owned();
        let input = IntakeInput {
            recorded_on: "2026-07-01".into(),
            gender: bad.clone(),
            ethnicity: bad.clone(),
            disability: bad.clone(),
            sexual_orientation: bad.clone(),
            mental_health_difficulties: bad.clone(),
            pregnant: bad.clone(),
            relationship: bad.clone(),
            living_with_perpetrator: bad.clone(),
            physical_currency: bad.clone(),
            sexual_currency: "current".into(),
            sexual_trend: bad.clone(),
            harassment_and_stalking_currency: "none".into(),
            jealous_and_controlling_currency: "none".into(),
            fear_of_further_injury: bad.clone(),
            fear_of_being_killed: "no".into(),
            feeling_frightened: "no".into(),
            perpetrator_alcohol: bad.clone(),
            perpetrator_drugs: "no".into(),
            perpetrator_mental_health: "no".into(),
            perpetrator_criminal_record: "no".into(),
            perpetrator_dv_criminal_record: "no".into(),
            perpetrator_financial_problems: "no".into(),
            perpetrator_suicide_threats: "no".into(),
            child_contact_conflict: bad.clone(),
            fear_of_harm_to_children: "no".into(),
            threats_to_kill_children: "no".into(),
            ..IntakeInput::default()
        };
        let errs = input.parse(TODAY).unwrap_err();
        assert_eq!(
            fields(&errs),
            vec![
                "gender",
                "ethnicity",
                "disability",
                "sexual_orientation",
                "mental_health_difficulties",
                "pregnant",
                "relationship",
                "living_with_perpetrator",
                "physical_currency",
                "sexual_trend",
                "fear_of_further_injury",
                "perpetrator_alcohol",
                "child_contact_conflict",
            ]
        );
        assert!(
            errs.iter().all(|e| e.message.contains("from the list")),
            "{errs:?}"
        );
        assert_eq!(errs[0].message, "Select the victim's gender from the list");
    }

    #[test]
    fn choices_are_exact_machine_spellings() {
        let mut input = intake_input();
        input.relationship = "Ex-partner".into();
        input.physical_currency = "CURRENT".into();
        let errs = input.parse(TODAY).unwrap_err();
        assert_eq!(fields(&errs), vec!["relationship", "physical_currency"]);
        // Surrounding spaces are forgiven, as elsewhere in Waymark.
        let mut input = intake_input();
        input.relationship = " ex_partner ".into();
        assert!(input.parse(TODAY).is_ok());
    }

    #[test]
    fn ages_and_child_counts_must_be_whole_numbers_in_range() {
        for bad in ["15", "121", "-1", "30.5", "thirty", "999", "+30"] {
            let mut input = intake_input();
            input.age = bad.into();
            let errs = input.parse(TODAY).unwrap_err();
            assert_eq!(fields(&errs), vec!["age"], "{bad}");
            assert_eq!(
                errs[0].message,
                "Enter the victim's age as a whole number from 16 to 120, or select prefer not to say"
            );
        }
        for good in ["16", "120", " 45 "] {
            let mut input = intake_input();
            input.age = good.into();
            assert!(input.parse(TODAY).is_ok(), "{good}");
        }
        let mut input = intake_input();
        input.children_in_household = "31".into();
        assert_eq!(
            fields(&input.parse(TODAY).unwrap_err()),
            vec!["children_in_household"]
        );
    }

    #[test]
    fn the_date_is_required_real_and_not_in_the_future() {
        let mut input = intake_input();
        input.recorded_on = "2026-11-26".into();
        let errs = input.parse(TODAY).unwrap_err();
        assert_eq!(fields(&errs), vec!["recorded_on"]);
        assert_eq!(
            errs[0].message,
            "The date the form was completed must be today or in the past"
        );
        input.recorded_on = "2026-02-30".into();
        assert!(
            input.parse(TODAY).unwrap_err()[0]
                .message
                .contains("real date")
        );
        input.recorded_on = "2026-11-25".into();
        assert_eq!(
            input.parse(TODAY).unwrap().recorded_on,
            date!(2026 - 11 - 25)
        );
        // Every form shares the rule.
        let mut review = review_input();
        review.recorded_on = "2027-01-01".into();
        assert_eq!(
            fields(&review.parse(TODAY).unwrap_err()),
            vec!["recorded_on"]
        );
        let mut exit = exit_input();
        exit.recorded_on = "2027-01-01".into();
        assert_eq!(fields(&exit.parse(TODAY).unwrap_err()), vec!["recorded_on"]);
        let mut follow = follow_up_input();
        follow.recorded_on = "2027-01-01".into();
        assert_eq!(
            fields(&follow.parse(TODAY).unwrap_err()),
            vec!["recorded_on"]
        );
    }

    #[test]
    fn a_trend_is_required_only_for_current_abuse() {
        let mut input = intake_input();
        input.physical_trend.clear();
        let errs = input.parse(TODAY).unwrap_err();
        assert_eq!(fields(&errs), vec!["physical_trend"]);
        assert_eq!(
            errs[0].message,
            "Select getting worse, unchanged or reduced: how is the physical abuse changing?"
        );

        // Historic or no abuse needs no trend, and a leftover trend is not stored.
        let mut input = intake_input();
        input.physical_currency = "historic".into();
        input.sexual_currency = "none".into();
        input.sexual_trend = "reduced".into();
        let intake = input.parse(TODAY).unwrap();
        assert_eq!(intake.profile.physical, AbuseAtIntake::Historic);
        assert_eq!(intake.profile.sexual, AbuseAtIntake::None);
        assert_eq!(intake.profile.sexual.trend(), None);

        // A missing currency reports the currency, not the trend.
        let mut input = intake_input();
        input.physical_currency.clear();
        input.physical_trend.clear();
        assert_eq!(
            fields(&input.parse(TODAY).unwrap_err()),
            vec!["physical_currency"]
        );
    }

    #[test]
    fn child_questions_follow_the_children_in_the_household() {
        // Children present: all three questions required.
        let mut input = intake_input();
        input.fear_of_harm_to_children.clear();
        assert_eq!(
            fields(&input.parse(TODAY).unwrap_err()),
            vec!["fear_of_harm_to_children"]
        );
        input.child_contact_conflict.clear();
        input.threats_to_kill_children.clear();
        assert_eq!(
            fields(&input.parse(TODAY).unwrap_err()),
            vec![
                "child_contact_conflict",
                "fear_of_harm_to_children",
                "threats_to_kill_children"
            ]
        );

        // No children: the questions must be blank.
        let mut input = intake_input();
        input.children_in_household = "0".into();
        input.fear_of_harm_to_children.clear();
        let errs = input.parse(TODAY).unwrap_err();
        assert_eq!(
            fields(&errs),
            vec!["child_contact_conflict", "threats_to_kill_children"]
        );
        input.child_contact_conflict.clear();
        input.threats_to_kill_children.clear();
        assert_eq!(input.parse(TODAY).unwrap().children, None);

        // Number not given: all three or none.
        let mut input = intake_input();
        input.children_in_household.clear();
        assert!(input.parse(TODAY).unwrap().children.is_some());
        input.threats_to_kill_children.clear();
        assert_eq!(
            fields(&input.parse(TODAY).unwrap_err()),
            vec!["threats_to_kill_children"]
        );
        input.child_contact_conflict.clear();
        input.fear_of_harm_to_children.clear();
        assert_eq!(input.parse(TODAY).unwrap().children, None);
    }

    // ---- Review --------------------------------------------------------------------------

    #[test]
    fn a_complete_review_parses() {
        let review = review_input().parse(TODAY).unwrap();
        assert_eq!(review.risk_judgement, RiskJudgement::Reduced);
        assert_eq!(review.coping, Change::Better);
        assert_eq!(review.social_networks, Change::Same);
        assert_eq!(
            review.profile.harassment_and_stalking,
            AbuseAtIntake::Historic
        );
        assert_eq!(review.perpetrator.dv_criminal_record, Answer::Yes);
        assert_eq!(review.children, None);
    }

    #[test]
    fn a_blank_review_reports_every_required_field() {
        let errs = ReviewInput::default().parse(TODAY).unwrap_err();
        assert_eq!(
            fields(&errs),
            vec![
                "recorded_on",
                "physical_currency",
                "sexual_currency",
                "harassment_and_stalking_currency",
                "jealous_and_controlling_currency",
                "risk_judgement",
                "coping",
                "social_networks",
                "fear_of_further_injury",
                "fear_of_being_killed",
                "feeling_frightened",
                "perpetrator_alcohol",
                "perpetrator_drugs",
                "perpetrator_mental_health",
                "perpetrator_criminal_record",
                "perpetrator_dv_criminal_record",
                "perpetrator_financial_problems",
                "perpetrator_suicide_threats",
            ]
        );
    }

    #[test]
    fn invalid_review_choices_are_reported_by_field() {
        let mut input = review_input();
        input.risk_judgement = "lower".into();
        input.coping = "fine".into();
        input.social_networks = "more".into();
        input.jealous_and_controlling_trend = "worse".into();
        input.child_contact_conflict = "maybe".into();
        let errs = input.parse(TODAY).unwrap_err();
        assert_eq!(
            fields(&errs),
            vec![
                "jealous_and_controlling_trend",
                "risk_judgement",
                "coping",
                "social_networks",
                "child_contact_conflict",
                "fear_of_harm_to_children",
                "threats_to_kill_children",
            ]
        );
        assert!(errs[0].message.contains("from the list"));
        assert!(errs[5].message.starts_with("Select yes, no or not known:"));
    }

    #[test]
    fn a_review_starts_from_the_intake_without_its_fear_answers() {
        let intake = intake_input().parse(TODAY).unwrap();
        let mut input = ReviewInput::from_intake(&intake);
        assert_eq!(input.physical_currency, "current");
        assert_eq!(input.physical_trend, "getting_worse");
        assert_eq!(input.sexual_trend, "");
        assert_eq!(input.perpetrator_alcohol, "yes");
        assert_eq!(input.child_contact_conflict, "yes");
        assert_eq!(input.recorded_on, "");
        assert_eq!(input.fear_of_further_injury, "");
        assert_eq!(input.risk_judgement, "");
        // The caseworker completes what describes the day of the review.
        input.recorded_on = "2026-11-01".into();
        input.risk_judgement = "same".into();
        input.coping = "same".into();
        input.social_networks = "worse".into();
        input.fear_of_further_injury = "yes".into();
        input.fear_of_being_killed = "no".into();
        input.feeling_frightened = "yes".into();
        let review = input.parse(TODAY).unwrap();
        assert_eq!(review.profile, intake.profile);
        assert_eq!(review.perpetrator, intake.perpetrator);
        assert_eq!(review.children, intake.children);
    }

    // ---- Exit ----------------------------------------------------------------------------

    #[test]
    fn a_complete_exit_parses() {
        let exit = exit_input().parse(TODAY).unwrap();
        assert_eq!(exit.profile.period, Period::SinceIntake);
        assert_eq!(exit.profile.ratings.physical, ExitRating::None);
        assert_eq!(
            exit.profile.ratings.jealous_and_controlling,
            ExitRating::DontKnow
        );
        assert_eq!(exit.feels_safer, FeelsSafer::MuchSafer);
        assert_eq!(exit.quality_of_life, QualityOfLife::Improved);
        assert_eq!(exit.ongoing_contact, OngoingContact::ChildContact);
        assert_eq!(exit.cessation_sustainable, Sustainable::NotSure);
        assert_eq!(exit.coping, Change::Better);
    }

    #[test]
    fn a_blank_exit_reports_every_required_field() {
        let errs = ExitInput::default().parse(TODAY).unwrap_err();
        assert_eq!(
            fields(&errs),
            vec![
                "recorded_on",
                "physical_rating",
                "sexual_rating",
                "harassment_and_stalking_rating",
                "jealous_and_controlling_rating",
                "abuse_period",
                "feels_safer",
                "quality_of_life",
                "ongoing_contact",
                "cessation_sustainable",
                "fear_of_further_injury",
                "fear_of_being_killed",
                "feeling_frightened",
                "coping",
                "social_networks",
            ]
        );
        assert_eq!(
            errs[8].message,
            "Select yes or no: is the victim still in contact with the perpetrator?"
        );
    }

    #[test]
    fn invalid_exit_choices_are_reported_by_field() {
        let mut input = exit_input();
        input.physical_rating = "severe".into();
        input.abuse_period = "last_year".into();
        input.feels_safer = "safer".into();
        input.quality_of_life = "better".into();
        input.ongoing_contact = "sometimes".into();
        input.contact_reason = "work".into();
        input.cessation_sustainable = "maybe".into();
        input.coping = "improved".into();
        let errs = input.parse(TODAY).unwrap_err();
        assert_eq!(
            fields(&errs),
            vec![
                "physical_rating",
                "abuse_period",
                "feels_safer",
                "quality_of_life",
                "ongoing_contact",
                "contact_reason",
                "cessation_sustainable",
                "coping",
            ]
        );
        assert!(errs.iter().all(|e| e.message.contains("from the list")));
    }

    #[test]
    fn ongoing_contact_needs_a_reason_and_other_needs_words() {
        let mut input = exit_input();
        input.contact_reason.clear();
        let errs = input.parse(TODAY).unwrap_err();
        assert_eq!(fields(&errs), vec!["contact_reason"]);
        assert_eq!(
            errs[0].message,
            "Select why the victim is still in contact with the perpetrator"
        );

        input.contact_reason = "other".into();
        input.contact_reason_other = "   ".into();
        let errs = input.parse(TODAY).unwrap_err();
        assert_eq!(fields(&errs), vec!["contact_reason_other"]);

        input.contact_reason_other = " They work together ".into();
        assert_eq!(
            input.parse(TODAY).unwrap().ongoing_contact,
            OngoingContact::Other {
                reason: "They work together".into()
            }
        );

        input.contact_reason_other = "x".repeat(MAX_TEXT + 1);
        assert_eq!(
            fields(&input.parse(TODAY).unwrap_err()),
            vec!["contact_reason_other"]
        );

        // No contact: a leftover reason is not stored.
        input.contact_reason_other = "They work together".into();
        input.ongoing_contact = "no".into();
        assert_eq!(
            input.parse(TODAY).unwrap().ongoing_contact,
            OngoingContact::NoContact
        );
    }

    // ---- Follow-up -----------------------------------------------------------------------

    #[test]
    fn a_complete_follow_up_parses() {
        let f = follow_up_input().parse(TODAY).unwrap();
        assert_eq!(f.abuse_resumed, AbuseResumed::No);
        assert_eq!(f.wants_support_again, Some(false));
        assert_eq!(
            f.note.as_deref(),
            Some("Spoke on the safe number; doing well.")
        );
    }

    #[test]
    fn a_blank_follow_up_reports_every_required_field() {
        let errs = FollowUpInput::default().parse(TODAY).unwrap_err();
        assert_eq!(fields(&errs), vec!["recorded_on", "abuse_resumed"]);
        let mut input = follow_up_input();
        input.wants_support_again.clear();
        assert_eq!(
            fields(&input.parse(TODAY).unwrap_err()),
            vec!["wants_support_again"]
        );
    }

    #[test]
    fn invalid_follow_up_choices_and_long_notes_are_reported() {
        let input = FollowUpInput {
            recorded_on: "2026-11-01".into(),
            abuse_resumed: "unknown".into(),
            wants_support_again: "perhaps".into(),
            note: "x".repeat(MAX_TEXT + 1),
        };
        let errs = input.parse(TODAY).unwrap_err();
        assert_eq!(
            fields(&errs),
            vec!["abuse_resumed", "wants_support_again", "note"]
        );
        assert_eq!(errs[2].message, "The note must be 4000 characters or fewer");
    }

    #[test]
    fn a_victim_who_could_not_be_contacted_is_not_asked_about_support() {
        let mut input = follow_up_input();
        input.abuse_resumed = "could_not_contact".into();
        input.wants_support_again.clear();
        let f = input.parse(TODAY).unwrap();
        assert_eq!(f.wants_support_again, None);
        input.wants_support_again = "yes".into();
        assert_eq!(input.parse(TODAY).unwrap().wants_support_again, None);
    }

    // ---- Round trips ---------------------------------------------------------------------

    #[test]
    fn every_form_round_trips_through_its_input() {
        let intake = intake_input().parse(TODAY).unwrap();
        assert_eq!(IntakeInput::from(&intake).parse(TODAY).unwrap(), intake);
        assert_eq!(IntakeInput::from(&intake), intake_input());

        let mut declined = intake_input();
        declined.age = "prefer_not_to_say".into();
        declined.children_in_household.clear();
        declined.child_contact_conflict.clear();
        declined.fear_of_harm_to_children.clear();
        declined.threats_to_kill_children.clear();
        let declined = declined.parse(TODAY).unwrap();
        assert_eq!(IntakeInput::from(&declined).parse(TODAY).unwrap(), declined);

        let review = review_input().parse(TODAY).unwrap();
        assert_eq!(ReviewInput::from(&review).parse(TODAY).unwrap(), review);
        assert_eq!(ReviewInput::from(&review), review_input());

        for (contact, reason, other) in [
            ("yes", "child_contact", ""),
            ("yes", "other", "Shared tenancy"),
            ("no", "", ""),
        ] {
            let mut input = exit_input();
            input.ongoing_contact = contact.into();
            input.contact_reason = reason.into();
            input.contact_reason_other = other.into();
            let exit = input.parse(TODAY).unwrap();
            assert_eq!(ExitInput::from(&exit).parse(TODAY).unwrap(), exit);
            assert_eq!(ExitInput::from(&exit), input);
        }

        let follow = follow_up_input().parse(TODAY).unwrap();
        assert_eq!(FollowUpInput::from(&follow).parse(TODAY).unwrap(), follow);
        let mut lost = follow_up_input();
        lost.abuse_resumed = "could_not_contact".into();
        lost.wants_support_again.clear();
        lost.note.clear();
        let lost_parsed = lost.parse(TODAY).unwrap();
        assert_eq!(FollowUpInput::from(&lost_parsed), lost);
    }

    #[test]
    fn stored_forms_round_trip_through_json() {
        let intake = intake_input().parse(TODAY).unwrap();
        let json = serde_json::to_value(intake).unwrap();
        assert_eq!(
            json["profile"]["physical"],
            serde_json::json!({"currency": "current", "trend": "getting_worse"})
        );
        assert_eq!(
            json["profile"]["sexual"],
            serde_json::json!({"currency": "historic"})
        );
        assert_eq!(
            json["demographics"]["age"],
            serde_json::json!({"given": 34})
        );
        assert_eq!(json["relationship"], "ex_partner");
        assert_eq!(json["perpetrator"]["dv_criminal_record"], "no");
        assert_eq!(serde_json::from_value::<Intake>(json).unwrap(), intake);

        let review = review_input().parse(TODAY).unwrap();
        let text = serde_json::to_string(&review).unwrap();
        assert_eq!(serde_json::from_str::<Review>(&text).unwrap(), review);

        let mut input = exit_input();
        input.contact_reason = "other".into();
        input.contact_reason_other = "Shared tenancy".into();
        let exit = input.parse(TODAY).unwrap();
        let json = serde_json::to_value(&exit).unwrap();
        assert_eq!(
            json["ongoing_contact"],
            serde_json::json!({"other": {"reason": "Shared tenancy"}})
        );
        assert_eq!(
            json["profile"]["ratings"]["jealous_and_controlling"],
            "dont_know"
        );
        assert_eq!(serde_json::from_value::<Exit>(json).unwrap(), exit);

        let follow = follow_up_input().parse(TODAY).unwrap();
        let text = serde_json::to_string(&follow).unwrap();
        assert_eq!(serde_json::from_str::<FollowUp>(&text).unwrap(), follow);

        // The raw inputs travel as JSON bodies too, under the form field names.
        let text = serde_json::to_string(&intake_input()).unwrap();
        assert_eq!(
            serde_json::from_str::<IntakeInput>(&text).unwrap(),
            intake_input()
        );
        let partial: ExitInput = serde_json::from_str(r#"{"feels_safer":"same"}"#).unwrap();
        assert_eq!(partial.feels_safer, "same");
    }

    #[test]
    fn unknown_json_fields_are_rejected() {
        let err = serde_json::from_str::<ReviewInput>(r#"{"coping":"better","mood":"good"}"#)
            .unwrap_err();
        assert!(err.to_string().contains("mood"));
        assert!(serde_json::from_str::<FollowUpInput>(r#"{"closed":"yes"}"#).is_err());
    }

    // ---- Choices -------------------------------------------------------------------------

    fn serde_matches_keys<T: Serialize + Copy>(all: &[T], as_str: fn(T) -> &'static str) {
        for &value in all {
            let json = serde_json::to_value(value).unwrap();
            assert_eq!(json, serde_json::Value::from(as_str(value)));
        }
    }

    #[test]
    fn stored_spellings_match_form_spellings() {
        serde_matches_keys(EqualityGender::ALL, EqualityGender::as_str);
        serde_matches_keys(YesNoPreferNot::ALL, YesNoPreferNot::as_str);
        serde_matches_keys(SexualOrientation::ALL, SexualOrientation::as_str);
        serde_matches_keys(EthnicGroup::ALL, EthnicGroup::as_str);
        serde_matches_keys(Ethnicity::ALL, Ethnicity::as_str);
        serde_matches_keys(AbuseType::ALL, AbuseType::as_str);
        serde_matches_keys(Currency::ALL, Currency::as_str);
        serde_matches_keys(Trend::ALL, Trend::as_str);
        serde_matches_keys(ExitRating::ALL, ExitRating::as_str);
        serde_matches_keys(Period::ALL, Period::as_str);
        serde_matches_keys(Cessation::ALL, Cessation::as_str);
        serde_matches_keys(FearAnswer::ALL, FearAnswer::as_str);
        serde_matches_keys(Change::ALL, Change::as_str);
        serde_matches_keys(RiskJudgement::ALL, RiskJudgement::as_str);
        serde_matches_keys(FeelsSafer::ALL, FeelsSafer::as_str);
        serde_matches_keys(QualityOfLife::ALL, QualityOfLife::as_str);
        serde_matches_keys(ContactReason::ALL, ContactReason::as_str);
        serde_matches_keys(Sustainable::ALL, Sustainable::as_str);
        serde_matches_keys(AbuseResumed::ALL, AbuseResumed::as_str);
    }

    #[test]
    fn ethnicity_has_the_19_census_categories_in_5_groups() {
        assert_eq!(ETHNICITY_SCHEME, "ons-2021-ew");
        assert_eq!(Ethnicity::ALL.len(), 19 + 1);
        let categories: Vec<_> = Ethnicity::ALL
            .iter()
            .filter(|e| e.group().is_some())
            .collect();
        assert_eq!(categories.len(), 19);
        assert_eq!(
            Ethnicity::ALL.last().copied(),
            Some(Ethnicity::PreferNotToSay)
        );
        assert_eq!(Ethnicity::PreferNotToSay.group(), None);
        assert_eq!(EthnicGroup::ALL.len(), 5);
        let per_group: Vec<usize> = EthnicGroup::ALL
            .iter()
            .map(|&g| {
                Ethnicity::ALL
                    .iter()
                    .filter(|e| e.group() == Some(g))
                    .count()
            })
            .collect();
        assert_eq!(per_group, vec![5, 3, 4, 5, 2]);
        // Keys start with their group's key, so a report can group stored answers.
        for &e in Ethnicity::ALL {
            if let Some(g) = e.group() {
                assert!(e.as_str().starts_with(&format!("{}_", g.as_str())), "{e:?}");
            }
        }
        assert_eq!(Ethnicity::WhiteIrish.full_label(), "White: Irish");
        assert_eq!(Ethnicity::PreferNotToSay.full_label(), "Prefer not to say");
        let mut labels: Vec<_> = Ethnicity::ALL.iter().map(|e| e.full_label()).collect();
        labels.sort();
        labels.dedup();
        assert_eq!(labels.len(), Ethnicity::ALL.len());
    }

    // ---- Cessation -----------------------------------------------------------------------

    #[test]
    fn cessation_compares_current_abuse_at_intake_with_the_exit_rating() {
        let current = AbuseAtIntake::Current {
            trend: Trend::Unchanged,
        };
        let intake = ByAbuseType {
            physical: current,
            sexual: current,
            harassment_and_stalking: current,
            jealous_and_controlling: AbuseAtIntake::Historic,
        };
        let exit = ExitProfile {
            period: Period::LastMonth,
            ratings: ByAbuseType {
                physical: ExitRating::None,
                sexual: ExitRating::Standard,
                harassment_and_stalking: ExitRating::DontKnow,
                jealous_and_controlling: ExitRating::None,
            },
        };
        let outcome = cessation(&intake, &exit);
        assert_eq!(
            outcome,
            ByAbuseType {
                physical: Cessation::Ceased,
                sexual: Cessation::Continued,
                harassment_and_stalking: Cessation::Unknown,
                jealous_and_controlling: Cessation::NotCurrentAtIntake,
            }
        );
        assert_eq!(
            outcome.iter().map(|(t, _)| t).collect::<Vec<_>>(),
            AbuseType::ALL.to_vec()
        );
        for rating in [ExitRating::High, ExitRating::Moderate, ExitRating::Standard] {
            let mut exit = exit;
            exit.ratings.physical = rating;
            assert_eq!(cessation(&intake, &exit).physical, Cessation::Continued);
        }
        let mut never = intake;
        never.physical = AbuseAtIntake::None;
        assert_eq!(
            cessation(&never, &exit).physical,
            Cessation::NotCurrentAtIntake
        );
    }

    #[test]
    fn cessation_from_parsed_forms() {
        let intake = intake_input().parse(TODAY).unwrap();
        let exit = exit_input().parse(TODAY).unwrap();
        let outcome = cessation(&intake.profile, &exit.profile);
        assert_eq!(outcome.physical, Cessation::Ceased);
        assert_eq!(outcome.sexual, Cessation::NotCurrentAtIntake);
        assert_eq!(outcome.harassment_and_stalking, Cessation::Continued);
        assert_eq!(
            outcome.jealous_and_controlling,
            Cessation::NotCurrentAtIntake
        );
    }
}
