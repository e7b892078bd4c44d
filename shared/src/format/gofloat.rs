//! Go's `strconv` float formatting (`%g`, `%e`, `%f`), digit for digit.
//!
//! Docker's sizes are `fmt.Sprintf("%.3g", …)` and template output prints
//! floats with `%v`, which is the shortest `%g`. Go and Rust both round the
//! exact binary value half-to-even, so Rust's own exact formatting supplies
//! the digits; this file only reproduces Go's layout rules: where `%g`
//! switches to exponent form, the trimmed trailing zeros, and exponents with
//! at least two digits (`1e+03`, not `1e3`).

/// The decimal digits of a finite, non-negative float: `digits` with
/// trailing zeros removed and the decimal point `point` places from their
/// start (`12.5` is `"125"`, point 2). Zero has no digits and point 0, as in
/// Go's `decimalSlice`.
struct Decimal {
    digits: Vec<u8>,
    point: i32,
}

impl Decimal {
    /// The shortest digits that read back as `x`.
    fn shortest(x: f64) -> Decimal {
        Decimal::from_exp_form(&format!("{x:e}"))
    }

    /// `x` rounded to `significant` digits (at least 1).
    fn rounded(x: f64, significant: usize) -> Decimal {
        let decimals = significant.max(1) - 1;
        Decimal::from_exp_form(&format!("{x:.decimals$e}"))
    }

    /// Parses Rust's `d.ddde-x` output, which this file formatted itself.
    fn from_exp_form(text: &str) -> Decimal {
        let (mantissa, exponent) = text.split_once('e').unwrap_or((text, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        let point = if digits.is_empty() { 0 } else { exponent + 1 };
        Decimal { digits, point }
    }

    fn digit(&self, index: i32) -> u8 {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.digits.get(i))
            .copied()
            .unwrap_or(b'0')
    }

    fn len(&self) -> i32 {
        i32::try_from(self.digits.len()).unwrap_or(i32::MAX)
    }

    /// Go's `fmtE`: one digit, `decimals` more after the point, `e±dd`.
    fn write_e(&self, decimals: i32, out: &mut String) {
        out.push(char::from(self.digit(0)));
        if decimals > 0 {
            out.push('.');
            for i in 1..=decimals {
                out.push(char::from(self.digit(i)));
            }
        }
        let exponent = if self.digits.is_empty() {
            0
        } else {
            self.point - 1
        };
        out.push('e');
        out.push(if exponent < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exponent.unsigned_abs()));
    }

    /// Go's `fmtF`: the integer part (at least `0`), then `decimals` more.
    fn write_f(&self, decimals: i32, out: &mut String) {
        if self.point > 0 {
            for i in 0..self.point {
                out.push(char::from(self.digit(i)));
            }
        } else {
            out.push('0');
        }
        if decimals > 0 {
            out.push('.');
            for i in 0..decimals {
                out.push(char::from(self.digit(self.point + i)));
            }
        }
    }
}

/// Writes the sign, or the special values Go spells `NaN`, `+Inf`, `-Inf`.
/// Returns the magnitude to format, or `None` when `x` was special.
fn sign_or_special(x: f64, plus: bool, out: &mut String) -> Option<f64> {
    if x.is_nan() {
        out.push_str("NaN");
        return None;
    }
    if x.is_sign_negative() {
        out.push('-');
    } else if plus || x.is_infinite() {
        out.push('+');
    }
    if x.is_infinite() {
        out.push_str("Inf");
        return None;
    }
    Some(x.abs())
}

/// Go's `strconv.FormatFloat(x, 'g', precision, 64)`: `None` is the
/// shortest form (`%v`), `Some(p)` is `%.pg`.
pub(crate) fn format_g(x: f64, precision: Option<usize>, plus: bool) -> String {
    let mut out = String::new();
    let Some(x) = sign_or_special(x, plus, &mut out) else {
        return out;
    };
    let (decimal, mut prec, shortest) = match precision {
        None => {
            let d = Decimal::shortest(x);
            let n = d.len();
            (d, n, true)
        }
        Some(p) => {
            let p = p.max(1);
            (
                Decimal::rounded(x, p),
                i32::try_from(p).unwrap_or(i32::MAX),
                false,
            )
        }
    };
    let mut eprec = prec;
    if eprec > decimal.len() && decimal.len() >= decimal.point {
        eprec = decimal.len();
    }
    if shortest {
        eprec = 6;
    }
    let exponent = decimal.point - 1;
    if exponent < -4 || exponent >= eprec {
        if prec > decimal.len() {
            prec = decimal.len();
        }
        decimal.write_e((prec - 1).max(0), &mut out);
    } else {
        if prec > decimal.point {
            prec = decimal.len();
        }
        decimal.write_f((prec - decimal.point).max(0), &mut out);
    }
    out
}

/// Go's `%.pe` (`p` defaults to 6 in `printf`).
pub(crate) fn format_e(x: f64, precision: usize, plus: bool) -> String {
    let mut out = String::new();
    if let Some(x) = sign_or_special(x, plus, &mut out) {
        let decimal = Decimal::rounded(x, precision + 1);
        decimal.write_e(i32::try_from(precision).unwrap_or(i32::MAX), &mut out);
    }
    out
}

/// Go's `%.pf` (`p` defaults to 6 in `printf`).
pub(crate) fn format_f(x: f64, precision: usize, plus: bool) -> String {
    let mut out = String::new();
    if let Some(x) = sign_or_special(x, plus, &mut out) {
        out.push_str(&format!("{x:.precision$}"));
    }
    out
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::{format_e, format_f, format_g};

    #[test]
    fn shortest_g_matches_go_v() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (-0.0, "-0"),
            (0.1, "0.1"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (100000000.0, "1e+08"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e21, "1e+21"),
            (3.0e-7, "3e-07"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ];
        for &(x, want) in cases {
            assert_eq!(format_g(x, None, false), want, "%v of {x}");
        }
    }

    #[test]
    fn precision_g_matches_go() {
        let cases: &[(f64, usize, &str)] = &[
            (0.0, 3, "0"),
            (5.57, 3, "5.57"),
            (279.0, 3, "279"),
            (1.2, 3, "1.2"),
            (1.0, 3, "1"),
            (100.0, 3, "100"),
            (999.5, 3, "1e+03"),
            (999.499, 3, "999"),
            (12.25, 3, "12.2"),
            (101.5, 3, "102"),
            (1.235, 3, "1.24"),
            (0.000012345, 3, "1.23e-05"),
            (123456.0, 4, "1.235e+05"),
            (2.5, 1, "2"),
            (3.5, 0, "4"),
        ];
        for &(x, p, want) in cases {
            assert_eq!(format_g(x, Some(p), false), want, "%.{p}g of {x}");
        }
    }

    #[test]
    fn e_and_f_match_go() {
        assert_eq!(format_e(1234.5678, 6, false), "1.234568e+03");
        assert_eq!(format_e(0.0, 2, false), "0.00e+00");
        assert_eq!(format_e(-0.00012, 1, false), "-1.2e-04");
        assert_eq!(format_e(5.0, 0, true), "+5e+00");
        assert_eq!(format_f(1.23456, 2, false), "1.23");
        assert_eq!(format_f(2.5, 0, false), "2");
        assert_eq!(format_f(1.0, 6, true), "+1.000000");
        assert_eq!(format_f(f64::INFINITY, 2, false), "+Inf");
    }
}
