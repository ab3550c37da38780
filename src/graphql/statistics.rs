//! `caseStatistics`, `Region.caseTotal` and the vocabulary a reader needs to read a number right.
//! Every value here comes out of `statistics::run` or the `CaseTotal` loader, which protect it.
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::release;

use super::ApiContext;
use super::ids::parse_global_id;
use super::region::{Region, RegionLevel};
use super::scalars::Date;
use super::source::Release;
use crate::dimensions::{self, Category, MetricKind};
use crate::disclosure::{PeriodGrain, ValueStatus as DValueStatus};
use crate::error::AppError;
use crate::statistics::{
    self, Boundaries as SBoundaries, Dimension as SDimension, PeriodSpec, StatValue, StatsRequest,
};
use crate::store;

macro_rules! mirror_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $db:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
        pub enum $name { $($(#[$vm])* $v),* }
        impl $name {
            pub fn as_db(self) -> &'static str { match self { $($name::$v => $db),* } }
            pub fn from_db(s: &str) -> Option<Self> { match s { $($db => Some($name::$v),)* _ => None } }
        }
    };
}

mirror_enum!(
    /// What is counted. Metrics never add up across each other.
    Metric {
        /// Trafficking cases detected (unit: case).
        CasesDetected => "CASES_DETECTED",
        /// Cases prosecuted (khởi tố) (unit: case).
        CasesProsecuted => "CASES_PROSECUTED",
        /// Suspects arrested (unit: person).
        SuspectsArrested => "SUSPECTS_ARRESTED",
        /// Suspects prosecuted (unit: person).
        SuspectsProsecuted => "SUSPECTS_PROSECUTED",
        /// Suspects convicted (unit: person).
        SuspectsConvicted => "SUSPECTS_CONVICTED",
        /// Victims identified (unit: person).
        VictimsIdentified => "VICTIMS_IDENTIFIED",
        /// Victims rescued (unit: person).
        VictimsRescued => "VICTIMS_RESCUED",
        /// Victims supported (unit: person).
        VictimsSupported => "VICTIMS_SUPPORTED",
        /// Reports to hotlines such as the National Child Protection Hotline 111 (unit: report).
        HotlineReports => "HOTLINE_REPORTS",
    }
);

mirror_enum!(
    /// Sex of the victim.
    Sex {
        /// Female.
        Female => "FEMALE",
        /// Male.
        Male => "MALE",
        /// Not recorded, or not applicable to the metric.
        Unknown => "UNKNOWN",
    }
);

mirror_enum!(
    /// Age group of the victim. Any use of it is restricted by the age rule (`dataset.methodology`).
    AgeGroup {
        /// Under 16: a child in Vietnamese law.
        Under16 => "UNDER_16",
        /// 16 or 17: a child in the UN definition, not in Vietnamese law.
        #[graphql(name = "AGE_16_17")]
        Age1617 => "AGE_16_17",
        /// 18 and over.
        Adult => "ADULT",
        /// Not recorded, or not applicable to the metric.
        Unknown => "UNKNOWN",
    }
);

mirror_enum!(
    /// Form of exploitation.
    ExploitationForm {
        /// Sexual exploitation.
        Sexual => "SEXUAL",
        /// Forced labour.
        ForcedLabour => "FORCED_LABOUR",
        /// Forced marriage.
        ForcedMarriage => "FORCED_MARRIAGE",
        /// Sale of a child.
        ChildSale => "CHILD_SALE",
        /// Removal of organs.
        OrganRemoval => "ORGAN_REMOVAL",
        /// Forced criminality, e.g. in online-scam compounds.
        ForcedCriminality => "FORCED_CRIMINALITY",
        /// Another form.
        Other => "OTHER",
        /// Not recorded, or not applicable to the metric.
        Unknown => "UNKNOWN",
    }
);

/// A dimension a result can be grouped by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Dimension {
    /// By region, at `regionLevel`.
    Region,
    /// By period, at `periodGranularity`.
    Period,
    /// By sex of the victim.
    Sex,
    /// By age group of the victim (restricted by the age rule).
    AgeGroup,
    /// By form of exploitation.
    ExploitationForm,
    /// By destination.
    Destination,
}

impl Dimension {
    fn engine(self) -> SDimension {
        match self {
            Dimension::Region => SDimension::Region,
            Dimension::Period => SDimension::Period,
            Dimension::Sex => SDimension::Category(Category::Sex),
            Dimension::AgeGroup => SDimension::Category(Category::AgeGroup),
            Dimension::ExploitationForm => SDimension::Category(Category::ExploitationForm),
            Dimension::Destination => SDimension::Category(Category::Destination),
        }
    }
}

/// The length of the periods a result is grouped by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Granularity {
    /// Calendar months (`2024-07`).
    Month,
    /// Calendar quarters (`2024-Q3`).
    Quarter,
    /// Calendar years (`2024`).
    #[default]
    Year,
}

/// Which boundaries counts are expressed on.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Boundaries {
    /// Each count on the unit it was recorded in (63 provinces until June 2025, 34 from July 2025).
    #[default]
    AsRecorded,
    /// Counts of the 63 earlier provinces re-expressed on the 34 units of July 2025, so a series
    /// compares across the merger (every old province went whole into one new one).
    V2025,
}

impl Boundaries {
    pub fn engine(self) -> SBoundaries {
        match self {
            Boundaries::AsRecorded => SBoundaries::AsRecorded,
            Boundaries::V2025 => SBoundaries::V2025,
        }
    }
}

/// How a value is shown.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ValueStatus {
    /// Shown: an adjusted count at or above the threshold.
    Published,
    /// Hidden: an adjusted count between 1 and the threshold; `value` is null, `display` is "<5".
    /// Where the age group is used (a filter or a grouping), an adjusted zero is hidden too.
    Suppressed,
    /// Zero (which can hide a true count of 1 or 2). Never shown where the age group is used.
    Zero,
}

/// Equality on one node per dimension (the closed query lattice: no ranges, lists or negation).
#[derive(InputObject, Default, Clone)]
pub struct StatisticsFilter {
    /// A region code at any level: `VN`, `VN-RRD`, `VN-P63-10`, `VN-P34-15`.
    pub region: Option<String>,
    /// An aligned period: a year `2024`, a quarter `2024-Q3` or a month `2024-07`.
    pub period: Option<String>,
    /// One sex.
    pub sex: Option<Sex>,
    /// One age group (restricted by the age rule).
    pub age_group: Option<AgeGroup>,
    /// One form of exploitation.
    pub exploitation_form: Option<ExploitationForm>,
    /// One destination: `DOMESTIC`, a country code (`CN`, `KH`, `LA`, `MM`, `TH`, `MY`, `KR`), `OTHER` or `UNKNOWN`.
    pub destination: Option<String>,
}

/// An aligned period.
#[derive(SimpleObject, Clone)]
pub struct Period {
    /// First day.
    pub start: Option<Date>,
    /// Last day.
    pub end: Option<Date>,
    /// `2024`, `2024-Q3` or `2024-07`.
    pub label: String,
}

impl From<PeriodSpec> for Period {
    fn from(p: PeriodSpec) -> Self {
        Period {
            start: p.start().map(Date),
            end: p.end().map(Date),
            label: p.label(),
        }
    }
}

/// A protected number: adjusted by the cell-key method, shown or suppressed by the display rule.
/// Every value is documented as adjusted; none says whether it was changed.
#[derive(SimpleObject, Clone)]
#[graphql(cache_control(max_age = 300))]
pub struct StatisticValue {
    /// The adjusted count; null when suppressed.
    pub value: Option<i64>,
    /// PUBLISHED, SUPPRESSED or ZERO.
    pub status: ValueStatus,
    /// What a person reads: "12", "<5", "0".
    pub display: String,
    /// Per 100,000 inhabitants, from the adjusted value and the population of the period's year
    /// (or the nearest known year: see `populationYear`). Null when suppressed or unknown.
    #[graphql(name = "ratePer100k")]
    pub rate_per_100k: Option<f64>,
    /// The year of the population the rate used.
    pub population_year: Option<i32>,
}

impl From<&StatValue> for StatisticValue {
    fn from(v: &StatValue) -> Self {
        StatisticValue {
            value: v.protected.value,
            status: match v.protected.status {
                DValueStatus::Published => ValueStatus::Published,
                DValueStatus::Suppressed => ValueStatus::Suppressed,
                DValueStatus::Zero => ValueStatus::Zero,
            },
            display: v.protected.display.clone(),
            rate_per_100k: v.rate.map(|r| (r.per_100k * 1000.0).round() / 1000.0),
            population_year: v.rate.map(|r| r.population_year),
        }
    }
}

/// One group of a result. Dimensions not grouped by are null.
#[derive(SimpleObject, Clone)]
pub struct StatisticsRow {
    /// The region of the group.
    pub region: Option<Region>,
    /// The period of the group.
    pub period: Option<Period>,
    /// The sex of the group.
    pub sex: Option<Sex>,
    /// The age group of the group.
    pub age_group: Option<AgeGroup>,
    /// The exploitation form of the group.
    pub exploitation_form: Option<ExploitationForm>,
    /// The destination of the group.
    pub destination: Option<String>,
    /// The protected value.
    pub value: StatisticValue,
}

/// A protected table: one row per group, every category listed (zeros too), and the total as a
/// node of its own. Parts need not add up to the total: each is adjusted independently.
#[derive(SimpleObject)]
#[graphql(cache_control(max_age = 300))]
pub struct StatisticsResult {
    /// The metric counted.
    pub metric: Metric,
    /// One row per group.
    pub rows: Vec<StatisticsRow>,
    /// The whole filtered set, protected like any other node.
    pub total: StatisticValue,
    /// The release the numbers come from: cite it to find them again.
    pub release: Release,
}

pub fn row_from(r: &statistics::StatRow) -> StatisticsRow {
    StatisticsRow {
        region: r.region.clone().map(Region),
        period: r.period.map(Period::from),
        sex: r.categories[0].and_then(Sex::from_db),
        age_group: r.categories[1].and_then(AgeGroup::from_db),
        exploitation_form: r.categories[2].and_then(ExploitationForm::from_db),
        destination: r.categories[3].map(str::to_owned),
        value: StatisticValue::from(&r.value),
    }
}

/// A release code from what a client sent: the code itself, or the release's global id.
pub fn release_code(id: &str) -> String {
    match parse_global_id(id) {
        Some((kind, key)) if kind == "Release" => key,
        _ => id.to_owned(),
    }
}

/// The release a request reads: the one named, else the current one.
pub async fn resolve_release(
    api: &ApiContext,
    release: Option<&str>,
) -> Result<release::Model, AppError> {
    match release {
        Some(id) => {
            let code = release_code(id);
            store::catalogue::release_by_code(&api.db, &code)
                .await?
                .ok_or_else(|| {
                    AppError::NotFound(format!(
                        "no published release \"{code}\"; `releases` lists them"
                    ))
                })
        }
        None => store::catalogue::current_release(&api.db)
            .await?
            .ok_or_else(|| AppError::NotFound("no release has been published yet".to_owned())),
    }
}

/// Everything `caseStatistics` takes, as the GraphQL and CSV layers receive it.
#[derive(Default, Clone)]
pub struct StatisticsArgs {
    pub metric: Option<Metric>,
    pub filter: StatisticsFilter,
    pub group_by: Vec<Dimension>,
    pub region_level: Option<RegionLevel>,
    pub period_granularity: Option<Granularity>,
    pub boundaries: Option<Boundaries>,
    pub release: Option<String>,
}

/// Resolves codes and builds the engine's request; a wrong value is a `BAD_USER_INPUT` that says why.
pub async fn request(api: &ApiContext, a: &StatisticsArgs) -> Result<StatsRequest, AppError> {
    let metric = a
        .metric
        .ok_or_else(|| AppError::BadUserInput("`metric` is required".to_owned()))?;
    let metric = MetricKind::parse(metric.as_db())
        .ok_or_else(|| AppError::Internal("metric mapping".to_owned()))?;
    let f = &a.filter;
    let region = match &f.region {
        None => None,
        Some(code) => Some(
            store::region::by_code(&api.db, code)
                .await?
                .ok_or_else(|| {
                    AppError::BadUserInput(format!(
                        "no region has the code \"{code}\"; find codes with `regions(search: ...)`"
                    ))
                })?,
        ),
    };
    let period = f
        .period
        .as_deref()
        .map(PeriodSpec::parse)
        .transpose()
        .map_err(AppError::BadUserInput)?;
    let mut filters = Vec::new();
    if let Some(s) = f.sex {
        filters.push((Category::Sex, s.as_db()));
    }
    if let Some(g) = f.age_group {
        filters.push((Category::AgeGroup, g.as_db()));
    }
    if let Some(e) = f.exploitation_form {
        filters.push((Category::ExploitationForm, e.as_db()));
    }
    if let Some(d) = &f.destination {
        filters.push((
            Category::Destination,
            statistics::category_value(Category::Destination, d)?,
        ));
    }
    let mut group_by: Vec<SDimension> = Vec::new();
    for d in &a.group_by {
        if !group_by.contains(&d.engine()) {
            group_by.push(d.engine());
        }
    }
    Ok(StatsRequest {
        metric,
        region,
        period,
        filters,
        group_by,
        region_level: a.region_level.unwrap_or(RegionLevel::Province).as_db(),
        granularity: match a.period_granularity.unwrap_or_default() {
            Granularity::Year => PeriodGrain::Year,
            Granularity::Quarter => PeriodGrain::Quarter,
            Granularity::Month => PeriodGrain::Month,
        },
        boundaries: a.boundaries.unwrap_or_default().engine(),
        release: resolve_release(api, a.release.as_deref()).await?,
    })
}

/// Label and description of a value, in both languages.
#[derive(SimpleObject)]
pub struct ValueLabel {
    /// The value as the API writes it (an enum value or a destination code).
    pub value: String,
    /// Vietnamese label.
    pub label_vi: String,
    /// English label.
    pub label_en: String,
}

/// What a metric counts and which dimensions break it down.
#[derive(SimpleObject)]
pub struct MetricInfo {
    /// The metric.
    pub metric: Metric,
    /// Vietnamese label.
    pub label_vi: String,
    /// English label.
    pub label_en: String,
    /// The unit counted: case, person or report.
    pub unit: String,
    /// The dimensions it can be filtered and grouped by (REGION and PERIOD always).
    pub dimensions: Vec<Dimension>,
}

pub fn metric_info() -> Vec<MetricInfo> {
    use crate::disclosure::UnitType;
    let labels: [(&str, &str); 9] = [
        ("Số vụ phát hiện", "Cases detected"),
        ("Số vụ khởi tố", "Cases prosecuted"),
        ("Số đối tượng bị bắt", "Suspects arrested"),
        ("Số bị can bị khởi tố", "Suspects prosecuted"),
        ("Số bị cáo bị kết án", "Suspects convicted"),
        ("Số nạn nhân được xác định", "Victims identified"),
        ("Số nạn nhân được giải cứu", "Victims rescued"),
        ("Số nạn nhân được hỗ trợ", "Victims supported"),
        ("Số cuộc gọi báo tin qua đường dây nóng", "Hotline reports"),
    ];
    MetricKind::ALL
        .into_iter()
        .zip(labels)
        .filter_map(|(m, (vi, en))| {
            let mut dims = vec![Dimension::Region, Dimension::Period];
            for c in m.categories() {
                dims.push(match c {
                    Category::Sex => Dimension::Sex,
                    Category::AgeGroup => Dimension::AgeGroup,
                    Category::ExploitationForm => Dimension::ExploitationForm,
                    Category::Destination => Dimension::Destination,
                });
            }
            Some(MetricInfo {
                metric: Metric::from_db(m.as_str())?,
                label_vi: vi.to_owned(),
                label_en: en.to_owned(),
                unit: match m.unit_type() {
                    UnitType::Case => "case",
                    UnitType::Suspect | UnitType::Victim => "person",
                    UnitType::Report => "report",
                }
                .to_owned(),
                dimensions: dims,
            })
        })
        .collect()
}

/// Labels of every value of a category dimension.
pub fn value_labels(c: Category) -> Vec<ValueLabel> {
    fn label(v: &'static str) -> (&'static str, &'static str) {
        match v {
            "FEMALE" => ("Nữ", "Female"),
            "MALE" => ("Nam", "Male"),
            "UNKNOWN" => ("Không rõ", "Unknown"),
            "UNDER_16" => ("Dưới 16 tuổi", "Under 16"),
            "AGE_16_17" => ("Từ 16 đến dưới 18 tuổi", "16 to 17"),
            "ADULT" => ("Từ 18 tuổi trở lên", "18 and over"),
            "SEXUAL" => ("Bóc lột tình dục", "Sexual exploitation"),
            "FORCED_LABOUR" => ("Cưỡng bức lao động", "Forced labour"),
            "FORCED_MARRIAGE" => ("Cưỡng ép kết hôn", "Forced marriage"),
            "CHILD_SALE" => ("Mua bán trẻ em", "Sale of a child"),
            "ORGAN_REMOVAL" => ("Lấy bộ phận cơ thể", "Organ removal"),
            "FORCED_CRIMINALITY" => (
                "Cưỡng bức phạm tội (ví dụ lừa đảo trực tuyến)",
                "Forced criminality (e.g. online scams)",
            ),
            "OTHER" => ("Khác", "Other"),
            "DOMESTIC" => ("Trong nước", "Domestic"),
            "CN" => ("Trung Quốc", "China"),
            "KH" => ("Campuchia", "Cambodia"),
            "LA" => ("Lào", "Laos"),
            "MM" => ("Myanmar", "Myanmar"),
            "TH" => ("Thái Lan", "Thailand"),
            "MY" => ("Malaysia", "Malaysia"),
            "KR" => ("Hàn Quốc", "South Korea"),
            other => (other, other),
        }
    }
    dimensions::values(c)
        .iter()
        .map(|v| {
            let (vi, en) = label(v);
            ValueLabel {
                value: (*v).to_owned(),
                label_vi: vi.to_owned(),
                label_en: en.to_owned(),
            }
        })
        .collect()
}

#[derive(Default)]
pub struct StatisticsQuery;

#[Object]
impl StatisticsQuery {
    /// Anonymized case statistics (see `dataset.methodology`). Filters are equality on one node
    /// per dimension; a request outside the closed query lattice fails as a whole with
    /// `GRAIN_NOT_ALLOWED` and a message saying which grain is allowed.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "super::cost::statistics_cost(&group_by, region_level, period_granularity, &filter, child_complexity)"
    )]
    async fn case_statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What is counted.")] metric: Metric,
        #[graphql(desc = "Equality on one node per dimension.")] filter: Option<StatisticsFilter>,
        #[graphql(desc = "Dimensions to group by; every category is listed, zeros too.")] group_by: Option<Vec<Dimension>>,
        #[graphql(desc = "The level REGION groups at (default PROVINCE).")] region_level: Option<
            RegionLevel,
        >,
        #[graphql(desc = "The length of the periods PERIOD groups by (default YEAR).")]
        period_granularity: Option<Granularity>,
        #[graphql(
            desc = "AS_RECORDED (default) or V2025: old provinces re-expressed on the 2025 units."
        )]
        boundaries: Option<Boundaries>,
        #[graphql(desc = "Pin a release by its code or id (default: the current release).")]
        release: Option<ID>,
    ) -> Result<StatisticsResult> {
        let api = ctx.data::<ApiContext>()?;
        let args = StatisticsArgs {
            metric: Some(metric),
            filter: filter.unwrap_or_default(),
            group_by: group_by.unwrap_or_default(),
            region_level,
            period_granularity,
            boundaries,
            release: release.map(|r| r.0),
        };
        let req = request(api, &args).await?;
        let result = statistics::run(&api.db, &api.disclosure, &req).await?;
        Ok(StatisticsResult {
            metric,
            rows: result.rows.iter().map(row_from).collect(),
            total: StatisticValue::from(&result.total),
            release: Release(result.release),
        })
    }
}

/// One row of the public perturbation table.
#[derive(SimpleObject)]
pub struct PerturbationEntry {
    /// The true counts the row applies to: "0", "1" or ">=2".
    pub true_count: String,
    /// The change added to the true count.
    pub change: i64,
    /// Smallest cell key of the range (of 0–4095).
    pub cell_key_from: u16,
    /// Largest cell key of the range.
    pub cell_key_to: u16,
    /// Probability of this change for such a count.
    pub probability: f64,
}

/// One line of the age rule.
#[derive(SimpleObject)]
pub struct AgeRule {
    /// The finest region level of a request.
    pub region_level: RegionLevel,
    /// The finest period of a request.
    pub granularity: Granularity,
    /// What is allowed with the age group there: NEVER, AT_MOST_ONE_OTHER (category dimension) or
    /// ANY_OTHERS.
    pub allowance: String,
}

/// Labels of the values of every category dimension.
#[derive(SimpleObject)]
pub struct DimensionValues {
    /// Sex of the victim.
    pub sex: Vec<ValueLabel>,
    /// Age group of the victim.
    pub age_group: Vec<ValueLabel>,
    /// Form of exploitation.
    pub exploitation_form: Vec<ValueLabel>,
    /// Destination.
    pub destination: Vec<ValueLabel>,
}

/// How the case statistics are protected, and how to read them.
pub struct Methodology {
    pub threshold: i64,
    pub suppressed_display: String,
}

/// How the case statistics are protected, and how to read them.
#[Object]
impl Methodology {
    /// The method, in English.
    async fn method(&self) -> String {
        format!(
            "Counts are anonymized with the cell-key method used by the Australian Bureau of Statistics and the UK Office for National Statistics, plus a closed query lattice. Each count is adjusted by a small amount (-2 to +2, mean 0, variance 1) chosen by a key computed from the records behind it, so the same contributors always give the same published value however they are asked for: repeating a question averages no noise away. Zeros are never changed. Adjusted values from 1 to {t1} are shown as \"{s}\"; where the age group is used (as a filter or a grouping), an adjusted 0 is shown as \"{s}\" too, since an exact zero would tell that no child is counted there. Only equality on one node per dimension is accepted, and the age group only at coarse grains (see ageRule), only for a named period that the release holds whole and that lies within the life of every unit served (partialPeriods), and with the values of the release that first held that period whole (ageVintage). Every value is documented as adjusted.",
            t1 = self.threshold - 1,
            s = self.suppressed_display
        )
    }
    /// The method, in Vietnamese.
    async fn method_vi(&self) -> String {
        format!(
            "Số liệu được ẩn danh bằng phương pháp khóa ô (cell-key) của Cục Thống kê Úc và Văn phòng Thống kê Quốc gia Anh, cùng một tập truy vấn đóng. Mỗi số được điều chỉnh một lượng nhỏ (từ -2 đến +2, trung bình 0, phương sai 1) theo một khóa tính từ các bản ghi tạo nên nó, nên cùng một tập bản ghi luôn cho cùng một giá trị công bố dù hỏi theo cách nào. Số 0 không bao giờ bị thay đổi. Giá trị đã điều chỉnh từ 1 đến {t1} được hiển thị là \"{s}\"; khi có dùng nhóm tuổi (lọc hoặc phân nhóm), giá trị 0 cũng được hiển thị là \"{s}\", vì một số 0 chính xác sẽ cho biết không có trẻ em nào ở đó. Nhóm tuổi chỉ được dùng ở các mức thô (ageRule), cho một kỳ được nêu rõ mà bản phát hành có đủ mọi tháng và mọi đơn vị được phục vụ tồn tại suốt kỳ đó, với giá trị của bản phát hành đầu tiên có đủ kỳ đó. Mọi giá trị đều là giá trị đã điều chỉnh.",
            t1 = self.threshold - 1,
            s = self.suppressed_display
        )
    }
    /// Adjusted values below this are suppressed (5 by default; 10 is the strict setting).
    async fn threshold(&self) -> i64 {
        self.threshold
    }
    /// What a suppressed value displays, e.g. "<5".
    async fn suppressed_display(&self) -> &str {
        &self.suppressed_display
    }
    /// How periods are treated where the age group is used (disclosure.md §4 rule 8).
    async fn partial_periods(&self) -> String {
        "Where the age group is used, a request must name a period (a year, a quarter or a month): the sum over every period is not published with the age group. A period is served only when every one of its months lies inside the months the release holds and inside the life of every unit served; otherwise the request is refused with GRAIN_NOT_ALLOWED and a message naming what is allowed. So the current year of a release is refused until the release holds all of it; 2025 is refused for the 63 provinces as recorded (they end in June) and for the 34 units as recorded (they start in July), and served for the 34 units under boundaries V2025, which hold all twelve months. Without the age group every period is served, partial ones included.".to_owned()
    }
    /// How age figures stay the same from release to release (disclosure.md §5).
    async fn age_vintage(&self) -> String {
        "Figures that use the age group are frozen: once a release has published a period whole, every later release serves the age figures of that period as that first release published them. Revisions of such a period show only in figures without the age group, and the notes of the release that revised it name the periods revised. A pinned release always gives the numbers it gave when it was published.".to_owned()
    }
    /// The public perturbation table: for each true count, which change each range of cell keys gives.
    async fn perturbation_table(&self) -> Vec<PerturbationEntry> {
        crate::disclosure::perturbation_table()
            .iter()
            .map(|r| PerturbationEntry {
                true_count: r.n_class.label().to_owned(),
                change: r.v,
                cell_key_from: r.u_min,
                cell_key_to: r.u_max,
                probability: r.probability(),
            })
            .collect()
    }
    /// Where the age group may be used (as a filter or a grouping, any value, adult included).
    /// Without the age group every grain is allowed.
    async fn age_rule(&self) -> Vec<AgeRule> {
        crate::disclosure::age_grain_table()
            .iter()
            .map(|r| AgeRule {
                region_level: match r.region {
                    crate::disclosure::RegionGrain::Country => RegionLevel::Country,
                    crate::disclosure::RegionGrain::SocioEconomicRegion => {
                        RegionLevel::SocioEconomicRegion
                    }
                    crate::disclosure::RegionGrain::Province => RegionLevel::Province,
                },
                granularity: match r.period {
                    PeriodGrain::Year => Granularity::Year,
                    PeriodGrain::Quarter => Granularity::Quarter,
                    PeriodGrain::Month => Granularity::Month,
                },
                allowance: r.allowance.as_str().to_owned(),
            })
            .collect()
    }
    /// What a reader must know before quoting or combining numbers.
    async fn notes(&self) -> Vec<String> {
        let t = self.threshold;
        vec![
            "Every value is adjusted; none is guaranteed exact, and the API never says which were changed.".to_owned(),
            "Parts need not add up to totals: each row and the total are adjusted independently, and are never rescaled to add up.".to_owned(),
            format!("\"{}\" stands for an adjusted value from 1 to {}, which can hide a true count from 1 to {}.", self.suppressed_display, t - 1, t + 1),
            "\"0\" can hide a true count of 1 or 2.".to_owned(),
            format!("Where the age group is used (as a filter or a grouping, any value), an adjusted 0 is shown as \"{}\" too: such figures never show an exact zero.", self.suppressed_display),
            "With the age group, name a period; it is served only when the release holds all of its months and every unit served existed throughout it (partialPeriods).".to_owned(),
            "Figures with the age group keep the values of the first release that held their period whole; revisions show in the figures without age (ageVintage).".to_owned(),
            "Metrics never add up across each other (a victim can be identified, rescued and supported).".to_owned(),
            "Rates per 100,000 use the adjusted value and the population of the year, or of the nearest known year (populationYear says which).".to_owned(),
            "A 2025 province made of provinces from two socio-economic regions is a node of its own at the region level.".to_owned(),
            "Cite the release: numbers of a release never change, and releases stay queryable.".to_owned(),
        ]
    }
    /// The metrics, their units and the dimensions each supports.
    async fn metrics(&self) -> Vec<MetricInfo> {
        metric_info()
    }
    /// Vietnamese and English labels of every value of every category dimension.
    async fn dimension_values(&self) -> DimensionValues {
        DimensionValues {
            sex: value_labels(Category::Sex),
            age_group: value_labels(Category::AgeGroup),
            exploitation_form: value_labels(Category::ExploitationForm),
            destination: value_labels(Category::Destination),
        }
    }
}
