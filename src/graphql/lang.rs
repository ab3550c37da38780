//! Languages of names and labels: `name` follows the `lang` argument, else the request's
//! `Accept-Language`, else Vietnamese (the official names).
use async_graphql::{Context, Enum};

/// A language names and labels can be given in.
#[derive(Enum, Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Language {
    /// Vietnamese (tiếng Việt), with diacritics: the official names.
    #[default]
    Vi,
    /// English.
    En,
}

impl Language {
    /// Picks the preferred supported language from an `Accept-Language` header value.
    pub fn from_accept_language(header: &str) -> Option<Language> {
        let mut best: Option<(f32, Language)> = None;
        for part in header.split(',') {
            let mut it = part.trim().split(';');
            let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = it
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("vi") => Language::Vi,
                Some("en") => Language::En,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }
}

/// The language a request asked for through `Accept-Language` (request data).
#[derive(Clone, Copy, Debug)]
pub struct RequestLanguage(pub Language);

/// The language to answer in: the argument if given, else the request's.
pub fn resolve(ctx: &Context<'_>, arg: Option<Language>) -> Language {
    arg.or_else(|| ctx.data_opt::<RequestLanguage>().map(|l| l.0))
        .unwrap_or_default()
}

/// Picks the Vietnamese or English text.
pub fn pick<'a>(ctx: &Context<'_>, arg: Option<Language>, vi: &'a str, en: &'a str) -> &'a str {
    match resolve(ctx, arg) {
        Language::Vi => vi,
        Language::En => en,
    }
}

/// Same as [`pick`] for optional texts.
pub fn pick_opt(
    ctx: &Context<'_>,
    arg: Option<Language>,
    vi: &Option<String>,
    en: &Option<String>,
) -> Option<String> {
    match resolve(ctx, arg) {
        Language::Vi => vi.clone(),
        Language::En => en.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_the_highest_quality_supported_tag() {
        assert_eq!(
            Language::from_accept_language("fr, en;q=0.8, vi;q=0.9"),
            Some(Language::Vi)
        );
        assert_eq!(
            Language::from_accept_language("en-GB,en;q=0.9"),
            Some(Language::En)
        );
        assert_eq!(Language::from_accept_language("vi-VN"), Some(Language::Vi));
        assert_eq!(Language::from_accept_language("de, fr"), None);
        assert_eq!(
            Language::from_accept_language("vi;q=0, en;q=0.1"),
            Some(Language::En)
        );
    }
}
