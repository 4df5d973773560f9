//! Built-in profiles and templates, embedded in the binary so that `composegen render paklog`
//! works from any directory.

use include_dir::{Dir, include_dir};

static PROFILES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/profiles");
static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// Names of the built-in profiles, sorted.
pub fn profile_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = PROFILES
        .files()
        .filter_map(|f| f.path().to_str()?.strip_suffix(".yaml"))
        .collect();
    names.sort_unstable();
    names
}

/// The text of a built-in profile.
pub fn profile(name: &str) -> Option<&'static str> {
    PROFILES.get_file(format!("{name}.yaml"))?.contents_utf8()
}

/// The text of an embedded template (path relative to `templates/`).
pub fn template(name: &str) -> Option<&'static str> {
    TEMPLATES.get_file(name)?.contents_utf8()
}
