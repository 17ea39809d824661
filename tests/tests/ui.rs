//! trybuild UI tests for lever-macros: what compiles, and the exact messages of what does not.

#[test]
fn ui() {
    // Overlay paths in the UI tests are relative to this crate, but trybuild compiles them in
    // its own project folder.
    std::env::set_var("LEVER_MACROS_MANIFEST_DIR", env!("CARGO_MANIFEST_DIR"));
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
