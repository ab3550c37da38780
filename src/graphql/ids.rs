//! Relay global ids: `base64url("Type:key")`, where the key is the object's public code, so an id
//! stays the same across databases and releases.
use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub fn global_id(type_name: &str, key: &str) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{key}")))
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
        let id = global_id("Region", "VN-P63-02");
        assert_eq!(
            parse_global_id(&id),
            Some(("Region".into(), "VN-P63-02".into()))
        );
        assert_eq!(parse_global_id("not base64!"), None);
    }
}
