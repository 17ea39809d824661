//! Random mutations of the real spec never panic the loader: they load, or they are rejected
//! with located errors inside the file.

use proptest::prelude::*;

#[path = "support/mutate.rs"]
mod mutate;

use mutate::{apply, mutation, shipped};

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_specs_never_panic(file in any::<usize>(), mutations in prop::collection::vec(mutation(), 1..4)) {
        let mut sources = shipped();
        let index = file % sources.len();
        let mut text = sources[index].1.clone();
        for m in &mutations {
            text = apply(&text, m);
        }
        sources[index].1 = text;
        if let Err(err) = lever_spec::from_sources(sources, vec![]) {
            prop_assert!(!err.diagnostics.is_empty());
            for d in &err.diagnostics {
                prop_assert!(d.location.line >= 1);
                let _ = d.render();
            }
        }
    }
}
