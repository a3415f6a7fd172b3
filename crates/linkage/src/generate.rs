//! A synthetic population for measuring the engine (the `gen` module of issue 6; `gen` is a
//! reserved word in Rust 2024). UK-style households (single adults, couples, parents with
//! children, twins, adult children living with a parent) share surnames, postcodes and phones;
//! each person appears one to four times across agencies, with the corruption real extracts
//! have: nicknames, typos, initials, first/last swaps, maiden names, missing or partial dates of
//! birth, day/month transposition, one-digit slips, moves of house, missing phones and
//! formatting noise. Every record carries its truth (person and household). Deterministic by
//! seed.

use crate::nicknames;
use crate::normalise::{self, NhsNumber, UNIT_LETTERS};
use crate::record::{PersonRecord, RawPersonRecord};
use crate::rng::Rng;

/// How much to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenOptions {
    /// Records to produce (exactly).
    pub records: usize,
    pub seed: u64,
}

/// The truth about one generated record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Truth {
    pub person_id: u64,
    pub household_id: u64,
}

/// A generated population: records as text, as an agency would hold them, and the truth.
#[derive(Clone, Debug, Default)]
pub struct Generated {
    pub records: Vec<RawPersonRecord>,
    pub truth: Vec<Truth>,
}

impl Generated {
    /// The records parsed (values that do not parse are left out, as in a real run).
    pub fn parsed(&self) -> Vec<PersonRecord> {
        self.records.iter().map(|r| r.parse().0).collect()
    }

    pub fn person_ids(&self) -> Vec<u64> {
        self.truth.iter().map(|t| t.person_id).collect()
    }

    pub fn household_ids(&self) -> Vec<u64> {
        self.truth.iter().map(|t| t.household_id).collect()
    }
}

#[rustfmt::skip]
const FEMALE: &[&str] = &[
    "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Lily", "Freya", "Ella", "Mia", "Poppy",
    "Chloe", "Charlotte", "Jessica", "Evie", "Isabella", "Ruby", "Daisy", "Alice", "Sienna", "Phoebe",
    "Scarlett", "Matilda", "Florence", "Millie", "Layla", "Rosie", "Esme", "Harper", "Willow", "Ivy", "Maya",
    "Zara", "Aisha", "Fatima", "Maryam", "Hannah", "Lucy", "Holly", "Megan", "Lauren", "Rebecca", "Amy",
    "Laura", "Sarah", "Emma", "Rachel", "Gemma", "Nicola", "Claire", "Lisa", "Michelle", "Joanne", "Kelly",
    "Jennifer", "Stephanie", "Natalie", "Victoria", "Samantha", "Katherine", "Catherine", "Elizabeth",
    "Margaret", "Susan", "Patricia", "Deborah", "Jacqueline", "Christine", "Karen", "Julie", "Helen",
    "Angela", "Amanda", "Alison", "Caroline", "Dawn", "Tracey", "Louise", "Kerry", "Leanne", "Kayleigh",
    "Danielle", "Charlene", "Zoë", "Chloé", "Siân", "Róisín", "Niamh", "Aoife", "Catrin", "Eilidh", "Sinead",
    "Agnieszka", "Priya", "Sunita", "Anjali", "Shabnam", "Nadia", "Amina", "Abigail", "Eleanor", "Frances",
    "Georgina", "Josephine", "Mary", "Pamela", "Teresa", "Valerie", "Barbara", "Dorothy", "Gillian", "Isabel",
    "Judith", "Kimberley", "Madeleine", "Penelope", "Harriet", "Alexandra", "Rebekah", "Bethany", "Jade",
    "Paige", "Courtney", "Shannon", "Chelsea", "Tanya", "Wendy", "Yvonne", "Beverley", "Marion", "Joan",
    "Irene", "Sheila", "Ewa", "Oksana", "Ngozi", "Abena", "Mei",
];

#[rustfmt::skip]
const MALE: &[&str] = &[
    "Oliver", "George", "Harry", "Noah", "Jack", "Leo", "Arthur", "Muhammad", "Oscar", "Charlie", "Jacob",
    "Thomas", "William", "James", "Henry", "Alfie", "Joshua", "Freddie", "Archie", "Ethan", "Isaac",
    "Alexander", "Joseph", "Edward", "Samuel", "Max", "Daniel", "Logan", "Lucas", "Mason", "Theo", "Dylan",
    "Benjamin", "Adam", "Ryan", "Liam", "Connor", "Callum", "Lewis", "Jamie", "Kieran", "Nathan", "Matthew",
    "Andrew", "Christopher", "Michael", "David", "John", "Paul", "Mark", "Richard", "Robert", "Stephen",
    "Anthony", "Peter", "Kevin", "Gary", "Lee", "Darren", "Wayne", "Craig", "Scott", "Dean", "Neil", "Ian",
    "Simon", "Martin", "Graham", "Colin", "Kenneth", "Ronald", "Brian", "Raymond", "Trevor", "Terence",
    "Patrick", "Sean", "Declan", "Ciaran", "Rhys", "Dafydd", "Gareth", "Owain", "Tomasz", "Piotr", "Jakub",
    "Mohammed", "Ahmed", "Ali", "Hassan", "Omar", "Yusuf", "Arjun", "Rajesh", "Sanjay", "Vikram", "Kwame",
    "Kofi", "Chinedu", "Emeka", "José", "André", "René", "Nicholas", "Timothy", "Philip", "Gregory",
    "Douglas", "Donald", "Frederick", "Lawrence", "Leonard", "Francis", "Bernard", "Alan", "Stuart", "Carl",
    "Keith", "Barry", "Derek", "Stuart", "Jason", "Shane", "Aaron", "Bradley", "Jordan", "Luke", "Toby",
    "Zachary", "Gabriel", "Harvey", "Reuben", "Elijah", "Finley", "Hugo", "Rory",
];

#[rustfmt::skip]
const SURNAMES: &[&str] = &[
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
    "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
    "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward",
    "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott",
    "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly",
    "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox",
    "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson",
    "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell",
    "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell",
    "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey", "Graham", "Pearson", "Ahmed",
    "Fletcher", "Walsh", "Kaur", "Gibson", "Howard", "Andrews", "Stewart", "Elliott", "Reynolds", "Saunders",
    "Payne", "Fox", "Ford", "Pearce", "Day", "Brooks", "West", "Lawrence", "Cole", "Atkinson", "Bradley",
    "Spencer", "Gill", "Dawson", "Ball", "Burton", "O'Brien", "Watts", "Rose", "Booth", "Perry", "Ryan",
    "Grant", "Wells", "Armstrong", "Francis", "Rees", "Hayes", "Hart", "Hudson", "Newman", "Barrett",
    "Webster", "Hunter", "Gregory", "Carr", "Lowe", "Page", "Marsh", "Riley", "Dunn", "Woods", "Parsons",
    "Berry", "Stone", "Reid", "Holland", "Hawkins", "Harding", "Porter", "Robertson", "Newton", "Oliver",
    "Reed", "Kennedy", "Williamson", "Bird", "Gardner", "Shah", "Dean", "Lane", "Cooke", "Bates", "Henderson",
    "Parry", "Burgess", "Bishop", "Walton", "Burns", "Nicholson", "Shepherd", "Ross", "Cross", "Long",
    "Freeman", "Warren", "Nicholls", "Hamilton", "Byrne", "Sutton", "McDonald", "Yates", "Hodgson", "Robson",
    "Curtis", "Hopkins", "O'Connor", "Harper", "Coleman", "Watkins", "Moss", "McCarthy", "Chambers",
    "O'Neill", "Griffin", "Sharp", "Hardy", "Wheeler", "Potter", "Osborne", "Johnston", "Gordon", "Doyle",
    "Wallace", "George", "Jordan", "Hutchinson", "Rowe", "Burke", "May", "Pritchard", "Gilbert", "Willis",
    "Higgins", "Read", "Miah", "Mahmood", "Nowak", "Kowalski", "Wiśniewski", "Okonkwo", "Adeyemi", "Mensah",
    "Nguyen", "Chen", "Wong", "Da Silva", "D'Souza", "Fernandes", "MacLeod", "Ó Súilleabháin", "Llewellyn",
    "Pryce", "Vaughan", "Quinn", "Kaczmarek",
];

#[rustfmt::skip]
const TAIL_START: &[&str] = &[
    "Ash", "Black", "Brad", "Brook", "Cal", "Chad", "Clay", "Cran", "Dal", "Dun", "Elm", "Fair", "Fen", "Gar",
    "Glen", "Hal", "Hart", "Hay", "Holm", "Kings", "Lang", "Lind", "Mar", "Mere", "Mor", "Nor", "Oak", "Pen",
    "Rad", "Red", "Ring", "Rock", "Rush", "Sand", "Shel", "Stan", "Stock", "Thorn", "Tre", "Wal", "Wes",
    "Whit", "Win", "Wood", "York", "Bram", "Cher", "Crom", "Dray", "Eas",
];
const TAIL_MIDDLE: &[&str] = &["", "", "er", "ing", "en", "el", "ock", "an", "am", "ers"];
#[rustfmt::skip]
const TAIL_END: &[&str] = &[
    "by", "croft", "den", "don", "field", "ford", "gate", "ham", "hurst", "ley", "low", "more", "ridge", "shaw",
    "stead", "ton", "well", "wick", "worth", "wood", "combe", "bury", "dale", "thorpe", "cott", "mont", "land",
];

#[rustfmt::skip]
const AREAS: &[&str] = &[
    "B", "M", "LS", "L", "S", "E", "N", "SE", "SW", "NW", "W", "BD", "BS", "CF", "NE", "NG", "LE",
    "CV", "ST", "WV", "SO", "PO", "BN", "RG", "OX", "MK", "LU", "PE", "NR", "IP", "CB", "CM", "SS",
    "DA", "ME", "CT", "TN", "GU", "KT", "CR", "BR", "HA", "UB", "TW", "EN", "IG", "RM", "WD", "AL",
    "SG", "HP", "SL", "SN", "BA", "TA", "EX", "PL", "TQ", "TR", "DT", "BH", "SP", "GL", "HR", "WR",
    "DY", "WS", "TF", "SY", "LL", "SA", "NP", "LD", "CH", "WA", "WN", "BL", "OL", "SK", "CW", "PR",
    "BB", "FY", "LA", "CA", "DL", "DH", "SR", "TS", "HU", "YO", "HG", "HD", "HX", "WF", "DN", "LN",
    "DE", "EH", "G", "KA", "PA", "FK", "KY", "DD", "AB", "IV", "BT",
];

/// Zipf-like weights: rank r gets r^-s.
fn zipf(len: usize, s: f64) -> Vec<f64> {
    (1..=len).map(|r| (r as f64).powf(-s)).collect()
}

struct Tables {
    female_w: Vec<f64>,
    male_w: Vec<f64>,
    surname_w: Vec<f64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sex {
    Female,
    Male,
}

#[derive(Clone)]
struct Person {
    id: u64,
    household: u64,
    first: String,
    middle: Option<String>,
    surname: String,
    /// A former surname (maiden name) other agencies may still hold.
    former_surname: Option<String>,
    sex: Sex,
    dob: (u32, u32, u32),
    postcode: String,
    old_postcode: Option<String>,
    mobile: Option<String>,
    household_phone: Option<String>,
    nhs: String,
    pnc: Option<String>,
    child: bool,
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => 31,
    }
}

fn random_date(rng: &mut Rng, y_lo: u32, y_hi: u32) -> (u32, u32, u32) {
    let y = rng.between(i64::from(y_lo), i64::from(y_hi)) as u32;
    let m = rng.between(1, 12) as u32;
    let d = rng.between(1, i64::from(days_in_month(y, m))) as u32;
    (y, m, d)
}

fn add_years(rng: &mut Rng, (y, _, _): (u32, u32, u32), lo: u32, hi: u32) -> (u32, u32, u32) {
    let year = y + rng.between(i64::from(lo), i64::from(hi)) as u32;
    let m = rng.between(1, 12) as u32;
    let d = rng.between(1, i64::from(days_in_month(year, m))) as u32;
    (year, m, d)
}

fn random_postcode(rng: &mut Rng) -> String {
    let area = rng.pick(AREAS).copied().unwrap_or("B");
    let district = rng.between(1, 30);
    let sector = rng.between(0, 9);
    let u1 = char::from(rng.pick(UNIT_LETTERS).copied().unwrap_or(b'A'));
    let u2 = char::from(rng.pick(UNIT_LETTERS).copied().unwrap_or(b'B'));
    format!("{area}{district} {sector}{u1}{u2}")
}

fn random_digits(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

fn random_mobile(rng: &mut Rng) -> String {
    format!("07{}", random_digits(rng, 9))
}

fn random_landline(rng: &mut Rng) -> String {
    if rng.chance(0.3) {
        format!("020{}", random_digits(rng, 8))
    } else {
        format!("01{}{}", rng.between(100, 999), random_digits(rng, 6))
    }
}

fn random_nhs(rng: &mut Rng) -> String {
    loop {
        let nine = 400_000_000 + rng.below(599_999_999) as u64;
        if let Some(check) = NhsNumber::check_digit(nine) {
            return format!("{}", nine * 10 + check);
        }
    }
}

fn random_pnc(rng: &mut Rng) -> String {
    let year = rng.between(85, 123) % 100;
    let serial = rng.between(1, 999_999);
    let letter = char::from(b'A' + rng.below(26) as u8);
    format!("{year:02}/{serial}{letter}")
}

impl Tables {
    fn new() -> Self {
        Self {
            female_w: zipf(FEMALE.len(), 0.5),
            male_w: zipf(MALE.len(), 0.5),
            surname_w: zipf(SURNAMES.len(), 0.4),
        }
    }

    fn first_name(&self, rng: &mut Rng, sex: Sex) -> String {
        let (names, w) = match sex {
            Sex::Female => (FEMALE, &self.female_w),
            Sex::Male => (MALE, &self.male_w),
        };
        names
            .get(rng.weighted(w))
            .copied()
            .unwrap_or("Alex")
            .to_owned()
    }

    /// A first name unlike every name already in the household (not equal, not a nickname).
    fn distinct_first_name(&self, rng: &mut Rng, sex: Sex, taken: &[String]) -> String {
        for _ in 0..50 {
            let name = self.first_name(rng, sex);
            let n = normalise::name(&name);
            let clash = taken.iter().any(|t| {
                let t = normalise::name(t);
                t == n || nicknames::related(&t, &n)
            });
            if !clash {
                return name;
            }
        }
        self.first_name(rng, sex)
    }

    fn surname(&self, rng: &mut Rng) -> String {
        if rng.chance(0.65) {
            SURNAMES
                .get(rng.weighted(&self.surname_w))
                .copied()
                .unwrap_or("Smith")
                .to_owned()
        } else {
            let a = rng.pick(TAIL_START).copied().unwrap_or("Ash");
            let b = rng.pick(TAIL_MIDDLE).copied().unwrap_or("");
            let c = rng.pick(TAIL_END).copied().unwrap_or("ton");
            format!("{a}{b}{c}")
        }
    }
}

fn other_sex(sex: Sex) -> Sex {
    match sex {
        Sex::Female => Sex::Male,
        Sex::Male => Sex::Female,
    }
}

struct Builder<'a> {
    rng: &'a mut Rng,
    tables: &'a Tables,
    next_person: u64,
}

impl Builder<'_> {
    fn person(
        &mut self,
        household: u64,
        first: String,
        surname: String,
        sex: Sex,
        dob: (u32, u32, u32),
        child: bool,
    ) -> Person {
        let id = self.next_person;
        self.next_person += 1;
        let rng = &mut *self.rng;
        let middle = if rng.chance(0.3) {
            Some(self.tables.first_name(rng, sex))
        } else {
            None
        };
        let pnc_rate = match (child, sex) {
            (true, _) => 0.0,
            (false, Sex::Male) => 0.12,
            (false, Sex::Female) => 0.04,
        };
        Person {
            id,
            household,
            first,
            middle,
            surname,
            former_surname: None,
            sex,
            dob,
            postcode: String::new(),
            old_postcode: None,
            mobile: (!child && rng.chance(0.85)).then(|| random_mobile(rng)),
            household_phone: None,
            nhs: random_nhs(rng),
            pnc: rng.chance(pnc_rate).then(|| random_pnc(rng)),
            child,
        }
    }

    fn household(&mut self, household: u64) -> Vec<Person> {
        let kind = self.rng.weighted(&[0.28, 0.22, 0.18, 0.27, 0.05]);
        let mut people: Vec<Person> = Vec::new();
        let mut taken: Vec<String> = Vec::new();
        // Most single parents are mothers.
        let female_share = if kind == 2 { 0.85 } else { 0.5 };
        let first_sex = if self.rng.chance(female_share) {
            Sex::Female
        } else {
            Sex::Male
        };
        let (lo, hi) = match kind {
            2 | 3 => (1966, 1998),
            4 => (1945, 1968),
            _ => (1950, 2003),
        };
        let dob = random_date(self.rng, lo, hi);
        let first = self.tables.distinct_first_name(self.rng, first_sex, &taken);
        taken.push(first.clone());
        let surname = self.tables.surname(self.rng);
        let adult = self.person(household, first, surname.clone(), first_sex, dob, false);
        people.push(adult);
        let mut family_surname = surname;
        // A partner.
        if kind == 1 || kind == 3 {
            let sex = if self.rng.chance(0.9) {
                other_sex(first_sex)
            } else {
                first_sex
            };
            let partner_dob = add_years(self.rng, (dob.0.saturating_sub(8), 1, 1), 0, 16);
            let first = self.tables.distinct_first_name(self.rng, sex, &taken);
            taken.push(first.clone());
            let own_surname = self.tables.surname(self.rng);
            let mut partner = self.person(
                household,
                first,
                own_surname.clone(),
                sex,
                partner_dob,
                false,
            );
            let style = self.rng.weighted(&[0.55, 0.05, 0.40]);
            if style == 0 {
                // Shared surname: the woman (or, for a same-sex couple, the partner) took it.
                let (taker, giver) = if partner.sex == Sex::Female || first_sex == sex {
                    (&mut partner, family_surname.clone())
                } else if let Some(first_adult) = people.first_mut() {
                    let own = first_adult.surname.clone();
                    first_adult.former_surname = Some(own);
                    first_adult.surname = own_surname.clone();
                    family_surname = own_surname.clone();
                    (&mut partner, own_surname.clone())
                } else {
                    (&mut partner, family_surname.clone())
                };
                if taker.surname != giver {
                    taker.former_surname = Some(taker.surname.clone());
                    taker.surname = giver;
                }
            } else if style == 1 {
                let double = format!("{}-{}", family_surname, own_surname);
                if let Some(first_adult) = people.first_mut() {
                    first_adult.former_surname = Some(first_adult.surname.clone());
                    first_adult.surname = double.clone();
                }
                partner.former_surname = Some(partner.surname.clone());
                partner.surname = double.clone();
                family_surname = double;
            }
            people.push(partner);
        }
        // Children.
        if kind == 2 || kind == 3 {
            let mother_dob = people
                .iter()
                .find(|p| p.sex == Sex::Female)
                .or(people.first())
                .map_or(dob, |p| p.dob);
            let count = 1 + self.rng.weighted(&[0.4, 0.35, 0.17, 0.08]);
            let child_surname = if kind == 2 && self.rng.chance(0.3) {
                self.tables.surname(self.rng)
            } else {
                family_surname.clone()
            };
            let mut birth = add_years(self.rng, mother_dob, 18, 38);
            let mut born = 0;
            while born < count {
                if birth.0 > 2023 {
                    break;
                }
                let twins = born + 1 < count && self.rng.chance(0.08);
                for _ in 0..if twins { 2 } else { 1 } {
                    let sex = if self.rng.chance(0.5) {
                        Sex::Female
                    } else {
                        Sex::Male
                    };
                    let junior = people
                        .iter()
                        .find(|p| !p.child && p.sex == sex)
                        .map(|p| p.first.clone());
                    let first = match junior {
                        Some(name) if !twins && self.rng.chance(0.03) => name,
                        _ => self.tables.distinct_first_name(self.rng, sex, &taken),
                    };
                    taken.push(first.clone());
                    let child =
                        self.person(household, first, child_surname.clone(), sex, birth, true);
                    people.push(child);
                    born += 1;
                }
                birth = add_years(self.rng, birth, 1, 6);
            }
        }
        // An adult child living with an older parent.
        if kind == 4 {
            let sex = if self.rng.chance(0.5) {
                Sex::Female
            } else {
                Sex::Male
            };
            let first = self.tables.distinct_first_name(self.rng, sex, &taken);
            let child_dob = add_years(self.rng, dob, 18, 40);
            let grown = self.person(
                household,
                first,
                family_surname.clone(),
                sex,
                child_dob,
                false,
            );
            people.push(grown);
        }
        // The household's address and phone.
        let postcode = random_postcode(self.rng);
        let old = self.rng.chance(0.15).then(|| random_postcode(self.rng));
        let landline = self.rng.chance(0.35).then(|| random_landline(self.rng));
        let contact = landline
            .clone()
            .or_else(|| people.iter().find_map(|p| p.mobile.clone()));
        for p in &mut people {
            p.postcode = postcode.clone();
            p.old_postcode = old.clone();
            p.household_phone = contact.clone();
        }
        people
    }
}

fn capitalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut start = true;
    for c in name.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = c == ' ' || c == '-' || c == '\'';
    }
    out
}

fn typo(rng: &mut Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if chars.len() < 3 {
        return s.to_owned();
    }
    let i = 1 + rng.below(chars.len() - 1);
    match rng.below(4) {
        0 if chars.len() > 3 => {
            chars.remove(i);
        }
        1 if i + 1 < chars.len() => chars.swap(i, i + 1),
        2 => {
            if let Some(c) = chars.get_mut(i) {
                *c = char::from(b'a' + rng.below(26) as u8);
            }
        }
        _ => {
            let c = chars.get(i).copied().unwrap_or('e');
            chars.insert(i, c);
        }
    }
    chars.into_iter().collect()
}

fn nickname(rng: &mut Rng, name: &str) -> Option<String> {
    let normal = normalise::name(name);
    let group = nicknames::groups(&normal).first()?;
    let options: Vec<&str> = group
        .names()
        .iter()
        .copied()
        .filter(|n| *n != normal)
        .collect();
    rng.pick(&options).map(|n| capitalise(n))
}

fn case_noise(rng: &mut Rng, s: String) -> String {
    match rng.below(20) {
        0..=3 => s.to_uppercase(),
        4 => s.to_lowercase(),
        5 => format!(" {s}  "),
        _ => s,
    }
}

fn format_postcode(rng: &mut Rng, canonical: &str) -> String {
    let mut s = canonical.to_owned();
    if rng.chance(0.02) {
        // A slip in the unit letters: still a valid postcode, just not theirs.
        let last = char::from(rng.pick(UNIT_LETTERS).copied().unwrap_or(b'A'));
        s.pop();
        s.push(last);
    }
    match rng.below(10) {
        0..=2 => s.to_lowercase(),
        3..=5 => s.replace(' ', ""),
        6 => s.replace(' ', "  "),
        _ => s,
    }
}

fn format_phone(rng: &mut Rng, national: &str) -> String {
    let mut digits = national.to_owned();
    if rng.chance(0.02) {
        let mut chars: Vec<char> = digits.chars().collect();
        let i = 2 + rng.below(chars.len().saturating_sub(2).max(1));
        if let Some(c) = chars.get_mut(i) {
            *c = if *c == '9' {
                '0'
            } else {
                char::from(*c as u8 + 1)
            };
        }
        digits = chars.into_iter().collect();
    }
    let rest = digits.get(1..).unwrap_or("");
    let head = digits.get(..5).unwrap_or("");
    let tail = digits.get(5..).unwrap_or("");
    match rng.below(8) {
        0 => format!(
            "+44 {} {}",
            rest.get(..4).unwrap_or(""),
            rest.get(4..).unwrap_or("")
        ),
        1 => format!("+44 (0){rest}"),
        2 => rest.to_owned(),
        3 => format!("{head} {tail}"),
        4 => format!("{head}-{tail}"),
        5 => format!("0044{rest}"),
        _ => digits,
    }
}

fn format_dob(rng: &mut Rng, p: &Person) -> String {
    let (mut y, mut m, mut d) = p.dob;
    match rng.below(100) {
        // Transposed day and month.
        0..=2 if d <= 12 && d != m => std::mem::swap(&mut d, &mut m),
        // A one-digit slip that keeps the date valid.
        3..=5 => match rng.below(3) {
            0 => y = (y / 10) * 10 + (y % 10 + 1 + rng.below(9) as u32) % 10,
            1 if d < 10 => d = 1 + (d + rng.below(8) as u32) % 9,
            _ => {
                let ones = d % 10;
                let new = (ones + 1 + rng.below(9) as u32) % 10;
                let candidate = d - ones + new;
                if (1..=28).contains(&candidate) {
                    d = candidate;
                }
            }
        },
        6..=8 => return format!("{y:04}"),
        9..=10 => return format!("{y:04}-{m:02}"),
        _ => {}
    }
    if rng.chance(0.4) {
        format!("{d:02}/{m:02}/{y:04}")
    } else {
        format!("{y:04}-{m:02}-{d:02}")
    }
}

/// Presence of (dob, postcode, phone, NHS number, PNC id, gender) by kind of agency.
const AGENCIES: &[[f64; 6]] = &[
    [0.95, 0.85, 0.70, 0.05, 0.90, 0.95], // police
    [0.98, 0.95, 0.60, 0.90, 0.00, 0.90], // health
    [0.75, 0.95, 0.75, 0.02, 0.00, 0.70], // housing
    [0.85, 0.85, 0.60, 0.20, 0.05, 0.80], // children's services, IDVA, others
];

fn appearance(rng: &mut Rng, p: &Person) -> RawPersonRecord {
    let agency = AGENCIES
        .get(rng.weighted(&[0.3, 0.25, 0.2, 0.25]))
        .copied()
        .unwrap_or([0.9; 6]);
    let [
        dob_rate,
        postcode_rate,
        phone_rate,
        nhs_rate,
        pnc_rate,
        gender_rate,
    ] = agency;
    let mut record = RawPersonRecord::default();

    // First name.
    let mut first = p.first.clone();
    if rng.chance(0.15)
        && let Some(nick) = nickname(rng, &first)
    {
        first = nick;
    }
    if let Some(middle) = &p.middle {
        match rng.below(100) {
            0..=11 => first = format!("{first} {middle}"),
            12 => first = middle.clone(),
            _ => {}
        }
    }
    if rng.chance(0.04) {
        first = typo(rng, &first);
    }
    match rng.below(100) {
        0..=1 => first = first.chars().take(1).collect(),
        2 => first.clear(),
        _ => {}
    }

    // Surname: maiden names, double-barrelled variants, typos.
    let mut surname = p.surname.clone();
    if let Some(former) = &p.former_surname {
        if rng.chance(0.25) {
            surname = former.clone();
            if rng.chance(0.1) {
                record.other_names.push(p.surname.clone());
            }
        } else if rng.chance(0.3) {
            record.other_names.push(former.clone());
        }
    }
    if surname.contains('-') {
        let parts: Vec<&str> = surname.split('-').collect();
        match rng.below(10) {
            0..=1 => surname = surname.replace('-', " "),
            2 => surname = parts.first().copied().unwrap_or("").to_owned(),
            3 => surname = parts.last().copied().unwrap_or("").to_owned(),
            _ => {}
        }
    }
    if rng.chance(0.04) {
        surname = typo(rng, &surname);
    }
    if rng.chance(0.015) {
        std::mem::swap(&mut first, &mut surname);
    }
    record.first_name = case_noise(rng, first);
    record.surname = case_noise(rng, surname);

    if rng.chance(dob_rate) {
        record.dob = format_dob(rng, p);
    }
    if rng.chance(gender_rate) {
        let wrong = rng.chance(0.01);
        let female = (p.sex == Sex::Female) != wrong;
        record.gender = match (female, rng.below(2)) {
            (true, 0) => "F",
            (true, _) => "Female",
            (false, 0) => "M",
            (false, _) => "Male",
        }
        .to_owned();
    }
    if rng.chance(postcode_rate) {
        let use_old = p.old_postcode.is_some() && rng.chance(0.4);
        let current = if use_old {
            p.old_postcode.as_deref().unwrap_or(&p.postcode)
        } else {
            &p.postcode
        };
        record.postcode = format_postcode(rng, current);
        if !use_old
            && let Some(old) = &p.old_postcode
            && rng.chance(0.2)
        {
            record.previous_postcodes.push(format_postcode(rng, old));
        }
    }
    if rng.chance(phone_rate) {
        let phone = if p.child {
            p.household_phone.clone()
        } else if rng.chance(0.8) {
            p.mobile.clone().or_else(|| p.household_phone.clone())
        } else {
            p.household_phone.clone().or_else(|| p.mobile.clone())
        };
        if let Some(phone) = phone {
            record.phones.push(format_phone(rng, &phone));
        }
    }
    if rng.chance(nhs_rate) {
        record.nhs_number = if rng.chance(0.5) {
            format!(
                "{} {} {}",
                p.nhs.get(..3).unwrap_or(""),
                p.nhs.get(3..6).unwrap_or(""),
                p.nhs.get(6..).unwrap_or("")
            )
        } else {
            p.nhs.clone()
        };
    }
    if let Some(pnc) = &p.pnc
        && rng.chance(pnc_rate)
    {
        record.pnc_id = pnc.clone();
    }
    record
}

/// Generate a population of exactly `options.records` records.
pub fn people(options: &GenOptions) -> Generated {
    let (records, truth) = generate(options, |r| r);
    Generated { records, truth }
}

/// The same population as [`people`], parsed as it is generated ([`Generated::parsed`] without
/// ever holding the text of every record), with its truth. For measuring large runs without the
/// generator's text dominating memory.
pub fn people_parsed(options: &GenOptions) -> (Vec<PersonRecord>, Vec<Truth>) {
    generate(options, |r| r.parse().0)
}

fn generate<R>(
    options: &GenOptions,
    mut convert: impl FnMut(RawPersonRecord) -> R,
) -> (Vec<R>, Vec<Truth>) {
    let mut rng = Rng::new(options.seed);
    let tables = Tables::new();
    let mut records: Vec<R> = Vec::with_capacity(options.records);
    let mut truth: Vec<Truth> = Vec::with_capacity(options.records);
    let mut household = 0u64;
    let mut builder = Builder {
        rng: &mut rng,
        tables: &tables,
        next_person: 0,
    };
    'fill: while records.len() < options.records {
        let people = builder.household(household);
        for p in &people {
            let times = 1 + builder.rng.weighted(&[0.45, 0.30, 0.15, 0.10]);
            for _ in 0..times {
                if records.len() >= options.records {
                    break 'fill;
                }
                records.push(convert(appearance(builder.rng, p)));
                truth.push(Truth {
                    person_id: p.id,
                    household_id: p.household,
                });
            }
        }
        household += 1;
    }
    // Shuffle so that one person's records are not next to each other.
    for i in (1..records.len()).rev() {
        let j = rng.below(i + 1);
        records.swap(i, j);
        truth.swap(i, j);
    }
    (records, truth)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    #[test]
    fn deterministic_by_seed_and_exact_in_size() {
        let a = people(&GenOptions {
            records: 500,
            seed: 1,
        });
        let b = people(&GenOptions {
            records: 500,
            seed: 1,
        });
        let c = people(&GenOptions {
            records: 500,
            seed: 2,
        });
        assert_eq!(a.records.len(), 500);
        assert_eq!(a.truth.len(), 500);
        assert_eq!(a.records, b.records);
        assert_eq!(a.truth, b.truth);
        let (parsed, truth) = people_parsed(&GenOptions {
            records: 500,
            seed: 1,
        });
        assert_eq!(parsed, a.parsed());
        assert_eq!(truth, a.truth);
        assert_ne!(a.records, c.records);
    }

    #[test]
    fn population_has_households_repeats_twins_and_noise() {
        let g = people(&GenOptions {
            records: 5_000,
            seed: 7,
        });
        let parsed = g.parsed();
        let mut per_person: HashMap<u64, usize> = HashMap::new();
        let mut per_household: HashMap<u64, HashSet<u64>> = HashMap::new();
        for t in &g.truth {
            *per_person.entry(t.person_id).or_insert(0) += 1;
            per_household
                .entry(t.household_id)
                .or_default()
                .insert(t.person_id);
        }
        assert!(per_person.values().all(|&n| (1..=4).contains(&n)));
        assert!(per_person.values().any(|&n| n == 4));
        assert!(per_household.values().filter(|p| p.len() >= 3).count() > 100);
        // Twins: two people of one household with the same date of birth.
        let mut dobs: HashMap<(u64, String), HashSet<u64>> = HashMap::new();
        for (r, t) in g.records.iter().zip(&g.truth) {
            if let Ok(d) = crate::dob::PartialDate::parse(&r.dob)
                && d.is_full()
            {
                dobs.entry((t.household_id, d.to_string()))
                    .or_default()
                    .insert(t.person_id);
            }
        }
        assert!(dobs.values().any(|p| p.len() >= 2), "no twins generated");
        let missing_dob = parsed.iter().filter(|r| r.dob.is_none()).count();
        assert!(missing_dob > 250 && missing_dob < 1_500, "{missing_dob}");
        let partial = parsed
            .iter()
            .filter(|r| r.dob.is_some_and(|d| !d.is_full()))
            .count();
        assert!(partial > 100, "{partial}");
        assert!(
            g.records.iter().any(
                |r| r.first_name.chars().all(|c| !c.is_lowercase()) && !r.first_name.is_empty()
            )
        );
        assert!(
            g.records
                .iter()
                .any(|r| r.phones.iter().any(|p| p.starts_with("+44")))
        );
        assert!(g.records.iter().any(|r| !r.other_names.is_empty()));
        // Nearly every generated postcode and phone is valid once parsed.
        let postcodes = g.records.iter().filter(|r| !r.postcode.is_empty()).count();
        let parsed_postcodes = parsed.iter().filter(|r| r.postcode.is_some()).count();
        assert!(
            parsed_postcodes * 100 >= postcodes * 99,
            "{parsed_postcodes}/{postcodes}"
        );
    }
}
