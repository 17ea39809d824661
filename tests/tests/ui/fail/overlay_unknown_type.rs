mod lever_ext {
    lever_macros::overlay!("tests/ui/overlay_unknown_type.yaml");
}

fn main() {}
