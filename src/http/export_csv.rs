//! The CSV of `GET /export/case-statistics.csv`: one row per group and the total, the columns
//! of the request's groupings, names in the language asked for.
use crate::error::AppError;
use crate::graphql::lang::Language;
use crate::graphql::statistics::{Dimension, StatisticsArgs};
use crate::statistics::{self, StatsResult};

/// The columns of the CSV of a request.
pub(super) fn columns(a: &StatisticsArgs) -> Vec<&'static str> {
    let grouped = |d: Dimension| a.group_by.contains(&d);
    let mut header = vec!["row", "release"];
    if grouped(Dimension::Region) {
        header.extend(["region_code", "region_name"]);
    }
    if grouped(Dimension::Period) {
        header.push("period");
    }
    for (d, name) in [
        (Dimension::Sex, "sex"),
        (Dimension::AgeGroup, "age_group"),
        (Dimension::ExploitationForm, "exploitation_form"),
        (Dimension::Destination, "destination"),
    ] {
        if grouped(d) {
            header.push(name);
        }
    }
    header.extend([
        "value",
        "status",
        "display",
        "rate_per_100k",
        "population_year",
    ]);
    header
}

pub(super) fn csv_text(
    result: &StatsResult,
    a: &StatisticsArgs,
    lang: Language,
) -> Result<Vec<u8>, AppError> {
    let internal = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
    let grouped = |d: Dimension| a.group_by.contains(&d);
    let header = columns(a);
    let mut out: Vec<u8> = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(&header).map_err(internal)?;
        let value_cells = |v: &statistics::StatValue| -> Vec<String> {
            vec![
                v.protected.value.map(|x| x.to_string()).unwrap_or_default(),
                v.protected.status.as_str().to_owned(),
                v.protected.display.clone(),
                v.rate
                    .map(|r| format!("{:.3}", r.per_100k))
                    .unwrap_or_default(),
                v.rate
                    .map(|r| r.population_year.to_string())
                    .unwrap_or_default(),
            ]
        };
        for r in &result.rows {
            let mut rec = vec!["group".to_owned(), result.release.code.clone()];
            if grouped(Dimension::Region) {
                let region = r.region.as_ref();
                rec.push(region.map(|x| x.code.clone()).unwrap_or_default());
                rec.push(
                    region
                        .map(|x| {
                            if lang == Language::En {
                                x.name_en.clone()
                            } else {
                                x.name_vi.clone()
                            }
                        })
                        .unwrap_or_default(),
                );
            }
            if grouped(Dimension::Period) {
                rec.push(r.period.map(|p| p.label()).unwrap_or_default());
            }
            for (i, d) in [
                Dimension::Sex,
                Dimension::AgeGroup,
                Dimension::ExploitationForm,
                Dimension::Destination,
            ]
            .into_iter()
            .enumerate()
            {
                if grouped(d) {
                    rec.push(r.categories[i].unwrap_or_default().to_owned());
                }
            }
            rec.extend(value_cells(&r.value));
            w.write_record(&rec).map_err(internal)?;
        }
        let mut total = vec!["total".to_owned(), result.release.code.clone()];
        total.resize(header.len() - 5, String::new());
        total.extend(value_cells(&result.total));
        w.write_record(&total).map_err(internal)?;
        w.flush()
            .map_err(|e| AppError::Internal(format!("csv: {e}")))?;
    }
    Ok(out)
}
