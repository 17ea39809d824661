//! Random mutations of the real spec never panic the loader: they load, or they are rejected
//! with located errors inside the file.

use std::path::PathBuf;

use proptest::prelude::*;

fn shipped() -> Vec<(PathBuf, String)> {
    let files = lever_spec::spec_files(&lever_spec::default_spec_dir()).expect("spec files");
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            (p, text)
        })
        .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    ReplaceChar(usize, char),
    Truncate(usize),
    Indent(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (
            any::<usize>(),
            prop::sample::select(vec![
                ':', '{', '}', '[', ']', '-', ' ', '\t', '"', '<', '>', 'x', '\n', '&', '*', '!'
            ])
        )
            .prop_map(|(i, c)| Mutation::ReplaceChar(i, c)),
        any::<usize>().prop_map(Mutation::Truncate),
        any::<usize>().prop_map(Mutation::Indent),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        return text.to_string();
    }
    let n = lines.len();
    match *m {
        Mutation::DeleteLine(i) => {
            lines.remove(i % n);
        }
        Mutation::DuplicateLine(i) => {
            let line = lines[i % n].clone();
            lines.insert(i % n, line);
        }
        Mutation::SwapLines(a, b) => lines.swap(a % n, b % n),
        Mutation::ReplaceChar(i, c) => {
            let mut chars: Vec<char> = text.chars().collect();
            if !chars.is_empty() {
                let len = chars.len();
                chars[i % len] = c;
            }
            return chars.into_iter().collect();
        }
        Mutation::Truncate(i) => {
            let chars: Vec<char> = text.chars().collect();
            return chars[..i % (chars.len() + 1)].iter().collect();
        }
        Mutation::Indent(i) => {
            let line = format!("  {}", lines[i % n]);
            lines[i % n] = line;
        }
    }
    lines.join("\n")
}

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
