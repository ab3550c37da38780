//! The reference data shipped under `migration/data/`, parsed from the files compiled into the
//! binary (so a clone needs nothing else). `SOURCES.md` beside the files says where each column
//! comes from. Region codes follow one scheme for every level and both province sets:
//! `VN` (country), `VN-RRD` … (socio-economic regions), `VN-P63-15` (a unit of the 63-province set
//! valid until 2025-06-30, here Yên Bái), `VN-P34-15` (a unit of the 34 valid from 2025-07-01, here
//! Lào Cai). GSO codes were reused in 2025, so they are never part of a key on their own.
use serde::Deserialize;

pub const PROVINCES_2024_CSV: &str = include_str!("../data/provinces_2024.csv");
pub const PROVINCES_2025_CSV: &str = include_str!("../data/provinces_2025.csv");
pub const MERGER_2025_CSV: &str = include_str!("../data/province_merger_2025.csv");
pub const PUBLISHED_FIGURES_CSV: &str = include_str!("../data/published_figures_vietnam.csv");
pub const CAMPAIGN_2024_JSON: &str = include_str!("../data/campaign_2024.json");

/// Last day of the 63-province set; the 34-unit set starts the day after.
pub const SET_2024_VALID_TO: &str = "2025-06-30";
pub const SET_2025_VALID_FROM: &str = "2025-07-01";

/// The six socio-economic regions of Resolution 81/2023/QH15: (code, name in the data files, Vietnamese name).
pub const SOCIO_ECONOMIC_REGIONS: [(&str, &str, &str); 6] = [
    (
        "VN-NMM",
        "Northern Midlands and Mountains",
        "Trung du và miền núi phía Bắc",
    ),
    ("VN-RRD", "Red River Delta", "Đồng bằng sông Hồng"),
    (
        "VN-NCC",
        "North Central and Central Coast",
        "Bắc Trung Bộ và duyên hải miền Trung",
    ),
    ("VN-CH", "Central Highlands", "Tây Nguyên"),
    ("VN-SE", "Southeast", "Đông Nam Bộ"),
    ("VN-MRD", "Mekong River Delta", "Đồng bằng sông Cửu Long"),
];

pub fn province_2024_code(gso: &str) -> String {
    format!("VN-P63-{gso}")
}

pub fn province_2025_code(gso: &str) -> String {
    format!("VN-P34-{gso}")
}

pub fn region_code_for_name(name_en: &str) -> Option<&'static str> {
    SOCIO_ECONOMIC_REGIONS
        .iter()
        .find(|r| r.1 == name_en)
        .map(|r| r.0)
}

/// `China;Laos` → `CN;LA`.
pub fn border_codes(names: &str) -> String {
    names
        .split(';')
        .filter(|s| !s.trim().is_empty())
        .map(|s| match s.trim() {
            "China" => "CN",
            "Laos" => "LA",
            "Cambodia" => "KH",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(";")
}

#[derive(Debug, Deserialize)]
pub struct Province2024 {
    pub gso_code: String,
    pub name_vi: String,
    pub name_vi_full: String,
    pub name_en: String,
    pub kind: String,
    pub region: String,
    pub land_border_with: String,
    pub coastal: bool,
    pub population: i64,
    pub population_year: i32,
    pub population_measure: String,
    pub new_code_2025: String,
    pub notes: String,
}

#[derive(Debug, Deserialize)]
pub struct Province2025 {
    pub code: String,
    pub name_vi: String,
    pub name_vi_full: String,
    pub name_en: String,
    pub kind: String,
    pub region: String,
    pub land_border_with: String,
    pub coastal: bool,
    pub area_km2: f64,
    pub population_merger_dossier: i64,
    pub population_gso2020_sum_of_constituents: i64,
}

#[derive(Debug, Deserialize)]
pub struct Merger {
    pub old_gso_code: String,
    pub new_code: String,
}

#[derive(Debug, Deserialize)]
pub struct PublishedFigure {
    pub year: i32,
    pub scope: String,
    pub metric: String,
    pub value: String,
    pub unit: String,
    pub source_title: String,
    pub source_url: String,
    pub published_on: String,
    pub notes: String,
    pub period_start: String,
    pub period_end: String,
    pub source_org: String,
    pub reliability: String,
}

#[derive(Debug, Deserialize)]
pub struct CampaignData {
    pub sources: Vec<SourceData>,
    pub agencies: Vec<AgencyData>,
    pub campaigns: Vec<CampaignRow>,
    pub activities: Vec<ActivityRow>,
}

#[derive(Debug, Deserialize)]
pub struct SourceData {
    pub code: String,
    pub kind: String,
    pub publisher: String,
    pub title: String,
    pub url: Option<String>,
    pub published_on: Option<String>,
    pub licence: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct AgencyData {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub abbreviation: Option<String>,
    pub kind: String,
    pub region: Option<String>,
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CampaignRow {
    pub slug: String,
    pub name_vi: String,
    pub name_en: String,
    pub theme_vi: Option<String>,
    pub theme_en: Option<String>,
    pub description_vi: Option<String>,
    pub description_en: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub lead_agency: Option<String>,
    pub directive_number: Option<String>,
    pub directive_date: Option<String>,
    pub directive_issuer: Option<String>,
    pub parent: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ActivityRow {
    pub code: String,
    pub campaign: String,
    pub lead: String,
    pub participants: Vec<String>,
    pub region: Option<String>,
    pub kind: String,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub title_vi: String,
    pub title_en: String,
    pub description_vi: Option<String>,
    pub description_en: Option<String>,
}

/// Parses one of the shipped CSV files; a failure here is a defect in the shipped data.
pub fn parse_csv<T: for<'de> Deserialize<'de>>(text: &str) -> Result<Vec<T>, String> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| format!("shipped reference data does not parse: {e}"))
}

pub fn campaign_data() -> Result<CampaignData, String> {
    serde_json::from_str(CAMPAIGN_2024_JSON)
        .map_err(|e| format!("shipped campaign data does not parse: {e}"))
}
