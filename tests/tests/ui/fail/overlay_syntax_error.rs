mod lever_ext {
    lever_macros::overlay!("tests/ui/overlay_bad_syntax.yaml");
}

fn main() {}
