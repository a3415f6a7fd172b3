//! Times shown to people are UK local time (GMT, or BST in summer); they are stored in UTC.
//! British Summer Time runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
//! last Sunday of October.
use time::OffsetDateTime;

use waymark_domain::calendar::uk_offset as offset;
pub use waymark_domain::calendar::{is_bst, uk_date as date};

/// A moment as UK clocks show it, like `25 Nov 2026, 10:21 GMT`.
pub fn format(at: OffsetDateTime) -> String {
    let bst = is_bst(at);
    let local = at.to_offset(offset(bst));
    let fmt = time::macros::format_description!(
        "[day padding:none] [month repr:short] [year], [hour]:[minute]"
    );
    format!(
        "{} {}",
        local.format(&fmt).unwrap_or_default(),
        if bst { "BST" } else { "GMT" }
    )
}

/// Only the clock time, like `14:05 BST`.
pub fn clock(at: OffsetDateTime) -> String {
    let bst = is_bst(at);
    let local = at.to_offset(offset(bst));
    format!(
        "{:02}:{:02} {}",
        local.hour(),
        local.minute(),
        if bst { "BST" } else { "GMT" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn summer_time_starts_and_ends_at_one_in_the_morning_utc() {
        // 2026: BST from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert!(!is_bst(datetime!(2026-03-29 00:59 UTC)));
        assert!(is_bst(datetime!(2026-03-29 01:00 UTC)));
        assert!(is_bst(datetime!(2026-10-25 00:59 UTC)));
        assert!(!is_bst(datetime!(2026-10-25 01:00 UTC)));
        assert_eq!(
            format(datetime!(2026-07-01 13:05 UTC)),
            "1 Jul 2026, 14:05 BST"
        );
        assert_eq!(
            format(datetime!(2026-11-25 10:21 UTC)),
            "25 Nov 2026, 10:21 GMT"
        );
        assert_eq!(clock(datetime!(2026-07-01 23:30 UTC)), "00:30 BST");
    }
}
