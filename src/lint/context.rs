//! What a rule sees when it checks a file.

use super::config::Settings;
use super::images::ImageTable;
use super::view::{Compose, Index};
use crate::compose::interpolate::Env;
use crate::yaml::Node;

/// The context of one check.
pub struct Context<'a> {
    /// Index of the file in the engine's list (goes into routes).
    pub file: usize,
    /// Display name of the file.
    pub name: &'a str,
    /// The file's text.
    pub text: &'a str,
    /// The parsed document (always a mapping when rules run).
    pub root: &'a Node,
    /// Variables for interpolation.
    pub env: &'a Env,
    /// Knowledge about images.
    pub images: &'a ImageTable,
    /// Settings (rule options).
    pub settings: &'a Settings,
    /// The project's services indexed once (`Index::new(root, env)`).
    pub index: &'a Index<'a>,
    /// The directory of the project's first file, where `env_file` paths are read from
    /// (None for stdin).
    pub dir: Option<&'a std::path::Path>,
}

impl<'a> Context<'a> {
    /// The typed view of the document.
    pub fn compose(&self) -> Compose<'a> {
        Compose {
            root: self.root,
            env: self.env,
            index: self.index,
        }
    }

    /// A rule option from the configuration, if set.
    pub fn option(&self, code: &str, key: &str) -> Option<&'a serde_json::Value> {
        self.settings.options.get(code).and_then(|o| o.get(key))
    }
}
