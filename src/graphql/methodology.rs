//! The vocabulary a reader needs to read a number right: metrics and their dimensions, labels
//! of every value, and how the statistics are protected (`dataset.methodology`).
use async_graphql::{Object, SimpleObject};

use super::region::RegionLevel;
use super::statistics_enums::{Dimension, Granularity, Metric};
use crate::dimensions::{self, Category, MetricKind};
use crate::disclosure::PeriodGrain;

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
