//! Money in whole cents of one currency. Every amount that reaches the ledger, a transaction or
//! an admin balance is a `Cents`; arithmetic on it is checked, and parsing refuses anything that
//! is not a plain non-negative amount with at most two decimals within range.

use serde_json::Value;
use std::fmt;

/// An amount or a balance in cents. The inner value is never exposed for arithmetic: use the
/// checked operations, so an overflow is always an error and never a wrapped balance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Cents(i64);

/// Why a text or JSON value is not an amount. Each message says the whole rule, so an answer
/// naming the field and this error tells the caller what to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("is not an amount{RULE}")]
    NotAnAmount,
    #[error("is negative{RULE}")]
    Negative,
    #[error("has more than 2 decimal places{RULE}")]
    TooManyDecimals,
    #[error("is above the largest balance{RULE}")]
    TooLarge,
}

/// The rule every `AmountError` states (`Cents::MAX_BALANCE` written out).
const RULE: &str = ": send 0.00 to 9999999999999.99 with at most 2 decimal places, such as \"100.00\"";

impl Cents {
    pub const ZERO: Cents = Cents(0);

    /// The most an account may hold: 9,999,999,999,999.99. Fifteen significant digits, like the
    /// largest amount a request may carry, so every balance is exact as a JSON number (an f64)
    /// and the sum of a day's debits (at most 1,000 statement lines) stays far inside an i64.
    /// A credit that would pass it is refused; admin input and state files above it are refused.
    pub const MAX_BALANCE: Cents = Cents(999_999_999_999_999);

    pub const fn from_cents(cents: i64) -> Self {
        Cents(cents)
    }

    pub const fn cents(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Cents) -> Option<Cents> {
        self.0.checked_add(other.0).map(Cents)
    }

    pub fn checked_sub(self, other: Cents) -> Option<Cents> {
        self.0.checked_sub(other.0).map(Cents)
    }

    pub fn checked_mul(self, factor: i64) -> Option<Cents> {
        self.0.checked_mul(factor).map(Cents)
    }

    pub fn checked_neg(self) -> Option<Cents> {
        self.0.checked_neg().map(Cents)
    }

    /// The magnitude, for statements that show a debit's amount without its sign.
    pub fn abs(self) -> Cents {
        Cents(self.0.saturating_abs())
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// A balance an account may hold: from zero to `MAX_BALANCE`.
    pub fn is_valid_balance(self) -> bool {
        (0..=Self::MAX_BALANCE.0).contains(&self.0)
    }

    /// "500.00" → 50000; "5" is 500 and "5.5" is 550. At most `MAX_BALANCE`.
    pub fn parse(text: &str) -> Result<Cents, AmountError> {
        let text = text.trim();
        let unsigned = match text.strip_prefix('-') {
            Some(rest) if !rest.is_empty() => {
                return Err(if Cents::parse(rest).is_ok() { AmountError::Negative } else { AmountError::NotAnAmount })
            }
            _ => text,
        };
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || (unsigned.contains('.') && fraction.is_empty()) {
            return Err(AmountError::NotAnAmount);
        }
        if fraction.len() > 2 {
            return Err(AmountError::TooManyDecimals);
        }
        // Leading zeros say nothing; a long run of them must not make a small amount "too large".
        let whole = whole.trim_start_matches('0');
        if whole.len() > 16 {
            return Err(AmountError::TooLarge);
        }
        let units: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| AmountError::NotAnAmount)? };
        let fraction_cents: i64 = match fraction.len() {
            0 => 0,
            1 => i64::from(fraction.as_bytes()[0] - b'0') * 10,
            _ => fraction.parse().map_err(|_| AmountError::NotAnAmount)?,
        };
        let cents = units.checked_mul(100).and_then(|c| c.checked_add(fraction_cents)).ok_or(AmountError::TooLarge)?;
        let cents = Cents(cents);
        if cents > Self::MAX_BALANCE {
            return Err(AmountError::TooLarge);
        }
        Ok(cents)
    }

    /// An amount sent as a JSON string ("100.00") or number (100.5), read from its text as sent,
    /// so a number is never rounded through a float.
    pub fn from_json(value: &Value) -> Result<Cents, AmountError> {
        match value {
            Value::String(text) => Cents::parse(text),
            Value::Number(number) => {
                let text = number.to_string();
                // `1e3` and `1.5E2` are numbers too, but not amounts anyone writes.
                if text.contains(['e', 'E']) {
                    return Err(AmountError::NotAnAmount);
                }
                Cents::parse(&text)
            }
            _ => Err(AmountError::NotAnAmount),
        }
    }

    /// As a JSON number: an integer when whole (Jenga's callbacks say `5`, not `5.0`), else with
    /// its cents. Exact for every amount up to `MAX_BALANCE`.
    pub fn to_json_number(self) -> Value {
        if self.0 % 100 == 0 {
            Value::from(self.0 / 100)
        } else {
            // Exact: an amount up to `MAX_BALANCE` has at most 15 significant digits.
            serde_json::Number::from_f64(self.0 as f64 / 100.0).map(Value::Number).unwrap_or(Value::Null)
        }
    }

    /// Converted at `rate` (units of the target currency per unit of this one), to the nearest
    /// cent, a half cent away from zero; None when the result does not fit.
    pub fn convert(self, rate: Rate) -> Option<Cents> {
        let exact = i128::from(self.0).checked_mul(rate.numerator)?;
        let cents = divide_rounding_half_away(exact, rate.denominator);
        i64::try_from(cents).ok().map(Cents)
    }
}

/// `dividend / divisor` (a positive divisor) to the nearest integer, a half away from zero.
fn divide_rounding_half_away(dividend: i128, divisor: i128) -> i128 {
    let (quotient, remainder) = (dividend / divisor, dividend % divisor);
    if remainder.unsigned_abs() * 2 >= divisor.unsigned_abs() {
        quotient + dividend.signum()
    } else {
        quotient
    }
}

/// An exchange rate, held exactly: units of one currency per unit of another as a ratio of
/// integers. The fixture quotes rates as decimals (at most 6 places); an inverted or crossed rate
/// stays the exact ratio of those decimals, so converting an amount rounds once, at the cent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Always in lowest terms, both positive.
    numerator: i128,
    denominator: i128,
}

/// Why a text is not a rate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a rate: send a positive decimal with at most 6 decimal places, such as 122.6")]
pub struct RateError;

impl Rate {
    pub const ONE: Rate = Rate { numerator: 1, denominator: 1 };

    /// "122.6" → 122.6; at most 6 decimals and 9 whole digits, above zero. Kept that small, a rate
    /// crossed through a third currency still shows to 6 places in an i128.
    pub fn parse(text: &str) -> Result<Rate, RateError> {
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        let well_formed =
            !whole.is_empty() && digits(whole) && digits(fraction) && !(text.contains('.') && fraction.is_empty());
        if !well_formed || fraction.len() > 6 || whole.trim_start_matches('0').len() > 9 {
            return Err(RateError);
        }
        let numerator: i128 = format!("{whole}{fraction}").parse().map_err(|_| RateError)?;
        Rate::ratio(numerator, 10_i128.pow(fraction.len() as u32)).ok_or(RateError)
    }

    /// `numerator / denominator` in lowest terms; None unless both are positive.
    fn ratio(numerator: i128, denominator: i128) -> Option<Rate> {
        if numerator <= 0 || denominator <= 0 {
            return None;
        }
        let divisor = greatest_common_divisor(numerator, denominator);
        Some(Rate { numerator: numerator / divisor, denominator: denominator / divisor })
    }

    /// The rate the other way round.
    pub fn inverse(self) -> Rate {
        Rate { numerator: self.denominator, denominator: self.numerator }
    }

    /// This rate followed by `next` (from A to B, then B to C: from A to C); None on overflow.
    pub fn then(self, next: Rate) -> Option<Rate> {
        Rate::ratio(self.numerator.checked_mul(next.numerator)?, self.denominator.checked_mul(next.denominator)?)
    }

    /// The rate to `decimals` places (a half away from zero), as the JSON number an answer shows.
    pub fn rounded(self, decimals: u32) -> f64 {
        let scale = 10_i128.pow(decimals);
        divide_rounding_half_away(self.numerator.saturating_mul(scale), self.denominator) as f64 / scale as f64
    }
}

fn greatest_common_divisor(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Fixture rates are written as JSON numbers (`122.6`); read from their text, never through a float.
impl<'de> serde::Deserialize<'de> for Rate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = serde_json::Number::deserialize(deserializer)?;
        Rate::parse(&number.to_string()).map_err(serde::de::Error::custom)
    }
}

/// 50000 → "500.00"; negative amounts keep their sign.
impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", magnitude / 100, magnitude % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_from_text_and_format_back() {
        assert_eq!(Cents::parse("500.00"), Ok(Cents(50_000)));
        assert_eq!(Cents::parse("5"), Ok(Cents(500)));
        assert_eq!(Cents::parse("5.5"), Ok(Cents(550)));
        assert_eq!(Cents::parse("0005.05"), Ok(Cents(505)));
        assert_eq!(Cents::parse("5.555"), Err(AmountError::TooManyDecimals));
        assert_eq!(Cents::parse("-5"), Err(AmountError::Negative));
        assert_eq!(Cents::parse("5."), Err(AmountError::NotAnAmount));
        assert_eq!(Cents::parse("+5"), Err(AmountError::NotAnAmount));
        assert_eq!(Cents::parse(""), Err(AmountError::NotAnAmount));
        assert_eq!(Cents::parse("9999999999999.99"), Ok(Cents::MAX_BALANCE));
        assert_eq!(Cents::parse("10000000000000.00"), Err(AmountError::TooLarge));
        assert_eq!(Cents::parse("92233720368547758.07"), Err(AmountError::TooLarge));
        assert_eq!(Cents::parse("99999999999999999999999999"), Err(AmountError::TooLarge));
        assert_eq!(Cents(565_558).to_string(), "5655.58");
        assert_eq!(Cents(5).to_string(), "0.05");
        assert_eq!(Cents(-5).to_string(), "-0.05");
        assert_eq!(Cents(i64::MIN).to_string(), "-92233720368547758.08");
        assert!(AmountError::TooLarge.to_string().contains(&Cents::MAX_BALANCE.to_string()));
    }

    #[test]
    fn json_amounts_are_read_as_sent() {
        let number: Value = serde_json::from_str("100.5").unwrap();
        assert_eq!(Cents::from_json(&number), Ok(Cents(10_050)));
        assert_eq!(Cents::from_json(&Value::from("7")), Ok(Cents(700)));
        let exponent: Value = serde_json::from_str("1e3").unwrap();
        assert_eq!(Cents::from_json(&exponent), Err(AmountError::NotAnAmount));
        assert_eq!(Cents::from_json(&Value::Bool(true)), Err(AmountError::NotAnAmount));
        assert_eq!(Cents(500).to_json_number(), Value::from(5));
        assert_eq!(Cents(550).to_json_number().to_string(), "5.5");
        assert_eq!(Cents::MAX_BALANCE.to_json_number().to_string(), "9999999999999.99");
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Cents(i64::MAX).checked_add(Cents(1)), None);
        assert_eq!(Cents(i64::MIN).checked_sub(Cents(1)), None);
        assert_eq!(Cents(i64::MAX).checked_mul(2), None);
        assert_eq!(Cents(i64::MAX).convert(Rate::parse("2").unwrap()), None);
    }

    #[test]
    fn conversions_are_exact_and_round_once_a_half_cent_away_from_zero() {
        let rate = |text| Rate::parse(text).unwrap();
        assert_eq!(Cents(10_000).convert(rate("0.0078")), Some(Cents(78)));
        assert_eq!(Cents(104_200).convert(rate("122.6")), Some(Cents(12_774_920)));
        // 0.50 at 0.01 is half a cent: up, as is -0.50 down.
        assert_eq!(Cents(50).convert(rate("0.01")), Some(Cents(1)));
        assert_eq!(Cents(-50).convert(rate("0.01")), Some(Cents(-1)));
        assert_eq!(Cents(49).convert(rate("0.01")), Some(Cents(0)));
        // UGX 3,712.50 is exactly USD 1 at the inverse of 3712.5, with no float in between.
        assert_eq!(Cents(371_250).convert(rate("3712.5").inverse()), Some(Cents(100)));
        // USD to GBP through KES: 122.6 / 155.2.
        let crossed = rate("122.6").then(rate("155.2").inverse()).unwrap();
        assert_eq!(crossed.rounded(4), 0.7899);
        assert_eq!(crossed.rounded(6), 0.789948);
        assert_eq!(Cents(34_400).convert(crossed), Some(Cents(27_174)));
        assert_eq!(Rate::ONE.rounded(4), 1.0);
    }

    #[test]
    fn rates_parse_from_decimal_text_only() {
        assert_eq!(Rate::parse("122.6"), Rate::parse("122.600000"));
        for refused in ["0", "0.0", "-1", "1e3", "1.", ".5", "1.1234567", "1234567890", ""] {
            assert_eq!(Rate::parse(refused), Err(RateError), "{refused}");
        }
        let quoted: Rate = serde_json::from_str("0.0078").unwrap();
        assert_eq!(quoted, Rate::parse("0.0078").unwrap());
        assert!(serde_json::from_str::<Rate>("\"0.0078\"").is_err());
    }
}
