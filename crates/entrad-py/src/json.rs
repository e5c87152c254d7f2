//! Graph's JSON as Python objects (dict, list, str, int, float, bool, None),
//! the objects `json.loads` would give.
//!
//! [`Builder`] makes them straight from the JSON text (serde_json's parser
//! driving a visitor that makes each object), keeping the dict keys it made
//! so that the items of a page, which repeat the same few keys, share them
//! (as `json.loads` shares them within one call). It is what `Graph.items`
//! hands out: making the objects is most of a listing's time in Python, and
//! this skips the page's copy into one Python string that `json.loads`
//! needed, and the `json` module's import.

use std::fmt;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyString};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// `value` as the Python object `json.loads` would give.
pub(crate) fn to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_python(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, to_python(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// 2^63: a whole number of this size or more may have been an integer
/// literal that `json.loads` keeps exact (`i64` and `u64` ones are visited
/// as integers).
const BEYOND_64_BITS: f64 = 9_223_372_036_854_775_808.0;

/// Slots of the key cache (a power of two): far more than the keys of one
/// kind of Graph object.
const KEY_SLOTS: usize = 256;
/// Longer keys are made each time (no Graph property name is this long).
const KEY_MAX: usize = 64;

/// The dict keys made so far, by a hash of their text (one key per slot:
/// a colliding key replaces the one there).
pub(crate) struct KeyCache {
    slots: Vec<Option<(Box<str>, Py<PyString>)>>,
}

impl KeyCache {
    pub(crate) fn new() -> KeyCache {
        KeyCache {
            slots: (0..KEY_SLOTS).map(|_| None).collect(),
        }
    }

    /// The Python string of `key`: the one made before when it is cached.
    fn get<'py>(&mut self, py: Python<'py>, key: &str) -> Bound<'py, PyString> {
        if key.len() > KEY_MAX {
            return PyString::new(py, key);
        }
        let slot = &mut self.slots[slot_of(key)];
        if let Some((text, made)) = slot
            && **text == *key
        {
            return made.bind(py).clone();
        }
        let made = PyString::new(py, key);
        *slot = Some((key.into(), made.clone().unbind()));
        made
    }
}

/// FNV-1a of `key`, folded to a slot.
fn slot_of(key: &str) -> usize {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in key.bytes() {
        hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
    }
    (hash ^ (hash >> 16)) as usize & (KEY_SLOTS - 1)
}

/// Makes Python objects from JSON texts, sharing dict keys between them.
pub(crate) struct Builder<'py, 'k> {
    py: Python<'py>,
    keys: &'k mut KeyCache,
    /// The Python error that stopped a build (serde's errors carry text only).
    failed: Option<PyErr>,
}

impl<'py, 'k> Builder<'py, 'k> {
    pub(crate) fn new(py: Python<'py>, keys: &'k mut KeyCache) -> Self {
        Builder {
            py,
            keys,
            failed: None,
        }
    }

    /// The object `text` (one JSON value) stands for.
    pub(crate) fn load(&mut self, text: &str) -> PyResult<Bound<'py, PyAny>> {
        let mut parser = serde_json::Deserializer::from_str(text);
        let value = Seed(self)
            .deserialize(&mut parser)
            .and_then(|value| parser.end().map(|()| value));
        value.map_err(|e| {
            self.failed.take().unwrap_or_else(|| {
                PyValueError::new_err(format!("Graph sent JSON that does not parse: {e}"))
            })
        })
    }

    /// `error` kept for [`Builder::load`] to raise, as a serde error.
    fn fail<E: de::Error>(&mut self, error: PyErr) -> E {
        self.failed = Some(error);
        E::custom("a Python object could not be made")
    }
}

/// One JSON value, made into a Python object.
struct Seed<'b, 'py, 'k>(&'b mut Builder<'py, 'k>);

impl<'de, 'py> DeserializeSeed<'de> for Seed<'_, 'py, '_> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, 'py> Visitor<'de> for Seed<'_, 'py, '_> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.0.py, v).to_owned().into_any())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into_pyobject(self.0.py)
            .map(Bound::into_any)
            .unwrap_or_else(|e| match e {}))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into_pyobject(self.0.py)
            .map(Bound::into_any)
            .unwrap_or_else(|e| match e {}))
    }

    /// serde_json reads an integer beyond 64 bits as a float, where
    /// `json.loads` keeps it an exact `int`; such an integer and a float
    /// written as one (`1e20`) look the same here, so the item is refused
    /// and made by `json.loads` (rare: Graph sends no such number in users
    /// or groups).
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.fract() == 0.0 && v.abs() >= BEYOND_64_BITS {
            return Err(E::custom("a whole number beyond 64 bits"));
        }
        Ok(PyFloat::new(self.0.py, v).into_any())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.0.py, v).into_any())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.0.py.None().into_bound(self.0.py))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let builder = self.0;
        let list = PyList::empty(builder.py);
        while let Some(item) = seq.next_element_seed(Seed(&mut *builder))? {
            list.append(item).map_err(|e| builder.fail(e))?;
        }
        Ok(list.into_any())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let builder = self.0;
        let dict = PyDict::new(builder.py);
        while let Some(key) = map.next_key_seed(Key(&mut *builder))? {
            let value = map.next_value_seed(Seed(&mut *builder))?;
            dict.set_item(key, value).map_err(|e| builder.fail(e))?;
        }
        Ok(dict.into_any())
    }
}

/// A dict key, from the builder's [`KeyCache`].
struct Key<'b, 'py, 'k>(&'b mut Builder<'py, 'k>);

impl<'de, 'py> DeserializeSeed<'de> for Key<'_, 'py, '_> {
    type Value = Bound<'py, PyString>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, 'py> Visitor<'de> for Key<'_, 'py, '_> {
    type Value = Bound<'py, PyString>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let py = self.0.py;
        Ok(self.0.keys.get(py, v))
    }
}
