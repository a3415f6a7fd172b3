//! String similarity: Jaro and Jaro–Winkler, written here so that the comparison levels rest on
//! code we can read and test against published values.
//!
//! Inputs longer than 64 characters are compared on their first 64: names are short, and the
//! limit lets the matcher use two machine words instead of allocating.

const MAX_LEN: usize = 64;

/// Jaro similarity in `[0, 1]`; 1 for equal strings (and for two empty strings).
pub fn jaro(a: &str, b: &str) -> f64 {
    if a.is_ascii() && b.is_ascii() {
        jaro_slice(a.as_bytes(), b.as_bytes())
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        jaro_slice(&a, &b)
    }
}

/// Jaro–Winkler similarity: Jaro raised for a shared prefix of up to four characters (scale
/// 0.1), applied when Jaro exceeds 0.7 as Winkler proposed.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    if a.is_ascii() && b.is_ascii() {
        jaro_winkler_slice(a.as_bytes(), b.as_bytes())
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        jaro_winkler_slice(&a, &b)
    }
}

/// Jaro similarity of two sequences.
pub fn jaro_slice<T: PartialEq>(a: &[T], b: &[T]) -> f64 {
    let a = a.get(..a.len().min(MAX_LEN)).unwrap_or(a);
    let b = b.get(..b.len().min(MAX_LEN)).unwrap_or(b);
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_matched: u64 = 0;
    let mut b_matched: u64 = 0;
    let mut matches = 0usize;
    for (i, x) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if b_matched & (1 << j) == 0 && b.get(j) == Some(x) {
                a_matched |= 1 << i;
                b_matched |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut half_transpositions = 0usize;
    let mut j = 0usize;
    for (i, x) in a.iter().enumerate() {
        if a_matched & (1 << i) == 0 {
            continue;
        }
        while j < b.len() && b_matched & (1 << j) == 0 {
            j += 1;
        }
        if b.get(j) != Some(x) {
            half_transpositions += 1;
        }
        j += 1;
    }
    let m = matches as f64;
    let t = (half_transpositions / 2) as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - t) / m) / 3.0
}

/// Jaro–Winkler similarity of two sequences.
pub fn jaro_winkler_slice<T: PartialEq>(a: &[T], b: &[T]) -> f64 {
    let j = jaro_slice(a, b);
    if j <= 0.7 {
        return j;
    }
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    j + prefix as f64 * 0.1 * (1.0 - j)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() < 0.0006
    }

    #[test]
    fn published_values() {
        assert!(
            close(jaro("MARTHA", "MARHTA"), 0.944),
            "{}",
            jaro("MARTHA", "MARHTA")
        );
        assert!(close(jaro_winkler("MARTHA", "MARHTA"), 0.961));
        assert!(close(jaro("DWAYNE", "DUANE"), 0.822));
        assert!(close(jaro_winkler("DWAYNE", "DUANE"), 0.840));
        assert!(close(jaro("DIXON", "DICKSONX"), 0.767));
        assert!(close(jaro_winkler("DIXON", "DICKSONX"), 0.813));
        assert!(close(jaro_winkler("William", "Williams"), 0.975));
        assert_eq!(jaro_winkler("", ""), 1.0);
        assert_eq!(jaro_winkler("abc", ""), 0.0);
        assert_eq!(jaro_winkler("abc", "xyz"), 0.0);
        assert_eq!(jaro_winkler("zoë", "zoë"), 1.0);
    }

    #[test]
    fn properties_hold_on_generated_strings() {
        let mut rng = Rng::new(11);
        let alphabet = b"aeiourstnlmkbcd";
        for _ in 0..5_000 {
            let la = rng.below(12);
            let lb = rng.below(12);
            let a: String = (0..la)
                .map(|_| char::from(alphabet[rng.below(alphabet.len())]))
                .collect();
            let b: String = (0..lb)
                .map(|_| char::from(alphabet[rng.below(alphabet.len())]))
                .collect();
            let ab = jaro_winkler(&a, &b);
            assert!((0.0..=1.0).contains(&ab), "{a} {b} {ab}");
            assert!((ab - jaro_winkler(&b, &a)).abs() < 1e-12, "{a} {b}");
            assert_eq!(jaro_winkler(&a, &a), 1.0);
            assert!(ab >= jaro(&a, &b));
            if a != b {
                assert!(jaro(&a, &b) < 1.0);
            }
        }
    }

    #[test]
    fn long_inputs_do_not_overflow_the_match_masks() {
        let a = "a".repeat(200);
        let b = format!("{}b", "a".repeat(199));
        assert!(jaro_winkler(&a, &b) > 0.99);
    }
}
