//! A territorial unit (country, socio-economic region, province) with validity in time.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "region")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Unique across every unit that ever existed, e.g. `VN-P63-15` (Yên Bái) and `VN-P34-15` (Lào Cai).
    #[sea_orm(unique)]
    pub code: String,
    /// The statistics office code; reused with a new meaning in 2025, so never a key.
    pub gso_code: Option<String>,
    pub country_code: String,
    /// COUNTRY, SOCIO_ECONOMIC_REGION or PROVINCE.
    pub level: String,
    /// country, socio-economic region, province, centrally-run city.
    pub kind: String,
    pub name_vi: String,
    pub name_vi_full: Option<String>,
    pub name_en: String,
    pub parent_id: Option<i32>,
    /// For a unit that ended: the unit it went into whole.
    pub successor_id: Option<i32>,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    /// ISO 3166-1 alpha-2 codes of land neighbours, `;`-separated (empty: none).
    pub land_borders: String,
    pub coastal: Option<bool>,
    pub area_km2: Option<f64>,
    /// "Population scale" quoted in the 2025 merger dossier; not a statistics-office figure.
    pub merger_dossier_population: Option<i64>,
    pub notes: Option<String>,
    pub source_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
