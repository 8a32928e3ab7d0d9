//! Value parsers for the command line: ranks, sizes, fractions, rank lists. Each says what was
//! wrong in words a user can act on.

/// Parses a file size: `60000`, `60k` (×1000), `1.5M` (×10⁶), `64KiB` (×1024), `2MiB`.
pub fn parse_file_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let (num, mult) = [
        ("kib", 1024.0),
        ("mib", 1024.0 * 1024.0),
        ("kb", 1e3),
        ("mb", 1e6),
        ("k", 1e3),
        ("m", 1e6),
        ("b", 1.0),
    ]
    .iter()
    .find_map(|&(suf, m)| lower.strip_suffix(suf).map(|n| (n.trim().to_string(), m)))
    .unwrap_or((lower.clone(), 1.0));
    let v: f64 = num
        .parse()
        .map_err(|_| format!("'{t}' is not a size (try 60000, 60k or 1.5M)"))?;
    let bytes = (v * mult).floor();
    if v.is_finite() && (1.0..1e15).contains(&bytes) {
        Ok(bytes as u64)
    } else {
        Err(format!("size must be at least 1 byte, got {t}"))
    }
}

/// Parses a shard, `I/N` counted from 0 (`3/16`).
pub fn parse_shard(s: &str) -> Result<svdimg::batch::Shard, String> {
    s.parse().map_err(|e: svdimg::Error| e.to_string())
}

pub fn parse_non_negative(s: &str) -> Result<f64, String> {
    let f: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    if f.is_finite() && f >= 0.0 {
        Ok(f)
    } else {
        Err(format!("must be a number ≥ 0, got {s}"))
    }
}

/// A block side of the block codec: 4, 8, 16 or 32.
pub fn parse_block_side(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n @ (4 | 8 | 16 | 32)) => Ok(n),
        _ => Err(format!("block side {s} is not 4, 8, 16 or 32")),
    }
}

/// A quality of the block codec, 1–100.
pub fn parse_quality(s: &str) -> Result<f64, String> {
    let q = parse_non_negative(s)?;
    if (1.0..=100.0).contains(&q) {
        Ok(q)
    } else {
        Err(format!("quality {s} is not in 1–100"))
    }
}

/// A rank as typed: a count or a percentage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RankValue {
    /// `-k 50`
    Count(usize),
    /// `-k 10%`
    Percent(f64),
}

/// Parses `50` or `10%`.
pub fn parse_rank(s: &str) -> Result<RankValue, String> {
    let s = s.trim();
    if let Some(p) = s.strip_suffix('%') {
        let p: f64 = p
            .trim()
            .parse()
            .map_err(|_| format!("'{s}' is not a percentage (try 10%)"))?;
        if !(p > 0.0 && p <= 100.0) {
            return Err(format!("percentage must be in (0, 100], got {p}"));
        }
        return Ok(RankValue::Percent(p));
    }
    match s.parse::<usize>() {
        Ok(0) => Err("rank must be at least 1".into()),
        Ok(k) => Ok(RankValue::Count(k)),
        Err(_) => Err(format!(
            "'{s}' is not a rank (a whole number ≥ 1, or a percentage like 10%)"
        )),
    }
}

/// Parses a byte size: `4G`, `512M`, `100k`, or a plain number of bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => {
            let mult: u64 = match t[i..].to_ascii_lowercase().trim_end_matches(['b', 'i']) {
                "" => 1,
                "k" => 1 << 10,
                "m" => 1 << 20,
                "g" => 1 << 30,
                "t" => 1 << 40,
                _ => return Err(format!("'{s}' is not a size (try 4G or 512M)")),
            };
            (&t[..i], mult)
        }
        None => (t, 1),
    };
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a size (try 4G or 512M)"))?;
    if !(n.is_finite() && n > 0.0) {
        return Err(format!("size must be positive, got '{s}'"));
    }
    Ok((n * mult as f64) as u64)
}

pub fn parse_energy(s: &str) -> Result<f64, String> {
    let f: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    if f > 0.0 && f <= 1.0 {
        Ok(f)
    } else if f > 1.0 && f <= 100.0 {
        Err(format!(
            "energy must be in (0, 1], got {s} (for {s} %, write {})",
            (f * 1e10).round() / 1e12
        ))
    } else {
        Err(format!("energy must be in (0, 1], got {s}"))
    }
}

pub fn parse_positive(s: &str) -> Result<f64, String> {
    let f: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    if f.is_finite() && f > 0.0 {
        Ok(f)
    } else {
        Err(format!("must be a positive number, got {s}"))
    }
}

/// `--ranks` as typed.
#[derive(Debug, Clone, PartialEq)]
pub enum RankListArg {
    /// `auto`
    Auto,
    /// `1,5,10%`
    List(Vec<RankValue>),
}

/// Parses `auto` or a comma-separated list of ranks and percentages.
pub fn parse_rank_list(s: &str) -> Result<RankListArg, String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("auto") {
        return Ok(RankListArg::Auto);
    }
    if t.is_empty() {
        return Err("the rank list is empty (try 1,5,10,50 or auto)".into());
    }
    t.split(',')
        .map(|item| {
            if item.trim().is_empty() {
                Err(format!("'{s}' has an empty item (try 1,5,10,50)"))
            } else {
                parse_rank(item)
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(RankListArg::List)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_lists_parse_or_say_why_not() {
        assert_eq!(parse_rank_list("auto"), Ok(RankListArg::Auto));
        assert_eq!(
            parse_rank_list("1, 5,10%"),
            Ok(RankListArg::List(vec![
                RankValue::Count(1),
                RankValue::Count(5),
                RankValue::Percent(10.0)
            ]))
        );
        for bad in ["", " ", "0", "-3", "abc", "1,,5", "5,", "150%"] {
            assert!(parse_rank_list(bad).is_err(), "{bad:?}");
        }
    }
}
