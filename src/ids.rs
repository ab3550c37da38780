//! Relay global ids: `base64url("Type:key")`, where the key is the object's public code, so an id
//! stays the same across databases and releases. The GraphQL layer issues them
//! (`graphql::ids::global_id`); the write services accept them beside plain codes.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The global id of the object of type `type_name` with the public code `key`.
pub fn encode(type_name: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{type_name}:{key}"))
}

/// `(type, key)` of a global id, or None when it is not one this API issued.
pub fn parse_global_id(id: &str) -> Option<(String, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (t, k) = text.split_once(':')?;
    Some((t.to_owned(), k.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip() {
        let id = encode("Region", "VN-P63-02");
        assert_eq!(
            parse_global_id(&id),
            Some(("Region".into(), "VN-P63-02".into()))
        );
        assert_eq!(parse_global_id("not base64!"), None);
    }
}
