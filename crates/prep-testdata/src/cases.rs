//! Case tables checked case by case: every case runs, and a failure names each case that
//! failed with its message, instead of stopping at the first.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs `check` on every case of `cases`, each named by `name`; when any fails (panics),
/// panics after the last with `K of N cases failed` and, for each failed case, its name and
/// message.
pub fn check_each<C>(
    cases: impl IntoIterator<Item = C>,
    name: impl Fn(&C) -> String,
    mut check: impl FnMut(C),
) {
    let mut failed = Vec::new();
    let mut total = 0;
    for case in cases {
        total += 1;
        let named = name(&case);
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check(case))) {
            failed.push(format!("{named}: {}", message(panic.as_ref())));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {total} cases failed:\n  {}",
        failed.len(),
        failed.join("\n  ")
    );
}

/// The text of a panic's payload.
fn message(panic: &(dyn Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::check_each;

    #[test]
    fn every_failing_case_is_named() {
        let outcome = std::panic::catch_unwind(|| {
            check_each(
                [1, 2, 3, 4],
                |n| format!("case {n}"),
                |n| assert!(n % 2 == 1, "{n} is even"),
            )
        });
        let panic = outcome.expect_err("two cases fail");
        let text = super::message(panic.as_ref());
        assert!(text.starts_with("2 of 4 cases failed"), "{text}");
        assert!(text.contains("case 2: 2 is even"), "{text}");
        assert!(text.contains("case 4: 4 is even"), "{text}");
        assert!(
            !text.contains("case 1") && !text.contains("case 3"),
            "{text}"
        );
    }

    #[test]
    fn passing_cases_pass() {
        check_each(["a", "b"], |s| (*s).to_owned(), |s| assert!(!s.is_empty()));
    }
}
