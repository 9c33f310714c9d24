//! `scopelint rules schema`: the JSON Schema of the rules format, derived from the model
//! structs so it cannot drift from what the loader reads. A copy is committed at
//! `schema/scope-rules.schema.json` (a test keeps it equal to this output) so editors can
//! complete and check rules files through a `# yaml-language-server: $schema=...` line.

use super::model::RulesFile;

/// Where the committed copy lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "schema/scope-rules.schema.json";

/// The schema as pretty-printed JSON with a final newline.
///
/// Draft-07 is used because it is what the YAML language server and most editors support best.
pub fn schema_json() -> String {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<RulesFile>();
    schema.insert("title".into(), "scopelint rules file".into());
    let mut s = serde_json::to_string_pretty(&schema).expect("a schema always serializes");
    s.push('\n');
    s
}
