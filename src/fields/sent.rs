//! How a typed request reads the fields its validator accepted: as text as sent, as an amount,
//! as a count, or as absent when of another kind.

use super::whole_number_from_one;
use crate::money::Cents;
use serde_json::Value;
use std::borrow::Cow;

/// A field of a typed request that counts only when it is a string: any other value is taken
/// as absent (the validator has already said which of several spellings must be a string).
#[derive(Default, Clone, Copy)]
pub struct StringOrAbsent<'a>(pub Option<&'a str>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for StringOrAbsent<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let TextOrAbsent(text) = serde::Deserialize::deserialize(deserializer)?;
        Ok(StringOrAbsent(match text {
            Some(Cow::Borrowed(text)) => Some(text),
            _ => None,
        }))
    }
}

/// A field of a typed request sent as a JSON string or number, accepted by the validator: its
/// text as sent (a number in its original digits), borrowed when it is a string.
#[derive(Clone, Debug)]
pub struct SentText<'a>(pub Cow<'a, str>);

impl SentText<'_> {
    pub fn text(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for SentText<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = deserializer.deserialize_any(TextVisitor { any_value: false })?;
        text.map(SentText).ok_or_else(|| serde::de::Error::custom("expected a string or a number"))
    }
}

/// A field no validator checked, read as `text_at` reads it: a string as it is, a number in its
/// digits as sent, a boolean as `true` or `false`; None when absent, null, a list or an object.
/// Only a string of the body is borrowed (`StringOrAbsent` tells strings apart by that).
#[derive(Default, Clone, Debug)]
pub struct TextOrAbsent<'a>(pub Option<Cow<'a, str>>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for TextOrAbsent<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextVisitor { any_value: true }).map(TextOrAbsent)
    }
}

/// Reads a string or a number as text; with `any_value`, also a boolean, and anything else as
/// None, where without it anything else is refused.
struct TextVisitor {
    any_value: bool,
}

impl TextVisitor {
    fn other<'t, E: serde::de::Error>(&self, unexpected: serde::de::Unexpected) -> Result<Option<Cow<'t, str>>, E> {
        match self.any_value {
            true => Ok(None),
            false => Err(E::invalid_type(unexpected, self)),
        }
    }
}

fn number_text<'t>(number: impl Into<serde_json::Number>) -> Option<Cow<'t, str>> {
    Some(Cow::Owned(number.into().to_string()))
}

impl<'de> serde::de::Visitor<'de> for TextVisitor {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str(if self.any_value { "any value" } else { "a string or a number" })
    }
    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(text)))
    }
    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(text.to_string())))
    }
    fn visit_u64<E>(self, number: u64) -> Result<Self::Value, E> {
        Ok(number_text(number))
    }
    fn visit_i64<E>(self, number: i64) -> Result<Self::Value, E> {
        Ok(number_text(number))
    }
    fn visit_u128<E>(self, number: u128) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_u128(number).and_then(number_text))
    }
    fn visit_i128<E>(self, number: i128) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_i128(number).and_then(number_text))
    }
    // serde_json hands a number over as a float only when its shortest text is how it was
    // written; a larger integer or other digits come as the one-entry map below.
    fn visit_f64<E>(self, number: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(number).and_then(number_text))
    }
    fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<Self::Value, E> {
        match self.any_value {
            true => Ok(Some(Cow::Owned(value.to_string()))),
            false => self.other(serde::de::Unexpected::Bool(value)),
        }
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.other(serde::de::Unexpected::Unit)
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.other(serde::de::Unexpected::Option)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut items: A) -> Result<Self::Value, A::Error> {
        while items.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        self.other(serde::de::Unexpected::Seq)
    }
    // An object, or a number in serde_json's arbitrary-precision form, which `Value` tells apart.
    fn visit_map<A: serde::de::MapAccess<'de>>(self, entries: A) -> Result<Self::Value, A::Error> {
        match serde::Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(entries))? {
            Value::Number(number) => Ok(number_text(number)),
            _ => self.other(serde::de::Unexpected::Map),
        }
    }
}

/// The first item of a list whose first item alone the validator checked; the rest are skipped
/// unread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct First<T>(pub T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for First<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = T;
            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("a list of at least one item")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut items: A) -> Result<T, A::Error> {
                let first = items.next_element()?.ok_or_else(|| serde::de::Error::invalid_length(0, &self))?;
                while items.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(first)
            }
        }
        deserializer.deserialize_seq(Visitor(std::marker::PhantomData)).map(First)
    }
}

/// A whole number from 1 sent as a JSON number or as text, accepted by the validator
/// (`whole_number_from_one`): `usize::MAX` when larger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count(pub usize);

impl<'de> serde::Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let sent = SentText::deserialize(deserializer)?;
        whole_number_from_one(sent.text())
            .map(Count)
            .ok_or_else(|| serde::de::Error::custom(format!("{:?} is not a whole number from 1", sent.text())))
    }
}

/// An amount field of a typed request, sent as a JSON string ("100.00") or number (100.5) and
/// accepted by the validator: its text as sent, and its value.
#[derive(Clone, Debug)]
pub struct SentAmount<'a>(SentText<'a>);

impl SentAmount<'_> {
    /// The text as sent; a number in its original digits.
    pub fn text(&self) -> &str {
        self.0.text()
    }

    /// Zero when it is not an amount (the validator refused those).
    pub fn cents(&self) -> Cents {
        Cents::parse(self.0.text()).unwrap_or_default()
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for SentAmount<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        SentText::deserialize(deserializer).map(SentAmount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sent_amounts_keep_the_text_of_strings_and_numbers() {
        let body: Value =
            serde_json::from_str(r#"["100.00", 7, 100.5, 5.0, 100.50, 12345678901234567890123]"#).unwrap();
        let sent: Vec<SentAmount> = serde::Deserialize::deserialize(&body).unwrap();
        let texts: Vec<&str> = sent.iter().map(SentAmount::text).collect();
        assert_eq!(texts, ["100.00", "7", "100.5", "5.0", "100.50", "12345678901234567890123"]);
        assert!(matches!(sent[0].0 .0, std::borrow::Cow::Borrowed(_)));
        assert_eq!(sent[2].cents(), Cents::from_cents(10_050));
        assert_eq!(sent[5].cents(), Cents::ZERO);
        assert!(<SentAmount as serde::Deserialize>::deserialize(&Value::Null).is_err());
    }
}
