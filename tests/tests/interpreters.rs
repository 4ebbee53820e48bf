//! The expected interpreters are all here (unless HD_ALLOW_MISSING=1).

use hd_tests::{allow_missing, interpreter, EXPECTED};

#[test]
fn expected_interpreters_present() {
    let mut missing = Vec::new();
    for expected in EXPECTED {
        match interpreter(expected.key) {
            Ok(found) => {
                let env: Vec<String> = found.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
                eprintln!(
                    "found: {:<14} {} {} ({})",
                    expected.key,
                    env.join(" "),
                    found.python.display(),
                    expected.about
                );
            }
            Err(why) => {
                eprintln!("MISSING: {} ({why})", expected.key);
                missing.push(expected.key);
            }
        }
    }
    eprintln!(
        "{} of {} expected interpreters found; missing: {missing:?}",
        EXPECTED.len() - missing.len(),
        EXPECTED.len()
    );
    if !missing.is_empty() && !allow_missing() {
        panic!("missing interpreters {missing:?}; install them or set HD_ALLOW_MISSING=1");
    }
}

#[test]
fn test_matrix_covers_expected() {
    macro_rules! keys {
        ($($key:ident),*) => { vec![$(stringify!($key)),*] };
    }
    macro_rules! collect {
        ($($key:ident),*) => { KEYS.with(|k| *k.borrow_mut() = keys!($($key),*)) };
    }
    thread_local!(static KEYS: std::cell::RefCell<Vec<&'static str>> = const { std::cell::RefCell::new(Vec::new()) });
    hd_tests::for_each_interpreter!(collect);
    let listed: Vec<&str> = EXPECTED.iter().map(|e| e.key).collect();
    assert_eq!(
        KEYS.with(|k| k.borrow().clone()),
        listed,
        "for_each_interpreter! and EXPECTED must list the same keys"
    );
}
