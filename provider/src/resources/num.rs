//! Exact decimal numbers: Terraform numbers kept as their decimal text.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Terraform number kept as its exact decimal text.
///
/// Terraform numbers are arbitrary-precision decimals: `99.9` travels as the string "99.9"
/// because no float64 equals it. Sending back a float64 would make Terraform report
/// "Provider produced inconsistent result", so the text is kept and sent back as is.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Num(String);

impl Num {
    /// The number as f64 (`NaN` if the text is not a number, which Terraform never sends).
    pub fn f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }

    /// The decimal text.
    pub fn text(&self) -> &str {
        &self.0
    }

    /// A number from an f64, in the shortest text that reads back as the same f64
    /// (`99.9`, not `99.900000000000006`).
    pub fn from_f64_shortest(v: f64) -> Num {
        Num(format!("{v}"))
    }

    /// A number from an f64, rounded to 6 decimals and written without float noise.
    pub fn from_f64_rounded(v: f64) -> Num {
        let s = format!("{:.6}", v);
        let s = s.trim_end_matches('0').trim_end_matches('.');
        Num(if s.is_empty() || s == "-" || s == "-0" {
            "0".to_string()
        } else {
            s.to_string()
        })
    }
}

impl fmt::Debug for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<i64> for Num {
    fn from(v: i64) -> Num {
        Num(v.to_string())
    }
}

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.parse::<i64>() {
            Ok(i) => s.serialize_i64(i),
            Err(_) => s.serialize_str(&self.0),
        }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(Num(format!("{}", v as i64)))
                } else {
                    Ok(Num(format!("{v}")))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                Ok(Num(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn num_keeps_decimal_text() {
        let n: Num = serde_json::from_str("\"99.9\"").unwrap();
        assert_eq!(n.text(), "99.9");
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"99.9\"");
        let n: Num = serde_json::from_str("30").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "30");
        let n: Num = serde_json::from_str("99.5").unwrap();
        assert_eq!(n.f64(), 99.5);
        assert_eq!(Num::from_f64_rounded(0.1 * 432.0).text(), "43.2");
        assert_eq!(Num::from_f64_rounded(10.0).text(), "10");
        assert_eq!(Num::from_f64_rounded(0.0).text(), "0");
    }
}
