//! Small helpers for CBOR maps with integer keys (CWT style), on top of ciborium.

use ciborium::value::{Integer, Value};

/// Encodes a map whose keys are written in the given (ascending) order.
pub fn encode_map(entries: Vec<(u8, Value)>) -> Vec<u8> {
    let map = map_value(entries);
    let mut out = Vec::with_capacity(128);
    ciborium::ser::into_writer(&map, &mut out).expect("writing CBOR into a Vec cannot fail");
    out
}

/// A map value with integer keys, to nest inside another item.
pub fn map_value(entries: Vec<(u8, Value)>) -> Value {
    Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Value::Integer(Integer::from(k)), v))
            .collect(),
    )
}

/// A decoded integer-keyed map. Unknown keys are an error, so that a field a newer issuer
/// relies on is never silently dropped by an older verifier.
pub struct IntMap {
    entries: Vec<(u8, Value)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CborError(pub String);

impl CborError {
    fn new(detail: impl Into<String>) -> CborError {
        CborError(detail.into())
    }
}

pub fn decode_value(bytes: &[u8]) -> Result<Value, CborError> {
    let mut reader = bytes;
    let value: Value =
        ciborium::de::from_reader(&mut reader).map_err(|e| CborError::new(e.to_string()))?;
    if !reader.is_empty() {
        return Err(CborError::new("trailing bytes after CBOR item"));
    }
    Ok(value)
}

impl IntMap {
    pub fn decode(bytes: &[u8], known: &[u8]) -> Result<IntMap, CborError> {
        IntMap::from_value(decode_value(bytes)?, known)
    }

    pub fn from_value(value: Value, known: &[u8]) -> Result<IntMap, CborError> {
        let Value::Map(pairs) = value else {
            return Err(CborError::new("expected a map"));
        };
        let mut entries = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            let key = match k {
                Value::Integer(i) => u8::try_from(i128::from(i)).ok(),
                _ => None,
            }
            .filter(|k| known.contains(k))
            .ok_or_else(|| CborError::new("unknown or non-integer map key"))?;
            if entries.iter().any(|(e, _)| *e == key) {
                return Err(CborError::new(format!("duplicate key {key}")));
            }
            entries.push((key, v));
        }
        Ok(IntMap { entries })
    }

    fn take(&mut self, key: u8) -> Option<Value> {
        let pos = self.entries.iter().position(|(k, _)| *k == key)?;
        Some(self.entries.swap_remove(pos).1)
    }

    pub fn opt_int(&mut self, key: u8) -> Result<Option<i128>, CborError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Integer(i)) => Ok(Some(i128::from(i))),
            Some(_) => Err(CborError::new(format!("key {key}: expected an integer"))),
        }
    }

    pub fn int<T: TryFrom<i128>>(&mut self, key: u8) -> Result<T, CborError> {
        self.opt_int_as(key)?
            .ok_or_else(|| CborError::new(format!("key {key} missing")))
    }

    pub fn opt_int_as<T: TryFrom<i128>>(&mut self, key: u8) -> Result<Option<T>, CborError> {
        match self.opt_int(key)? {
            None => Ok(None),
            Some(i) => T::try_from(i)
                .map(Some)
                .map_err(|_| CborError::new(format!("key {key}: integer out of range"))),
        }
    }

    pub fn opt_bytes(&mut self, key: u8) -> Result<Option<Vec<u8>>, CborError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bytes(b)) => Ok(Some(b)),
            Some(_) => Err(CborError::new(format!("key {key}: expected bytes"))),
        }
    }

    pub fn bytes(&mut self, key: u8) -> Result<Vec<u8>, CborError> {
        self.opt_bytes(key)?
            .ok_or_else(|| CborError::new(format!("key {key} missing")))
    }

    pub fn text(&mut self, key: u8) -> Result<String, CborError> {
        match self.take(key) {
            Some(Value::Text(t)) => Ok(t),
            None => Err(CborError::new(format!("key {key} missing"))),
            Some(_) => Err(CborError::new(format!("key {key}: expected text"))),
        }
    }

    pub fn opt_bool(&mut self, key: u8) -> Result<Option<bool>, CborError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(CborError::new(format!("key {key}: expected a boolean"))),
        }
    }

    pub fn opt_array(&mut self, key: u8) -> Result<Option<Vec<Value>>, CborError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(CborError::new(format!("key {key}: expected an array"))),
        }
    }
}

pub fn int(v: impl Into<i128>) -> Value {
    let i: i128 = v.into();
    Value::Integer(Integer::try_from(i).unwrap_or(Integer::from(0u8)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_round_trip_and_strictness() {
        let bytes = encode_map(vec![(1, int(7u8)), (2, Value::Text("x".into()))]);
        let mut m = IntMap::decode(&bytes, &[1, 2]).unwrap();
        assert_eq!(m.int::<u32>(1).unwrap(), 7);
        assert_eq!(m.text(2).unwrap(), "x");
        assert!(IntMap::decode(&bytes, &[1]).is_err(), "unknown key 2");
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(IntMap::decode(&trailing, &[1, 2]).is_err());
        let mut m = IntMap::decode(&bytes, &[1, 2]).unwrap();
        assert!(m.int::<u32>(3).is_err());
        assert!(m.bytes(1).is_err());
    }
}
