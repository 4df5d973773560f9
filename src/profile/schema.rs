//! The profile JSON schema, generated from the Rust types (validation and the rest are in
//! [`crate::schema`]).

use serde_json::Value;

use super::model::Profile;
use crate::schema::strip_null;

/// The profile schema as committed in `schema/profile.schema.json` (a test keeps it equal to
/// [`generated_profile_schema`]): parsing it costs a fraction of generating it.
pub fn profile_schema() -> Value {
    serde_json::from_str(include_str!("../../schema/profile.schema.json"))
        .unwrap_or_else(|_| generated_profile_schema())
}

/// The JSON schema of a profile, generated from the Rust types.
pub fn generated_profile_schema() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Profile)).unwrap_or(Value::Null);
    strip_null(&mut schema);
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "$id".into(),
            Value::String("https://composegen.dev/schema/profile.schema.json".into()),
        );
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::typed_value;
    use crate::yaml::Path;

    #[test]
    fn set_values_are_typed_by_the_schema() {
        let s = profile_schema();
        let p = Path::parse_dotted("services.kafka.resources.cpus");
        assert_eq!(typed_value(&s, &p, "1.5").unwrap(), serde_json::json!(1.5));
        assert!(typed_value(&s, &p, "lots").is_err());
        let p = Path::parse_dotted("services.kafka.image.tag");
        assert_eq!(
            typed_value(&s, &p, "7.0").unwrap(),
            serde_json::json!("7.0")
        );
        let p = Path::parse_dotted("knobs.replicas.value");
        assert_eq!(typed_value(&s, &p, "3").unwrap(), serde_json::json!(3));
        let p = Path::parse_dotted("services.kafka.resources.memory");
        assert_eq!(typed_value(&s, &p, "2g").unwrap(), serde_json::json!("2g"));
    }
}
