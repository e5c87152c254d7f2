//! What query options read of an entity type's properties: `$select` names them
//! ([`Selectable`]); `$filter`, `$search` and `$orderby` read their values and
//! follow Graph's support for each ([`Field`]). Users' [`Prop`](super::props::Prop)
//! and groups' [`GroupProp`](super::group_props::GroupProp) implement both, so one
//! parser and matcher serves both collections.

use std::borrow::Cow;

/// A property `$select` may name, of the entity type a request lists.
pub(crate) trait Selectable: Sized + Copy + PartialEq {
    /// The OData type, as errors name it (`microsoft.graph.user`).
    const TYPE: &'static str;
    /// The `id` property, which some answers carry whatever `$select` names.
    const ID: Self;
    /// Looks a property up by name, ignoring case as Graph does.
    fn parse(name: &str) -> Option<Self>;
    /// The property's name as Graph writes it.
    fn name(self) -> &'static str;
}

/// A property's value as `$filter`, `$search` and `$orderby` compare it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    /// A string, an id or a date (`None`: null).
    Text(Option<Cow<'a, str>>),
    Bool(bool),
    /// A collection of strings: filtered with `any`.
    Texts(Vec<&'a str>),
}

/// How Graph serves a query operator on a property (advanced query capabilities,
/// "Support for filter by properties" and "Support for sorting by properties").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Support {
    /// Without advanced query parameters.
    Default,
    /// Only with `ConsistencyLevel: eventual` and `$count=true`.
    Advanced,
    /// Not at all.
    No,
}

/// A `$filter` operator, as [`Field::filter`] grades it. `ne`, `not` and `eq null`
/// are advanced wherever `eq` is served, and `in` goes with `eq` (the page's rules),
/// so they have no entry of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    StartsWith,
    EndsWith,
    /// `ge` and `le`.
    Range,
}

/// A property `$filter`, `$search` and `$orderby` may name.
pub(crate) trait Field: Selectable + std::fmt::Debug {
    /// The objects the property belongs to.
    type Object;
    /// The resource as Graph's filter errors name it (`User`, `Group`).
    const RESOURCE: &'static str;
    /// The property's value on `object`.
    fn value(self, object: &Self::Object) -> Value<'_>;
    /// Whether the property is a collection ([`Value::Texts`]), filtered with `any`.
    fn is_collection(self) -> bool;
    /// How Graph serves `op` on this property.
    fn filter(self, op: Op) -> Support;
    /// Whether `$search` tokenizes this property (displayName, description) rather
    /// than matching the start of its value.
    fn tokenized(self) -> bool;
    /// How Graph serves `$orderby` on this property.
    fn sort(self) -> Support;
}

/// How Graph serves `op` on a string property whose `eq` is served as `eq` says:
/// `startsWith` alike, `ge`/`le` alike when `ranged`, `endsWith` not (the page
/// allows it on four properties only, which say so themselves).
pub(crate) fn text_support(eq: Support, op: Op, ranged: bool) -> Support {
    match op {
        Op::Eq | Op::StartsWith => eq,
        Op::Range if ranged => eq,
        Op::Range | Op::EndsWith => Support::No,
    }
}
