//! The managed-document header that makes import possible (owner, "DO NOT EDIT", and the
//! resource's configuration as JSON), and the content hash.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// First words of every managed file's header.
pub const HEADER_PREFIX: &str = "Managed by Terraform";
/// Key of the header line that embeds the resource's configuration as JSON (for import).
pub const CONFIG_KEY: &str = "reliability-config: ";
/// The config line as it appears in a file (the renderer turns header lines into comments).
pub const CONFIG_PREFIX: &str = "# reliability-config: ";

/// The header put on top of a managed file (as comment lines, by the renderer): who owns it,
/// and its configuration.
pub fn header(resource_type: &str, id: &str, config_json: &str) -> String {
    format!(
        "{HEADER_PREFIX} ({resource_type} \"{id}\"). DO NOT EDIT: the next terraform plan \
         reports edits and terraform apply reverts them.\n{CONFIG_KEY}{config_json}\n"
    )
}

/// The embedded configuration JSON of a managed file, if it has one.
pub fn embedded_config(content: &str) -> Option<&str> {
    content
        .lines()
        .take(8)
        .find_map(|l| l.strip_prefix(CONFIG_PREFIX))
}

/// Hex SHA-256 of a file's content: what `content_sha256` holds.
pub fn sha256_hex(content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The configuration JSON embedded in a file's header.
pub fn config_json<T: Serialize>(config: &T) -> Result<String, String> {
    serde_json::to_string(config).map_err(|e| format!("cannot encode the configuration: {e}"))
}

/// The configuration JSON for the header, without the `outputs` attributes (which must be
/// null in `config`): attributes that hold generated content are left out so that the
/// header does not depend on them, and documents written before they existed keep their
/// exact content. `serde_json` writes `,"<key>":null` for each; the key is never the first
/// attribute, and a string value cannot contain `,"` unescaped, so nothing else matches.
pub fn config_json_without<T: Serialize>(config: &T, outputs: &[&str]) -> Result<String, String> {
    let mut json = config_json(config)?;
    for key in outputs {
        json = json.replacen(&format!(",\"{key}\":null"), "", 1);
    }
    Ok(json)
}

/// The hash of a resource's documents (the rule document first): what `content_sha256`
/// holds.
pub fn documents_hash<S: AsRef<str>>(contents: &[S]) -> String {
    let joined: Vec<&str> = contents.iter().map(AsRef::as_ref).collect();
    sha256_hex(&joined.join("\0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_roundtrip() {
        let h = header("reliability_slo", "a-b", "{\"x\":1}");
        assert!(h.starts_with(HEADER_PREFIX));
        let file = crate::rules::model::render_yaml(&Default::default(), &h);
        assert_eq!(embedded_config(&file), Some("{\"x\":1}"));
        assert_eq!(embedded_config("groups: []\n"), None);
    }

    #[test]
    fn outputs_are_left_out_of_the_config() {
        #[derive(Serialize)]
        struct S {
            a: Option<&'static str>,
            rules_yaml: Option<&'static str>,
        }
        let s = S {
            a: Some(",\"rules_yaml\":null"),
            rules_yaml: None,
        };
        let json = config_json_without(&s, &["rules_yaml"]).unwrap();
        assert_eq!(json, r#"{"a":",\"rules_yaml\":null"}"#);
    }

    #[test]
    fn documents_hash_joins_with_nul() {
        assert_eq!(documents_hash(&["a"]), sha256_hex("a"));
        assert_eq!(documents_hash(&["a", "b"]), sha256_hex("a\0b"));
    }
}
