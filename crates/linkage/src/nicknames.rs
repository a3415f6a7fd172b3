//! The nickname table: groups of given names that are the same name for matching purposes
//! (Katherine, Catherine, Kate, Katie, Kathy…). The first name in each group is its canonical
//! form. A name may sit in more than one group (`Alex` is short for Alexander and Alexandra),
//! so lookups return every group a name belongs to.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::similarity::jaro_winkler;

/// The groups, canonical name first, all in normalised form (lower-case ASCII).
#[rustfmt::skip]
const GROUPS: &[&[&str]] = &[
    &["katherine", "catherine", "kathryn", "katharine", "cathryn", "kathleen", "kate", "katie", "katy", "kathy", "cathy", "kat", "cath", "kath", "kitty", "cate"],
    &["william", "bill", "billy", "will", "willy", "willie", "liam", "wills"],
    &["elizabeth", "elisabeth", "liz", "lizzie", "lizzy", "beth", "betty", "bette", "betsy", "eliza", "libby", "bess", "bessie", "lisbeth", "elspeth"],
    &["margaret", "maggie", "meg", "peggy", "marge", "margie", "madge", "mags", "greta", "maisie"],
    &["robert", "bob", "bobby", "rob", "robbie", "rab", "bert", "bertie"],
    &["richard", "rick", "ricky", "rich", "richie", "dick", "dicky"],
    &["james", "jim", "jimmy", "jimmie", "jamie", "jas"],
    &["alexander", "alex", "alec", "sandy", "xander", "alexandr", "alistair", "alasdair", "alastair"],
    &["alexandra", "alex", "alexa", "lexi", "lexie", "sandra", "sandy", "sasha"],
    &["michael", "mike", "mick", "mickey", "micky", "mikey", "mich"],
    &["rebecca", "rebekah", "becky", "becca", "bex", "beckie"],
    &["jennifer", "jen", "jenny", "jenni", "jennie"],
    &["samantha", "sam", "sammy", "sammie"],
    &["samuel", "sam", "sammy"],
    &["christopher", "chris", "kit", "topher", "kristopher"],
    &["christine", "christina", "kristina", "chris", "chrissie", "chrissy", "tina", "kirsty", "kirstie", "kristine"],
    &["thomas", "tom", "tommy", "thom"],
    &["daniel", "dan", "danny"],
    &["danielle", "dani", "daniela"],
    &["joseph", "joe", "joey"],
    &["josephine", "jo", "josie", "jojo"],
    &["joanne", "joanna", "joan", "jo", "joanie"],
    &["anthony", "antony", "tony", "ant"],
    &["edward", "ed", "eddie", "eddy", "ted", "teddy", "ned"],
    &["susan", "sue", "susie", "suzy", "suzie", "suzanne", "susanna", "susannah"],
    &["victoria", "vicky", "vicki", "vikki", "tori", "vic"],
    &["jacqueline", "jackie", "jacqui", "jacky", "jacquelyn"],
    &["deborah", "debra", "debbie", "debby", "deb"],
    &["patricia", "pat", "trish", "tricia", "patsy", "patty", "trisha"],
    &["patrick", "pat", "paddy"],
    &["stephen", "steven", "steve", "stevie", "stephan", "stefan"],
    &["stephanie", "steph", "steff", "stephie"],
    &["andrew", "andy", "drew", "andi"],
    &["benjamin", "ben", "benny", "benji"],
    &["matthew", "matt", "matty", "mat"],
    &["nicholas", "nicolas", "nick", "nicky", "nic"],
    &["nicola", "nichola", "nicole", "nicky", "nikki", "nic"],
    &["jonathan", "jon", "jonny", "jonathon"],
    &["john", "johnny", "jonny", "jon", "johnnie"],
    &["timothy", "tim", "timmy"],
    &["peter", "pete"],
    &["david", "dave", "davey", "davy", "dai"],
    &["charles", "charlie", "chas", "chaz", "chuck"],
    &["charlotte", "charlie", "lottie", "lotte"],
    &["henry", "harry", "hal", "hank"],
    &["harold", "harry", "hal"],
    &["frederick", "fredrick", "fred", "freddie", "freddy"],
    &["gerald", "gerard", "gerry", "jerry", "ger"],
    &["geraldine", "gerry", "geri", "jerry"],
    &["kenneth", "ken", "kenny"],
    &["lawrence", "laurence", "larry", "laurie"],
    &["leonard", "len", "lenny", "leo"],
    &["nathaniel", "nathan", "nathanael", "nate", "nat"],
    &["raymond", "ray"],
    &["ronald", "ron", "ronnie"],
    &["donald", "don", "donny", "donnie"],
    &["douglas", "doug", "dougie"],
    &["gregory", "greg"],
    &["geoffrey", "jeffrey", "geoff", "jeff"],
    &["philip", "phillip", "phil", "pip"],
    &["terence", "terrence", "terry", "tel"],
    &["abigail", "abby", "abbie", "abi", "gail"],
    &["amanda", "mandy", "manda"],
    &["barbara", "barb", "babs", "barbie"],
    &["caroline", "carolyn", "carrie", "caro", "caz"],
    &["dorothy", "dot", "dotty", "dolly"],
    &["eleanor", "elinor", "eleanora", "ellie", "nell", "nellie", "nora"],
    &["emily", "em", "emmy", "emmie"],
    &["emma", "em", "emmy"],
    &["frances", "francesca", "fran", "frankie", "fanny"],
    &["francis", "frank", "frankie"],
    &["gillian", "jillian", "jill", "gill", "gilly"],
    &["helen", "helena"],
    &["isabel", "isabella", "isabelle", "isobel", "izzy", "izzie", "issy", "bella"],
    &["jessica", "jess", "jessie", "jessy"],
    &["judith", "judy", "jude"],
    &["kimberley", "kimberly", "kim"],
    &["louise", "louisa", "lou", "lulu"],
    &["madeleine", "madeline", "maddie", "maddy"],
    &["mary", "molly", "polly", "mamie"],
    &["natalie", "natalia", "nat", "nattie", "natasha", "tasha", "tash"],
    &["pamela", "pam", "pammy"],
    &["penelope", "penny", "pen"],
    &["rachel", "rachael", "rach"],
    &["sarah", "sara", "sally", "sadie"],
    &["sophie", "sophia", "soph"],
    &["teresa", "theresa", "tess", "tessa", "terri", "tessie"],
    &["valerie", "val"],
    &["gabrielle", "gabriella", "gabby", "gabi"],
    &["gabriel", "gabe"],
    &["oliver", "ollie", "olly"],
    &["olivia", "liv", "livvy", "livia"],
    &["alfred", "alf", "alfie"],
    &["archibald", "archie"],
    &["theodore", "theo", "teddy"],
    &["harriet", "hattie", "hatty"],
    &["sean", "shaun", "shawn"],
    &["mohammed", "muhammad", "mohammad", "mohamed", "muhammed", "mohamad", "mo"],
    &["aisha", "ayesha", "aysha"],
    &["connor", "conor"],
    &["jacob", "jake"],
    &["joshua", "josh"],
    &["zachary", "zach", "zack", "zak"],
    &["georgina", "georgia", "georgie", "gina"],
    &["george", "georgie"],
    &["amelia", "millie", "milly"],
    &["amy", "aimee", "amie"],
    &["melanie", "mel"],
    &["melissa", "mel", "missy"],
    &["angela", "angie", "ange"],
    &["ann", "anne", "anna", "annie", "nancy"],
    &["hannah", "hanna"],
    &["gemma", "jemma"],
    &["kelly", "kelli", "kellie"],
    &["lesley", "leslie", "les"],
    &["bernard", "bernie", "barney"],
    &["callum", "calum", "cal"],
    &["alan", "allan", "allen", "al"],
    &["albert", "al", "bert", "bertie"],
    &["graham", "graeme"],
    &["ian", "iain"],
    &["neil", "neal", "niall"],
    &["stuart", "stewart", "stu"],
    &["brian", "bryan"],
    &["carl", "karl"],
    &["claire", "clare"],
    &["mark", "marc"],
    &["tobias", "toby"],
    &["kayleigh", "kayley", "kaylee", "kaley"],
    &["leanne", "lianne", "leann"],
    &["jayden", "jaden", "jaiden"],
];

/// One group of the nickname table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameGroup(u16);

impl NameGroup {
    /// The group's canonical name, e.g. `katherine` for the group holding `kate`.
    pub fn canonical(self) -> &'static str {
        self.names().first().copied().unwrap_or("")
    }

    /// Every name in the group, canonical first.
    pub fn names(self) -> &'static [&'static str] {
        GROUPS.get(usize::from(self.0)).copied().unwrap_or(&[])
    }

    /// A small number identifying the group (stable for one build of the table).
    pub fn id(self) -> u16 {
        self.0
    }
}

fn table() -> &'static HashMap<&'static str, Vec<NameGroup>> {
    static TABLE: OnceLock<HashMap<&'static str, Vec<NameGroup>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map: HashMap<&'static str, Vec<NameGroup>> = HashMap::new();
        for (i, group) in GROUPS.iter().enumerate() {
            for name in *group {
                let entry = map.entry(name).or_default();
                let id = NameGroup(i as u16);
                if !entry.contains(&id) {
                    entry.push(id);
                }
            }
        }
        map
    })
}

/// The groups a normalised given name belongs to (empty when it is in none).
pub fn groups(name: &str) -> &'static [NameGroup] {
    table().get(name).map(Vec::as_slice).unwrap_or(&[])
}

/// The canonical form of a normalised given name: its first group's canonical name, or the
/// name itself when it is in no group.
pub fn canonical(name: &str) -> &str {
    groups(name).first().map(|g| g.canonical()).unwrap_or(name)
}

/// True when two normalised given names share a nickname group (`kate`/`kathy`).
pub fn related(a: &str, b: &str) -> bool {
    let (ga, gb) = (groups(a), groups(b));
    ga.iter().any(|g| gb.contains(g))
}

/// The groups of table names spelt almost like `name` (Jaro–Winkler ≥ 0.92, same first
/// letter), for a name that is not in the table itself: `cristopher` is near `christopher`, so
/// it still relates to `chris`. Empty for a name in the table.
pub fn near_groups(name: &str) -> Vec<NameGroup> {
    if !groups(name).is_empty() {
        return Vec::new();
    }
    let Some(first) = name.chars().next() else {
        return Vec::new();
    };
    let len = name.chars().count();
    let mut out: Vec<NameGroup> = by_initial()
        .get(&first)
        .into_iter()
        .flatten()
        .filter(|n| n.len().abs_diff(len) <= 2)
        .filter(|n| jaro_winkler(name, n) >= crate::compare::CLOSE)
        .flat_map(|n| groups(n).iter().copied())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn by_initial() -> &'static HashMap<char, Vec<&'static str>> {
    static BY_INITIAL: OnceLock<HashMap<char, Vec<&'static str>>> = OnceLock::new();
    BY_INITIAL.get_or_init(|| {
        let mut map: HashMap<char, Vec<&'static str>> = HashMap::new();
        for name in table().keys() {
            if let Some(c) = name.chars().next() {
                map.entry(c).or_default().push(name);
            }
        }
        for names in map.values_mut() {
            names.sort_unstable();
        }
        map
    })
}

/// How many groups the table has.
pub fn group_count() -> usize {
    GROUPS.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise;

    #[test]
    fn table_has_at_least_sixty_groups_in_normalised_form() {
        assert!(group_count() >= 60, "{}", group_count());
        for group in GROUPS {
            assert!(group.len() >= 2, "{group:?}");
            for name in *group {
                assert_eq!(normalise::name(name), *name, "{name} is not normalised");
                assert!(!name.contains(' '));
            }
        }
    }

    #[test]
    fn the_briefs_groups_are_related() {
        let groups: &[&[&str]] = &[
            &["katherine", "catherine", "kate", "katie", "kathy", "kat"],
            &["william", "bill", "will", "billy", "liam"],
            &["elizabeth", "liz", "beth", "betty", "eliza"],
            &["margaret", "maggie", "meg", "peggy"],
            &["robert", "bob", "rob", "bobby"],
            &["richard", "rick", "dick"],
            &["james", "jim", "jimmy", "jamie"],
            &["alexander", "alex", "sandy"],
            &["michael", "mike", "mick"],
            &["rebecca", "becky"],
            &["jennifer", "jen", "jenny"],
            &["samantha", "sam"],
            &["christopher", "chris"],
            &["thomas", "tom"],
            &["daniel", "dan", "danny"],
            &["joseph", "joe"],
            &["anthony", "tony"],
            &["edward", "ed", "ted"],
            &["susan", "sue"],
            &["victoria", "vicky"],
            &["jacqueline", "jackie"],
            &["deborah", "debbie"],
            &["patricia", "pat", "trish"],
            &["stephen", "steven", "steve"],
        ];
        for group in groups {
            for a in *group {
                for b in *group {
                    assert!(related(a, b), "{a} ~ {b}");
                }
            }
        }
    }

    #[test]
    fn relation_is_symmetric_and_names_outside_groups_relate_to_nothing() {
        let all: Vec<&str> = GROUPS.iter().flat_map(|g| g.iter().copied()).collect();
        for (i, a) in all.iter().enumerate().step_by(3) {
            for b in all.iter().skip(i % 7).step_by(5) {
                assert_eq!(related(a, b), related(b, a));
            }
            assert!(related(a, a));
        }
        assert!(!related("katherine", "william"));
        assert!(
            !related("zebedee", "zebedee"),
            "unknown names are compared by spelling, not the table"
        );
        assert!(groups("zebedee").is_empty());
        assert_eq!(canonical("liam"), "william");
        assert_eq!(canonical("kate"), "katherine");
        assert_eq!(canonical("zebedee"), "zebedee");
        // Shared short forms sit in both groups.
        assert!(related("alex", "alexander") && related("alex", "alexandra"));
        assert!(!related("alexander", "alexandra"));
        assert_eq!(groups("sam").len(), 2);
        // Misspellings outside the table find the group of the name they are close to.
        assert_eq!(
            near_groups("cristopher").first().map(|g| g.canonical()),
            Some("christopher")
        );
        assert!(
            near_groups("chris").is_empty(),
            "names in the table use their own groups"
        );
        assert!(near_groups("zebedee").is_empty());
    }
}
