//! Regions: the tree, validity, the 2025 mapping, names by language, pagination, unknown codes.
use serde_json::json;

use crate::helpers::{TestApp, error_code};

#[tokio::test]
async fn the_63_provinces_were_valid_until_june_2025_and_the_34_from_july() {
    let app = TestApp::spawn().await;
    let q = "query($d: Date) { regions(level: PROVINCE, validOn: $d) { totalCount } }";
    let before = app.query_with(q, json!({ "d": "2025-06-30" })).await;
    let after = app.query_with(q, json!({ "d": "2025-07-01" })).await;
    assert_eq!(before["data"]["regions"]["totalCount"], 63);
    assert_eq!(after["data"]["regions"]["totalCount"], 34);
    let sers = app
        .query("{ regions(level: SOCIO_ECONOMIC_REGION) { totalCount } }")
        .await;
    assert_eq!(sers["data"]["regions"]["totalCount"], 6);
}

#[tokio::test]
async fn ha_giang_has_belonged_to_tuyen_quang_since_july_2025() {
    let app = TestApp::spawn().await;
    let body = app
        .query(r#"{ regions(search: "Ha Giang") { edges { node { code gsoCode validTo successor { code nameVi validFrom predecessors { nameVi } } } } } }"#)
        .await;
    let node = &body["data"]["regions"]["edges"][0]["node"];
    assert_eq!(node["code"], "VN-P63-02");
    assert_eq!(node["validTo"], "2025-06-30");
    assert_eq!(node["successor"]["code"], "VN-P34-08");
    assert_eq!(node["successor"]["nameVi"], "Tuyên Quang");
    assert_eq!(node["successor"]["validFrom"], "2025-07-01");
    assert_eq!(
        node["successor"]["predecessors"],
        json!([{ "nameVi": "Hà Giang" }, { "nameVi": "Tuyên Quang" }])
    );
}

#[tokio::test]
async fn reused_gso_codes_name_different_units_under_distinct_region_codes() {
    let app = TestApp::spawn().await;
    let body = app.query(r#"{ old: region(code: "VN-P63-15") { gsoCode nameVi } new: region(code: "VN-P34-15") { gsoCode nameVi } }"#).await;
    assert_eq!(
        body["data"]["old"],
        json!({ "gsoCode": "15", "nameVi": "Yên Bái" })
    );
    assert_eq!(
        body["data"]["new"],
        json!({ "gsoCode": "15", "nameVi": "Lào Cai" })
    );
}

#[tokio::test]
async fn an_unknown_code_gives_null_not_an_error() {
    let app = TestApp::spawn().await;
    let body = app.query(r#"{ region(code: "XX-99") { code } agency(code: "NOPE") { code } campaign(slug: "nope") { slug } }"#).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        body["data"],
        json!({ "region": null, "agency": null, "campaign": null })
    );
}

#[tokio::test]
async fn name_follows_the_lang_argument_then_accept_language() {
    let app = TestApp::spawn().await;
    let q = r#"{ region(code: "VN-P63-10") { name vi: name(lang: VI) en: name(lang: EN) nameVi nameEn } }"#;
    let en: serde_json::Value = app
        .client
        .post(app.url("/graphql"))
        .header("accept-language", "en-GB, vi;q=0.5")
        .json(&json!({ "query": q }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        en["data"]["region"],
        json!({ "name": "Lao Cai", "vi": "Lào Cai", "en": "Lao Cai", "nameVi": "Lào Cai", "nameEn": "Lao Cai" })
    );
    let default = app.query(q).await;
    assert_eq!(default["data"]["region"]["name"], "Lào Cai");
}

#[tokio::test]
async fn pages_walk_the_whole_list_and_a_page_above_the_cap_is_refused() {
    let app = TestApp::spawn().await;
    let q = "query($after: String) { regions(level: PROVINCE, first: 40, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { code } } } }";
    let mut seen = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let body = app.query_with(q, json!({ "after": after })).await;
        let conn = &body["data"]["regions"];
        for e in conn["edges"].as_array().unwrap() {
            seen.push(e["node"]["code"].as_str().unwrap().to_owned());
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), 97);
    seen.dedup();
    assert_eq!(seen.len(), 97, "no region twice");
    let refused = app.query("{ regions(first: 101) { totalCount } }").await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 100")
    );
    let bad_cursor = app
        .query(r#"{ regions(after: "garbage") { totalCount } }"#)
        .await;
    assert_eq!(error_code(&bad_cursor), "BAD_USER_INPUT");
}

#[tokio::test]
async fn populations_come_with_their_year_and_source_and_the_nearest_year_is_said() {
    let app = TestApp::spawn().await;
    let body = app
        .query(
            r#"{ region(code: "VN") { population(year: 2024) { year value source { code } } } }"#,
        )
        .await;
    let p = &body["data"]["region"]["population"];
    assert_eq!(
        p["year"], 2020,
        "2024 is not held: the nearest known year is used and named"
    );
    assert_eq!(p["value"], 97_582_600);
    assert_eq!(p["source"]["code"], "ctip-api-derived");
}

#[tokio::test]
async fn node_fetches_an_object_again_by_its_global_id() {
    let app = TestApp::spawn().await;
    let body = app
        .query(r#"{ region(code: "VN-P34-08") { id } campaign(slug: "action-month-2024") { id } }"#)
        .await;
    for (field, ty) in [("region", "Region"), ("campaign", "Campaign")] {
        let id = body["data"][field]["id"].as_str().unwrap();
        let again = app
            .query_with(
                "query($id: ID!) { node(id: $id) { __typename id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(again["data"]["node"]["__typename"], ty);
        assert_eq!(again["data"]["node"]["id"], id);
    }
    let bad = app.query(r#"{ node(id: "???") { id } }"#).await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT");
}
